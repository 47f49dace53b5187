package warehouse

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// The default memory limit is a share of the machine's memory, capped.
// DuckDB's own default, 80% of RAM, let a province-sized run (demo scale
// 100) peak at 3.9 GB on the 24 GiB development machine, and leaves a
// 4 GiB office PC nothing for the browser and Excel beside it. memory_limit
// bounds DuckDB's buffer pool, not the process: Go's parsing and Arrow
// batches and DuckDB's own allocations outside the pool come on top. Whole
// `jixiao run`s at scale 100 measured (/usr/bin/time -v) a peak of 2.65 GiB
// with a 1.5 GiB limit and 1.75 GiB with 1 GiB, so:
//   - at most DefaultMemoryCap, which keeps scale 100 under the 2.5 GiB
//     PERFORMANCE.md asks for, with room for the ±0.2 GiB runs vary by;
//   - a quarter of memory below 4 GiB, which leaves three quarters to the
//     rest of the machine and to what a run holds outside the pool;
//   - at least defaultMemoryFloor (unless that is over half of memory), so
//     that a tiny container still gives DuckDB a working pool; the floor
//     is a judgement, not a measurement.
const (
	DefaultMemoryShare = 4 // a quarter of memory
	DefaultMemoryCap   = 1 << 30
	defaultMemoryFloor = 256 << 20
)

// Where the machine's memory is read: /proc/meminfo's MemTotal, lowered by
// the container's limit when cgroup sets one (v2, then v1), since that is
// the memory the process may really have.
const (
	memInfoFile     = "proc/meminfo"
	cgroupV2MaxFile = "sys/fs/cgroup/memory.max"
	cgroupV1MaxFile = "sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// Resources are the memory and threads DuckDB was given.
type Resources struct {
	// MemoryLimit is DuckDB's memory_limit as it states it ("1.4 GiB").
	MemoryLimit string
	// MemoryBytes is MemoryLimit in bytes, 0 when unknown (PostgreSQL).
	MemoryBytes int64
	// Threads is DuckDB's worker threads.
	Threads int
	// PostgresRole is the role a PostgreSQL warehouse is used as, and
	// PostgresRights what of the server's files and programs it may reach
	// (superuser, pg_read_server_files, ...): the bound on users' SQL there.
	PostgresRole   string
	PostgresRights []string
	// PostgresVersion is the server's version() ("PostgreSQL 15.20 on …",
	// or an openGauss/KingbaseES string): what a run was verified on.
	PostgresVersion string
}

// Resources reads the memory limit and threads in effect from DuckDB
// itself, so what a run reports is what DuckDB applies.
func (w *Warehouse) Resources(ctx context.Context) (Resources, error) {
	var r Resources
	if w.pg != nil {
		// PostgreSQL's memory and workers are the server's settings, not
		// jixiao's; what matters is how far its role reaches.
		return w.postgresRole(ctx)
	}
	err := w.db.QueryRowContext(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&r.MemoryLimit, &r.Threads)
	if err != nil {
		return Resources{}, fmt.Errorf("read DuckDB's memory_limit and threads: %w", err)
	}
	r.MemoryBytes = parseDuckDBSize(r.MemoryLimit)
	return r, nil
}

// parseDuckDBSize reads a size as DuckDB states it ("1.0 GiB", "953.6 MiB",
// "2.0 GB", "512 bytes"); 0 when it cannot.
func parseDuckDBSize(s string) int64 {
	var n float64
	var unit string
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%g %s", &n, &unit); err != nil || n < 0 {
		return 0
	}
	units := map[string]float64{"bytes": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
		"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
	m, ok := units[unit]
	if !ok {
		return 0
	}
	return int64(n * m)
}

// DefaultMemoryLimit is the memory_limit a warehouse gets when the project
// sets none: a quarter of this machine's (or container's) memory, at most
// 1 GiB and at least 256 MiB, as DuckDB reads it ("1024MiB"). Empty when
// the machine's memory cannot be read: DuckDB then keeps its own default.
func DefaultMemoryLimit() string {
	return defaultMemoryLimit(os.DirFS("/"))
}

// defaultMemoryLimit is DefaultMemoryLimit with the files read from root,
// so that tests can give it any machine.
func defaultMemoryLimit(root fs.FS) string {
	limit := defaultMemoryBytes(root)
	if limit == 0 {
		return ""
	}
	return fmt.Sprintf("%dMiB", limit>>20)
}

// DefaultMemoryBytes is DefaultMemoryLimit in bytes; 0 when the machine's
// memory cannot be read.
func DefaultMemoryBytes() uint64 {
	return defaultMemoryBytes(os.DirFS("/"))
}

func defaultMemoryBytes(root fs.FS) uint64 {
	total := machineMemory(root)
	if total == 0 {
		return 0
	}
	return memoryLimitFor(total)
}

// machineMemory is the memory this process may use in bytes: MemTotal,
// or the cgroup limit when lower; 0 when neither can be read.
func machineMemory(root fs.FS) uint64 {
	total := memTotal(root)
	for _, file := range []string{cgroupV2MaxFile, cgroupV1MaxFile} {
		if limit, ok := cgroupLimit(root, file); ok && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}

// memoryLimitFor is the default limit for a machine of total bytes.
func memoryLimitFor(total uint64) uint64 {
	limit := min(total/DefaultMemoryShare, DefaultMemoryCap)
	if limit < defaultMemoryFloor {
		limit = min(defaultMemoryFloor, total/2)
	}
	return limit
}

// memTotal reads MemTotal from meminfo ("MemTotal:  24683652 kB"); 0 when
// it is missing or unreadable.
func memTotal(root fs.FS) uint64 {
	data, err := fs.ReadFile(root, memInfoFile)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "MemTotal:" {
			continue
		}
		kb, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimit reads a cgroup memory limit in bytes. "max" (v2) and v1's
// near-2^63 "unlimited" are no limit.
func cgroupLimit(root fs.FS, file string) (uint64, bool) {
	data, err := fs.ReadFile(root, file)
	if err != nil {
		return 0, false
	}
	limit, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || limit == 0 || limit >= 1<<62 {
		return 0, false
	}
	return limit, true
}
