//go:build duckdb_arrow

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// BenchmarkDefaultProject runs the embedded project end to end into a fresh
// folder, then reruns it with no source changed; the rerun should cost a
// small fraction of the full run.
func BenchmarkDefaultProject(b *testing.B) {
	p, _ := project.Load(defaultProject)
	var full, rerun time.Duration
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		for pass := 0; pass < 2; pass++ {
			start := time.Now()
			if _, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "bench", SkipUnchanged: true}); err != nil {
				b.Fatal(err)
			}
			if pass == 0 {
				full += time.Since(start)
			} else {
				rerun += time.Since(start)
			}
		}
	}
	b.ReportMetric(full.Seconds()/float64(b.N), "s/full_run")
	b.ReportMetric(rerun.Seconds()/float64(b.N), "s/rerun")
	b.ReportMetric(rerun.Seconds()/full.Seconds(), "x_vs_full_run")
}
