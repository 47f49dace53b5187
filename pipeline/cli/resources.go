package cli

import (
	"fmt"
	"io"
	"strings"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// printResources adds to the run summary the memory limit and threads
// DuckDB ran with, and where each came from, so that whoever watches a big
// run on a shared machine sees what it may take. A PostgreSQL warehouse
// has none of jixiao's to show: the server sets its own.
func printResources(w io.Writer, r warehouse.Resources, cfg project.Config) {
	if r.PostgresRole != "" {
		// Which server a run was on (openGauss and KingbaseES say so in
		// version()), since only PostgreSQL 15 is verified.
		if v, _, _ := strings.Cut(r.PostgresVersion, " on "); v != "" {
			fmt.Fprintf(w, "  服务器   %s\n", v)
		}
		if len(r.PostgresRights) == 0 {
			fmt.Fprintf(w, "  角色     %s\n", r.PostgresRole)
			return
		}
		// jixiao refuses the server's functions in users' SQL, but the role
		// is the bound that holds: say so at every run until it is fixed.
		fmt.Fprintf(w, "  角色     %s（注意：有 %s 权限，能读写数据库服务器上的文件；请为 jixiao 建一个没有这些权限的角色，见 README 的 The warehouse）\n",
			r.PostgresRole, strings.Join(r.PostgresRights, "、"))
		return
	}
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
