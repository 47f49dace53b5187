package warehouse

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// The default memory limit follows the memory the process may really have:
// MemTotal, or the container's cgroup limit where that is lower.
func TestDefaultMemoryLimit(t *testing.T) {
	meminfo := func(kb string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("MemTotal:       " + kb + " kB\nMemFree:         1000 kB\n")}
	}
	value := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s + "\n")} }
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		// This development machine: a quarter is 5.9 GiB, capped at 1 GiB.
		{"24 GiB machine", fstest.MapFS{memInfoFile: meminfo("24683652")}, "1024MiB"},
		{"8 GiB office PC", fstest.MapFS{memInfoFile: meminfo("8388608")}, "1024MiB"},
		{"4 GiB office PC", fstest.MapFS{memInfoFile: meminfo("4194304")}, "1024MiB"},
		{"3 GiB", fstest.MapFS{memInfoFile: meminfo("3145728")}, "768MiB"},
		{"2 GiB", fstest.MapFS{memInfoFile: meminfo("2097152")}, "512MiB"},
		{"768 MiB: the floor", fstest.MapFS{memInfoFile: meminfo("786432")}, "256MiB"},
		{"256 MiB: half, not the floor", fstest.MapFS{memInfoFile: meminfo("262144")}, "128MiB"},
		{"cgroup v2 limit below MemTotal", fstest.MapFS{memInfoFile: meminfo("24683652"), cgroupV2MaxFile: value("3221225472")}, "768MiB"},
		{"cgroup v2 without a limit", fstest.MapFS{memInfoFile: meminfo("3145728"), cgroupV2MaxFile: value("max")}, "768MiB"},
		{"cgroup v1 limit below MemTotal", fstest.MapFS{memInfoFile: meminfo("24683652"), cgroupV1MaxFile: value("2147483648")}, "512MiB"},
		{"cgroup v1 unlimited", fstest.MapFS{memInfoFile: meminfo("3145728"), cgroupV1MaxFile: value("9223372036854771712")}, "768MiB"},
		{"cgroup limit above MemTotal", fstest.MapFS{memInfoFile: meminfo("3145728"), cgroupV2MaxFile: value("68719476736")}, "768MiB"},
		{"cgroup only", fstest.MapFS{cgroupV2MaxFile: value("2147483648")}, "512MiB"},
		{"nothing readable: DuckDB's own default", fstest.MapFS{}, ""},
		{"MemTotal unreadable", fstest.MapFS{memInfoFile: value("MemTotal: lots kB")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := defaultMemoryLimit(tt.files); got != tt.want {
				t.Errorf("defaultMemoryLimit = %q, want %q", got, tt.want)
			}
		})
	}
}

// A warehouse opened without a memory_limit gets the default, not
// DuckDB's 80% of memory.
func TestOpenAppliesTheDefaultMemoryLimit(t *testing.T) {
	limit := func(opts Options) Resources {
		t.Helper()
		w, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		r, err := w.Resources(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	def := DefaultMemoryLimit()
	if def == "" {
		t.Skip("this machine's memory cannot be read: DuckDB keeps its own default")
	}
	got, want := limit(Options{}), limit(Options{MemoryLimit: def})
	if got.MemoryLimit != want.MemoryLimit {
		t.Errorf("opened without a limit: %q; with the default %s: %q", got.MemoryLimit, def, want.MemoryLimit)
	}
	if huge := limit(Options{MemoryLimit: "100TB"}); got.MemoryLimit == huge.MemoryLimit {
		t.Errorf("the default %q is no limit", got.MemoryLimit)
	}
}
