//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"jixiao/internal/benchenv"
	"jixiao/internal/pgtest"
	"jixiao/pipeline/cli"
	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
)

// TestDefaultProjectOnBothWarehouses runs the default project, demo data
// at scale 1, once on DuckDB and once on PostgreSQL, and every mart must
// hold the same rows on both, numbers equal to 1e-9. The command line then
// reads the PostgreSQL warehouse as an office would: query, runs,
// quarantine and check.
func TestDefaultProjectOnBothWarehouses(t *testing.T) {
	ctx := context.Background()
	duckDir := t.TempDir()
	writeDefaultProject(t, duckDir, 1)
	pgDir := t.TempDir()
	copyDir(t, duckDir, pgDir)
	dsn := pgtest.NewDatabase(t)
	setWarehouse(t, pgDir, "warehouse: {kind: postgres, dsn_env: JIXIAO_PG_DSN, schema_prefix: weihai_}")
	getenv := func(k string) string {
		if k == "JIXIAO_PG_DSN" {
			return dsn
		}
		return os.Getenv(k)
	}

	runIn := func(dir string, stages ...run.Stage) (*run.Summary, time.Duration) {
		t.Helper()
		start := time.Now()
		s, err := run.Execute(ctx, run.Options{Project: mustLoad(t, dir), Base: dir, Command: "test", Getenv: getenv, Stages: stages})
		if err != nil {
			t.Fatalf("run in %s: %v", dir, err)
		}
		return s, time.Since(start)
	}
	// DuckDB's marts are the reference; PostgreSQL runs the whole pipeline.
	_, duckTook := runIn(duckDir, run.StageExtract, run.StageTransform)
	pgRun, pgTook := runIn(pgDir)
	t.Logf("the default project at scale 1: DuckDB (extract, transform) %v, PostgreSQL (the whole run) %v",
		duckTook.Round(time.Millisecond), pgTook.Round(time.Millisecond))
	if len(pgRun.Models) != len(mustLoad(t, pgDir).Models) || len(pgRun.Tests) == 0 || pgRun.Render == nil || len(pgRun.Render.Pages) == 0 {
		t.Errorf("PostgreSQL run: %d models, %d tests, render %v", len(pgRun.Models), len(pgRun.Tests), pgRun.Render != nil)
	}

	duck, err := warehouse.Open(ctx, filepath.Join(duckDir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	marts, compared, numbers := sameMarts(t, duck, pgDir, getenv)
	t.Logf("%d marts, %d rows, %d numbers compared", len(marts), compared, numbers)
	if len(marts) < 15 || compared < 10_000 {
		t.Errorf("only %d marts and %d rows compared", len(marts), compared)
	}

	// The command line on the PostgreSQL warehouse.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"query", "SELECT count(*) AS n FROM marts.unit_assessment"}, "n"},
		{[]string{"runs"}, "成功"},
		{[]string{"quarantine", "--source", "progress"}, "乳山县"},
		{[]string{"check"}, "检查通过"},
		{[]string{"query", "DELETE FROM marts.unit_assessment"}, "已拒绝"},
	} {
		var out, errOut bytes.Buffer
		code := cli.Main(ctx, append([]string{"--project", pgDir}, c.args...), cli.Env{Stdout: &out, Stderr: &errOut, Getenv: getenv,
			DefaultProject: defaultProject, Version: "test", Getwd: func() (string, error) { return pgDir, nil }})
		if text := out.String() + errOut.String(); !strings.Contains(text, c.want) {
			t.Errorf("jixiao %s: exit %d, want %q in:\n%s", strings.Join(c.args, " "), code, c.want, text)
		}
	}
}

// sameMarts compares every mart of duck with the one in the PostgreSQL
// warehouse of the project in pgDir, row by row, numbers to 1e-9 (the
// same marts on both, or the test stops), and says how many marts, rows
// and numbers it compared.
func sameMarts(t *testing.T, duck *warehouse.Warehouse, pgDir string, getenv func(string) string) (marts []string, rows, numbers int) {
	t.Helper()
	ctx := context.Background()
	target, err := run.WarehouseTarget(mustLoad(t, pgDir).Config, pgDir, "", getenv)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := warehouse.Open(ctx, target.Path, target.Options(warehouse.Options{ReadOnly: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	marts, err = duck.Tables(ctx, "marts")
	if err != nil {
		t.Fatal(err)
	}
	pgMarts, err := pg.Tables(ctx, "marts")
	if err != nil || fmt.Sprint(pgMarts) != fmt.Sprint(marts) {
		t.Fatalf("marts on PostgreSQL %v (%v), on DuckDB %v", pgMarts, err, marts)
	}
	for _, name := range marts {
		want, got := martRows(t, duck, name), martRows(t, pg, name)
		if diff := compareRows(want, got); diff != "" {
			t.Errorf("marts.%s differs on PostgreSQL: %s", name, diff)
		}
		rows += len(want)
		for _, r := range want {
			numbers += len(r.numbers)
		}
	}
	return marts, rows, numbers
}

// setWarehouse replaces the warehouse line of dir's jixiao.yaml.
func setWarehouse(t testing.TB, dir, line string) {
	t.Helper()
	path := filepath.Join(dir, project.ConfigFile)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^warehouse:.*$`)
	if !re.Match(text) {
		t.Fatalf("%s has no warehouse line", path)
	}
	if err := os.WriteFile(path, re.ReplaceAll(text, []byte(line)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t *testing.T, dir string) *project.Project {
	t.Helper()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

// martRow is a row as both warehouses can be compared on: its text values
// (dates, strings, lists), and its numbers apart.
type martRow struct {
	text    string
	numbers []float64
}

// martRows reads a mart whole, every column but the load ids (which differ
// between any two runs), its rows sorted by their text and then by their
// numbers rounded to 6 places, since the two engines order text
// differently and add floating-point numbers in different orders.
func martRows(t *testing.T, w *warehouse.Warehouse, name string) []martRow {
	t.Helper()
	return tableRows(t, w, "marts", name)
}

// columnsButLoadIDs are a table's columns, quoted, but its load ids, which
// differ from run to run and between warehouses.
func columnsButLoadIDs(t *testing.T, w *warehouse.Warehouse, schema, name string) []string {
	t.Helper()
	cols, err := w.Columns(context.Background(), schema, name)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, c := range cols {
		if !strings.Contains(c.Name, "load_id") {
			keep = append(keep, warehouse.QuoteIdent(c.Name))
		}
	}
	return keep
}

// tableRows is martRows of any schema's table.
func tableRows(t *testing.T, w *warehouse.Warehouse, schema, name string) []martRow {
	t.Helper()
	ctx := context.Background()
	keep := columnsButLoadIDs(t, w, schema, name)
	res, err := w.Query(ctx, "SELECT "+strings.Join(keep, ", ")+" FROM "+warehouse.QuoteTable(schema, name), 0)
	if err != nil {
		t.Fatalf("%s on %s: %v", name, w.Kind(), err)
	}
	out := make([]martRow, len(res.Rows))
	for i, r := range res.Rows {
		var text strings.Builder
		for j, v := range r {
			if f, ok := number(v); ok {
				out[i].numbers = append(out[i].numbers, f)
				text.WriteString("#|")
				continue
			}
			fmt.Fprintf(&text, "%s=%s|", res.Columns[j], plain(v))
		}
		out[i].text = text.String()
	}
	key := func(r martRow) string {
		var b strings.Builder
		b.WriteString(r.text)
		for _, f := range r.numbers {
			fmt.Fprintf(&b, "%.6f|", f)
		}
		return b.String()
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

// number is a numeric value of either driver as a float64.
func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case int32:
		return float64(t), true
	case float64:
		return t, true
	case float32:
		return float64(t), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(t).Float64()
		return f, true
	case interface{ Float64() float64 }: // DuckDB's DECIMAL
		return t.Float64(), true
	}
	return 0, false
}

// plain writes a non-numeric value the same from either driver.
func plain(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case []any:
		items := make([]string, len(t))
		for i, e := range t {
			if f, ok := number(e); ok {
				items[i] = fmt.Sprintf("%.9g", f)
			} else {
				items[i] = plain(e)
			}
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	return fmt.Sprint(v)
}

// numbersAgree reports whether two rows' numbers are equal within tol,
// relative to their size above 1.
func numbersAgree(want, got []float64, tol float64) bool {
	if len(want) != len(got) {
		return false
	}
	for j, x := range want {
		y := got[j]
		if x != y && math.Abs(x-y) > tol*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			return false
		}
	}
	return true
}

// compareRows says how got differs from want, "" when every row is the
// same, numbers to 1e-9 (relative to their size above 1).
func compareRows(want, got []martRow) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if want[i].text != got[i].text || !numbersAgree(want[i].numbers, got[i].numbers, 1e-9) {
			return fmt.Sprintf("row %d:\n got  %s %v\n want %s %v", i, got[i].text, got[i].numbers, want[i].text, want[i].numbers)
		}
	}
	return ""
}

// BenchmarkPostgresWarehouse runs the default project (JIXIAO_BENCH_SCALE,
// 1 unless set; the README's figure is at 10) end to end on a PostgreSQL
// warehouse, against the same run on DuckDB in the same process, both into
// a fresh warehouse, order alternating between iterations.
func BenchmarkPostgresWarehouse(b *testing.B) {
	benchenv.RecordLoad(b)
	scale := benchScale(b)
	ctx := context.Background()
	src := b.TempDir()
	writeDefaultProject(b, src, scale)
	var pgTook, duckTook time.Duration
	stages := map[run.Stage]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dsn := pgtest.NewDatabase(b)
		getenv := func(k string) string {
			if k == "JIXIAO_PG_DSN" {
				return dsn
			}
			return os.Getenv(k)
		}
		pgDir, duckDir := b.TempDir(), b.TempDir()
		for _, d := range []string{pgDir, duckDir} {
			if err := os.CopyFS(d, os.DirFS(src)); err != nil {
				b.Fatal(err)
			}
		}
		setWarehouse(b, pgDir, "warehouse: {kind: postgres, dsn_env: JIXIAO_PG_DSN}")
		b.StartTimer()
		timeRun := func(dir string, took *time.Duration) {
			p, diags := project.Load(os.DirFS(dir))
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			start := time.Now()
			s, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "bench", Getenv: getenv})
			if err != nil {
				b.Fatal(err)
			}
			*took += time.Since(start)
			if dir == pgDir {
				for st, d := range s.Stages {
					stages[st] += d
				}
			}
		}
		if i%2 == 0 {
			timeRun(pgDir, &pgTook)
			timeRun(duckDir, &duckTook)
		} else {
			timeRun(duckDir, &duckTook)
			timeRun(pgDir, &pgTook)
		}
	}
	n := float64(b.N)
	b.ReportMetric(scale, "scale")
	b.ReportMetric(pgTook.Seconds()/n, "s/postgres_run")
	for _, st := range run.AllStages {
		b.ReportMetric(stages[st].Seconds()/n, "s/postgres_"+string(st))
	}
	benchenv.Ratio(b, "duckdb", pgTook, duckTook)
}
