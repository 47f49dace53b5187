//go:build duckdb_arrow

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
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

// withDemo lays demo data generated at the given scale over the embedded project.
func withDemo(t testing.TB, scale float64) *project.Project {
	t.Helper()
	base, _ := project.Load(defaultProject)
	cat, err := demo.ReadCatalog(base)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := demo.Generate(context.Background(), cat, demo.Options{Scale: scale, Seed: 2017, Months: 9, Out: dir}); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(demo.Overlay{Base: defaultProject, Upper: os.DirFS(dir), Prefix: "data"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func TestDefaultProjectRunsEndToEnd(t *testing.T) {
	p := withDemo(t, 0.05)
	dir := t.TempDir()
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "test"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(s.Sources) != len(p.Sources) || len(s.Models) != len(p.Models) || len(s.Tests) == 0 || s.Render == nil {
		t.Errorf("summary: %d sources, %d models, %d tests", len(s.Sources), len(s.Models), len(s.Tests))
	}
	for _, f := range []string{".jixiao/warehouse.duckdb", "site/index.html", "site/assets/echarts.min.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Every target of the catalog must have a data path to the marts: a
	// unit that answers for it, figures that reach it, and a score.
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Query(context.Background(), `SELECT c.indicator_id, c.indicator_name,
			(SELECT count(*) FROM staging.stg_targets t WHERE t.indicator_id = c.indicator_id) AS targets,
			(SELECT count(*) FROM staging.stg_progress p WHERE p.indicator_id = c.indicator_id)
			 + (SELECT count(*) FROM staging.stg_services v WHERE list_contains(c.service_types, v.service_type)) AS with_data,
			(SELECT count(*) FROM marts.indicator_scores s WHERE s.item_id = c.indicator_id) AS scored
		FROM staging.stg_catalog c ORDER BY 1`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) < 50 {
		t.Errorf("the catalog has %d indicators: the plan sets more than 50 targets", len(res.Rows))
	}
	for _, r := range res.Rows {
		if r[2].(int64) == 0 || r[3].(int64) == 0 || r[4].(int64) == 0 {
			t.Errorf("%s %s has no data path to the marts: %v targets, %v report or service rows, %v scores", r[0], r[1], r[2], r[3], r[4])
		}
	}
}

// BenchmarkDefaultProject runs the embedded project on Weihai-sized demo
// data end to end into a fresh folder, then reruns it with no source
// changed; the rerun should cost a small fraction of the full run.
func BenchmarkDefaultProject(b *testing.B) {
	p := withDemo(b, 1)
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

// BenchmarkRenderSite renders every page of the default site once the marts
// exist, and splits the time between querying the warehouse and writing
// pages and downloads (both summed over the two page writers).
func BenchmarkRenderSite(b *testing.B) {
	p := withDemo(b, 1)
	dir := b.TempDir()
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), s.Warehouse, warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	var pages int
	var query, write time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := render.Site(context.Background(), w, p, render.Options{OutDir: filepath.Join(dir, "site"), RunID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		pages, query, write = len(res.Pages), query+res.QueryTime, write+res.WriteTime
	}
	elapsed := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(elapsed, "s/site")
	b.ReportMetric(elapsed*1000/float64(pages), "ms/page")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(query.Seconds()/(query+write).Seconds(), "query_share")
}
