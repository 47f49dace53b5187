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

// Under a memory limit, jixiao's or GOMEMLIMIT's, the heap grows by
// gcPercent between collections unless GOGC says how much.
func TestGCPercentUnderALimit(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // -1 reads it
	own := 100                                           // no limit of jixiao's on a machine whose memory is unknown
	if goMemoryLimit(warehouse.DefaultMemoryBytes()) > 0 {
		own = gcPercent
	}
	for _, c := range []struct {
		env     map[string]string
		runtime int64 // the limit the runtime took from GOMEMLIMIT
		want    int
	}{
		{nil, math.MaxInt64, own},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 1 << 30, gcPercent},
		{map[string]string{"GOMEMLIMIT": "off"}, math.MaxInt64, 100}, // no limit: Go's default
		{map[string]string{"GOGC": "50"}, math.MaxInt64, 100},        // the runtime applied GOGC; it stays
		{map[string]string{"GOMEMLIMIT": "1GiB", "GOGC": "off"}, 1 << 30, 100},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(c.runtime)
		limitGoMemory(func(k string) string { return c.env[k] })
		if got := debug.SetGCPercent(100); got != c.want {
			t.Errorf("%v: GC percent %d, want %d", c.env, got, c.want)
		}
	}
}
