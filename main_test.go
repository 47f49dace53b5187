//go:build duckdb_arrow

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	p, _ := withDemoIn(t, scale)
	return p
}

// withDemoIn is withDemo that also says where the demo data is.
func withDemoIn(t testing.TB, scale float64) (*project.Project, string) {
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
	return p, dir
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

// bareCoreQuery is the pipeline's core computation written for bare DuckDB,
// as PERFORMANCE.md's baseline does it: per unit, service type and month,
// services, distinct persons and amounts, cumulated over the months, joined
// to the targets, with completion, pace and status.
const bareCoreQuery = `CREATE OR REPLACE TABLE completion AS
WITH monthly AS (
    SELECT s.服务单位 AS unit, s.服务类型 AS service_type, date_trunc('month', s.服务日期) AS month,
           count(*) AS services, count(DISTINCT s.残疾人证号) AS persons, sum(s."金额（元）") AS amount
    FROM services s JOIN persons p ON p.残疾人证号 = s.残疾人证号
    GROUP BY ALL),
cumulative AS (
    SELECT *, sum(persons) OVER w AS persons_cum, sum(amount) OVER w AS amount_cum
    FROM monthly WINDOW w AS (PARTITION BY unit, service_type ORDER BY month))
SELECT c.*, t.指标编号 AS indicator_id, t.全市目标 AS target,
       c.persons_cum / nullif(t.全市目标, 0) AS completion, month(c.month) / 12 AS pace,
       CASE WHEN completion >= 1 THEN '完成' WHEN completion >= pace - 0.05 THEN '正常' ELSE '滞后' END AS status
FROM cumulative c JOIN targets t ON t.服务类型 = c.service_type`

// BenchmarkScaleVsBareDuckDB runs extract and transform of the default
// project on demo data of JIXIAO_BENCH_SCALE (1 unless set; 100 is a
// province) against bare DuckDB loading the same roster and services CSVs
// into a file and running the core query, and, where Python has pandas,
// against testdata/pandas_core.py doing the same. jixiao does more (every
// source, typing, quarantine, lineage, 18 models), which the ratios include.
func BenchmarkScaleVsBareDuckDB(b *testing.B) {
	scale := 1.0
	if v := os.Getenv("JIXIAO_BENCH_SCALE"); v != "" {
		if _, err := fmt.Sscan(v, &scale); err != nil {
			b.Fatalf("JIXIAO_BENCH_SCALE=%q: %v", v, err)
		}
	}
	p, data := withDemoIn(b, scale)
	catalog, err := fs.ReadFile(defaultProject, "data/catalog/indicators.csv")
	if err != nil {
		b.Fatal(err)
	}
	targets := filepath.Join(b.TempDir(), "indicators.csv")
	if err := os.WriteFile(targets, catalog, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	python := pandasPython()
	if python == "" {
		b.Log("no Python with pandas (set JIXIAO_PYTHON, or apt-get install python3-pandas): the pandas baseline is left out")
	}
	var ours, bare, pandas time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		start := time.Now()
		if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "bench", Stages: []run.Stage{run.StageExtract, run.StageTransform}}); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)

		start = time.Now()
		w, err := warehouse.Open(ctx, filepath.Join(dir, "bare.duckdb"), warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, q := range []string{
			"CREATE TABLE persons AS SELECT * FROM read_csv(" + warehouse.QuoteString(filepath.Join(data, "roster", "persons.csv")) + ")",
			"CREATE TABLE services AS SELECT * FROM read_csv(" + warehouse.QuoteString(filepath.Join(data, "roster", "services.csv")) + ")",
			"CREATE TABLE targets AS SELECT * FROM read_csv(" + warehouse.QuoteString(targets) + ")",
			bareCoreQuery,
		} {
			if err := w.Exec(ctx, q); err != nil {
				b.Fatalf("%s: %v", q, err)
			}
		}
		var n int
		if err := w.DB().QueryRow("SELECT count(*) FROM completion WHERE status IS NOT NULL").Scan(&n); err != nil || n == 0 {
			b.Fatalf("the bare core query gave %d rows: %v", n, err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		bare += time.Since(start)

		if python != "" {
			cmd := exec.Command(python, "testdata/pandas_core.py", filepath.Join(data, "roster", "persons.csv"),
				filepath.Join(data, "roster", "services.csv"), targets)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			var secs float64
			var rows int
			if _, serr := fmt.Sscan(string(out), &secs, &rows); err != nil || serr != nil || rows != n {
				b.Fatalf("pandas: %v %s %s (rows %d, bare DuckDB %d)", err, out, stderr.String(), rows, n)
			}
			pandas += time.Duration(secs * float64(time.Second))
		}
	}
	b.ReportMetric(scale, "scale")
	b.ReportMetric(ours.Seconds()/float64(b.N), "s/extract+transform")
	b.ReportMetric(bare.Seconds()/float64(b.N), "s/bare_duckdb")
	b.ReportMetric(ours.Seconds()/bare.Seconds(), "x_vs_bare_duckdb")
	if pandas > 0 {
		b.ReportMetric(pandas.Seconds()/float64(b.N), "s/pandas")
		b.ReportMetric(ours.Seconds()/pandas.Seconds(), "x_vs_pandas")
	}
}

// pandasPython finds a Python that imports pandas: JIXIAO_PYTHON, python3,
// or Debian's /usr/bin/python3; "" if none does.
func pandasPython() string {
	for _, p := range []string{os.Getenv("JIXIAO_PYTHON"), "python3", "/usr/bin/python3"} {
		if p != "" && exec.Command(p, "-c", "import pandas").Run() == nil {
			return p
		}
	}
	return ""
}
