package main

import (
	"math"
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
// Under a limit the heap may also grow further between collections
// (gcPercent, unless GOGC says otherwise): the live heap of a run is small
// (5-10 MB for the default project), so Go's default of 100 collected 78
// times in a run, 0.37 s of CPU in all, 7% of the run's; a province's run is
// held to the limit either way.
func limitGoMemory(getenv func(string) string) {
	// GOMEMLIMIT, when set, the runtime has applied already.
	if limit := goMemoryLimit(warehouse.DefaultMemoryBytes()); getenv("GOMEMLIMIT") == "" && limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	// -1 reads the limit; GOMEMLIMIT=off leaves none.
	if debug.SetMemoryLimit(-1) < math.MaxInt64 && getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// gcPercent is the heap's growth between collections, in percent of the
// live heap, when a memory limit bounds it (GOGC; Go's default is 100).
const gcPercent = 400

// goMemoryLimit is the soft limit for Go's heap on a machine whose DuckDB
// default is duckdbDefault bytes; 0 leaves Go's default (no limit).
func goMemoryLimit(duckdbDefault uint64) int64 {
	return int64(duckdbDefault / 4 * 3)
}
