//go:build duckdb_arrow

package main

import "testing"

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
