package cli

import (
	"fmt"
	"io"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// printResources adds to the run summary the memory limit and threads
// DuckDB ran with, and where each came from, so that whoever watches a big
// run on a shared machine sees what it may take. A PostgreSQL warehouse
// has none of jixiao's to show: the server sets its own.
func printResources(w io.Writer, r warehouse.Resources, cfg project.Config) {
	if r.Threads == 0 {
		return
	}
	memory := fmt.Sprintf("按本机内存推定：1/%d，至多 %d MiB；可在 jixiao.yaml 设 memory_limit", warehouse.DefaultMemoryShare, warehouse.DefaultMemoryCap>>20)
	if cfg.MemoryLimit != "" {
		memory = "jixiao.yaml 的 memory_limit: " + cfg.MemoryLimit
	}
	threads := "每个 CPU 核一个；可在 jixiao.yaml 设 threads"
	if cfg.Threads > 0 {
		threads = "jixiao.yaml 的 threads"
	}
	fmt.Fprintf(w, "  DuckDB   内存上限 %s（%s），线程 %d（%s）\n", r.MemoryLimit, memory, r.Threads, threads)
}
