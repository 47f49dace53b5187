//go:build duckdb_arrow

package main

import (
	"math"
	"runtime/debug"
	"testing"

	"jixiao/pipeline/warehouse"
)

func TestGoMemoryLimit(t *testing.T) {
	tests := []struct {
		duckdb uint64
		want   int64
	}{
		{1 << 30, 768 << 20},   // this machine: DuckDB 1 GiB, Go 768 MiB
		{512 << 20, 384 << 20}, // a 2 GiB machine
		{0, 0},                 // memory unreadable: Go's default
	}
	for _, tt := range tests {
		if got := goMemoryLimit(tt.duckdb); got != tt.want {
			t.Errorf("goMemoryLimit(%d) = %d, want %d", tt.duckdb, got, tt.want)
		}
	}
}

// limitGoMemory sets jixiao's limit unless GOMEMLIMIT gave the runtime one,
// and leaves the collector's pace (GOGC) as the runtime has it: a heap that
// grows further between collections takes more fresh pages from the system.
func TestLimitGoMemory(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // -1 reads it
	own := int64(math.MaxInt64)                          // no limit of jixiao's on a machine whose memory is unknown
	if l := goMemoryLimit(warehouse.DefaultMemoryBytes()); l > 0 {
		own = l
	}
	for _, c := range []struct {
		env       map[string]string
		runtime   int64 // the limit the runtime took from GOMEMLIMIT
		gcPercent int   // the pace the runtime took from GOGC
		want      int64
	}{
		{nil, math.MaxInt64, 100, own},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 1 << 30, 100, 1 << 30},
		{map[string]string{"GOMEMLIMIT": "off"}, math.MaxInt64, 100, math.MaxInt64},
		{map[string]string{"GOGC": "400"}, math.MaxInt64, 400, own},
		{map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "off"}, 1 << 30, -1, 1 << 30},
	} {
		debug.SetGCPercent(c.gcPercent)
		debug.SetMemoryLimit(c.runtime)
		limitGoMemory(func(k string) string { return c.env[k] })
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("%v: memory limit %d, want %d", c.env, got, c.want)
		}
		if got := debug.SetGCPercent(100); got != c.gcPercent {
			t.Errorf("%v: GC percent %d, want the runtime's %d", c.env, got, c.gcPercent)
		}
	}
}
