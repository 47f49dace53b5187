//go:build duckdb_arrow

package run

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/pipeline/warehouse"
)

// jixiao.yaml's memory_limit and threads reach the DuckDB that a run opens,
// and left out they are the warehouse's defaults: a share of the machine's
// memory, not DuckDB's 80%, and one thread per core. The summary says what
// DuckDB itself reports, read from the run's own connection.
func TestRunGivesDuckDBTheProjectsResources(t *testing.T) {
	defaultLimit := openedWith(t, warehouse.Options{MemoryLimit: warehouse.DefaultMemoryLimit()})
	tests := []struct {
		name     string
		settings string
		want     warehouse.Resources
		// bytes is the limit in bytes, as near as DuckDB's one decimal says.
		bytes float64
	}{
		{"set in jixiao.yaml", "memory_limit: 300MB\nthreads: 1\n", warehouse.Resources{MemoryLimit: "286.1 MiB", Threads: 1}, 300e6},
		{"left out", "", warehouse.Resources{MemoryLimit: defaultLimit, Threads: runtime.NumCPU()}, float64(warehouse.DefaultMemoryBytes())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture.Copy(t, "tiny")
			config := filepath.Join(dir, "jixiao.yaml")
			data, err := os.ReadFile(config)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(config, append(data, tt.settings...), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := execute(t, dir, StageExtract)
			if err != nil {
				t.Fatal(err)
			}
			if got := float64(s.Resources.MemoryBytes); got < tt.bytes*0.999 || got > tt.bytes*1.001 {
				t.Errorf("memory limit %q read as %.0f bytes, want %.0f", s.Resources.MemoryLimit, got, tt.bytes)
			}
			s.Resources.MemoryBytes = 0
			if !reflect.DeepEqual(s.Resources, tt.want) {
				t.Errorf("DuckDB ran with %+v, want %+v", s.Resources, tt.want)
			}
		})
	}
}

// openedWith is the memory_limit DuckDB states for a warehouse opened with opts.
func openedWith(t *testing.T, opts warehouse.Options) string {
	t.Helper()
	w, err := warehouse.Open(t.Context(), filepath.Join(t.TempDir(), "w.duckdb"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := w.Resources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r.MemoryLimit
}
