//go:build duckdb_arrow

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
)

// The embedded default project must check clean: it is what `make run` and
// every new installation start from.
func TestDefaultProjectChecksClean(t *testing.T) {
	p, diags := project.Load(defaultProject)
	if len(diags) != 0 {
		t.Fatalf("default project: %v", diags)
	}
	_, diags, err := run.CheckProject(context.Background(), p, run.DefaultRegistries())
	if err != nil || len(diags) != 0 {
		t.Fatalf("default project: %v %v", err, diags)
	}
}

func TestDefaultProjectRunsEndToEnd(t *testing.T) {
	p, _ := project.Load(defaultProject)
	dir := t.TempDir()
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "test"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(s.Sources) == 0 || len(s.Models) != len(p.Models) || len(s.Tests) == 0 || s.Render == nil {
		t.Errorf("summary: %+v", s)
	}
	for _, f := range []string{".jixiao/warehouse.duckdb", "site/index.html", "site/assets/echarts.min.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
