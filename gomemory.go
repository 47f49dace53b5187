package main

import (
	"runtime/debug"

	"jixiao/pipeline/warehouse"
)

// limitGoMemory gives Go's heap a soft limit (debug.SetMemoryLimit) unless
// GOMEMLIMIT sets one. DuckDB's memory_limit bounds only its buffer pool;
// while a large roster and services export are parsed, Go's own heap came
// on top of a full pool: at demo scale 100 it reached 1.27 GB before a
// collection with 0.59 GB live, and a run's peak RSS went from 1.75 to
// 2.79 GiB depending on how the two coincided. With a soft limit of 3/4 of
// DuckDB's default (768 MiB on this machine) the extract stage peaked at
// 1.38 GiB instead of 1.79 GiB, and was not slower in the one run each
// measured (README, Performance).
// The runtime keeps collection below half the CPU even when the live heap
// is above the limit, so a small machine is slowed, not stopped.
//
// Between collections the heap grows by Go's default 100% (GOGC), not more:
// memory Go has not collected is memory it takes fresh from the system, and
// every page of that costs a page fault on first touch. With 400% the
// default project's run touched 440 MB and took 157-167K page faults, 2.0-2.2
// s of system time; with 100%, 25 collections of a 10-40 MB heap (2% of the
// CPU), 320-330 MB, 113-118K faults and 1.6-1.7 s (README, Performance).
func limitGoMemory(getenv func(string) string) {
	// GOMEMLIMIT, when set, the runtime has applied already.
	if limit := goMemoryLimit(warehouse.DefaultMemoryBytes()); getenv("GOMEMLIMIT") == "" && limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// goMemoryLimit is the soft limit for Go's heap on a machine whose DuckDB
// default is duckdbDefault bytes; 0 leaves Go's default (no limit).
func goMemoryLimit(duckdbDefault uint64) int64 {
	return int64(duckdbDefault / 4 * 3)
}
