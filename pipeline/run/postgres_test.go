//go:build duckdb_arrow

package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/internal/pgtest"
	"jixiao/pipeline/check"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// usePostgres points the project in dir at a PostgreSQL warehouse, a
// database of the test's own, through the variable JIXIAO_TEST_PG_DSN of
// the returned getenv, with schema prefix.
func usePostgres(t *testing.T, dir, prefix string) (getenv func(string) string, target Target) {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	f, err := os.OpenFile(filepath.Join(dir, project.ConfigFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("warehouse: {kind: postgres, dsn_env: JIXIAO_TEST_PG_DSN, schema_prefix: " + prefix + "}\n"); err != nil {
		t.Fatal(err)
	}
	getenv = func(k string) string {
		if k == "JIXIAO_TEST_PG_DSN" {
			return dsn
		}
		return os.Getenv(k)
	}
	return getenv, Target{Path: "postgres", Postgres: &warehouse.Postgres{DSN: dsn, SchemaPrefix: prefix}}
}

// The whole pipeline runs on a PostgreSQL warehouse: sources are copied
// in, models built, tests run, the site rendered, the history kept; a
// rerun loads nothing and rebuilds nothing.
func TestRunOnPostgres(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	// PostgreSQL divides integers as integers: the one change the tiny
	// project's SQL needs to run on both.
	mart := filepath.Join(dir, "transforms", "marts", "completion.sql")
	text, err := os.ReadFile(mart)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mart, []byte(strings.Replace(string(text), "sum(p.actual) / t.target", "sum(p.actual) * 1.0 / t.target", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv, target := usePostgres(t, dir, "tiny_")
	ctx := context.Background()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	s, err := Execute(ctx, Options{Project: p, Base: dir, Command: "test", Getenv: getenv})
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if s.Status != warehouse.StatusSuccess || len(s.Models) != 2 || len(s.Tests) != 4 || s.Render == nil || len(s.Render.Pages) != 1 ||
		!strings.Contains(s.Warehouse, "PostgreSQL") {
		t.Fatalf("summary %+v", s)
	}
	w, err := warehouse.Open(ctx, target.Path, target.Options(warehouse.Options{ReadOnly: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	checks := map[string]string{
		"SELECT actual::VARCHAR FROM marts.completion WHERE unit_code = '371002'":                                                   "22",
		"SELECT reason || ' @ ' || file || ':' || row_number FROM meta.quarantine":                                                  "不是数字 @ data/progress/2017-02.csv:3",
		"SELECT concat_ws(',', rows_loaded, rows_rejected, models_built, tests_passed, tests_warned, pages_written) FROM meta.runs": "5,1,2,3,1,1",
		"SELECT string_agg(step, ',' ORDER BY started_at) FROM meta.run_steps WHERE status = 'success'":                             "extract,transform,test,render",
		"SELECT string_agg(model, ',' ORDER BY model) FROM meta.model_builds WHERE status = 'success'":                              "marts.completion,staging.stg_progress",
		"SELECT string_agg(test_name, ',') FROM meta.test_results WHERE status = 'warn'":                                            "not_over_target",
		"SELECT count(DISTINCT load_id)::VARCHAR FROM staging.stg_progress":                                                         "2",
		"SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'tiny_%'":                            "tiny_marts,tiny_meta,tiny_raw,tiny_staging",
	}
	for q, want := range checks {
		var got string
		if err := w.QueryRow(ctx, q, nil, &got); err != nil || !strings.Contains(got, want) {
			t.Errorf("%s\n got %q (%v), want %q", q, got, err, want)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	if err != nil || !strings.Contains(string(page), "各单位完成率") {
		t.Errorf("page: %v", err)
	}
	// The lock files are in the project's .jixiao folder.
	if _, err := os.Stat(filepath.Join(dir, ".jixiao", "tiny_warehouse.postgres.lock")); err != nil {
		t.Errorf("run lock: %v", err)
	}

	again, err := Execute(ctx, Options{Project: p, Base: dir, Command: "test", Getenv: getenv, SkipUnchanged: true})
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	for _, src := range again.Sources {
		if src.Loads != 0 {
			t.Errorf("rerun loaded %s again: %+v", src.Name, src)
		}
	}
	if got := statuses(again); strings.Contains(got, "success") {
		t.Errorf("rerun rebuilt models: %s", got)
	}

	// Without the variable the run does not start, and says which it is.
	_, err = Execute(ctx, Options{Project: p, Base: dir, Command: "test", Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "环境变量 JIXIAO_TEST_PG_DSN 未设置") {
		t.Errorf("without the DSN: %v", err)
	}
}

// check on a PostgreSQL warehouse makes every model there, empty, in a
// transaction it rolls back, and reports a construct PostgreSQL refuses at
// the model's file and line; DuckDB alone would have taken it.
func TestCheckOnPostgresReportsWhatItRefuses(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	_, target := usePostgres(t, dir, "tiny_")
	ctx := context.Background()
	w, err := warehouse.Open(ctx, target.Path, target.Options(warehouse.Options{ReadOnly: true}))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	writeFiles(t, dir, map[string]string{
		// DuckDB's list(), on line 3 of the file.
		"transforms/marts/by_month.sql": "-- months\nSELECT unit_code,\n  list(actual ORDER BY month) AS actuals\nFROM staging.stg_progress GROUP BY unit_code\n",
		"transforms/marts/on_top.sql":   "SELECT * FROM marts.by_month\n",
	})
	got := checkDir(t, dir, w)
	if !strings.Contains(got, "transforms/marts/by_month.sql:3: PostgreSQL 仓库不接受这个模型") || strings.Contains(got, "on_top") {
		t.Errorf("check on PostgreSQL:\n%s", got)
	}
	// Nothing was left behind.
	var n int64
	if err := w.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'jixiao_check_%'", nil, &n); err != nil || n != 0 {
		t.Errorf("%d rehearsal schemas left (%v)", n, err)
	}
}

// Incremental models keep their months on PostgreSQL too: a run after new
// rows arrive rebuilds only the partitions they fall in (from the first of
// them on, where rows accumulate), and every table then holds what a full
// refresh of the same data into another database builds.
func TestIncrementalModelsOnPostgres(t *testing.T) {
	dir := t.TempDir()
	for name, text := range incrementalProject {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		// The one change the project needs: PostgreSQL has no GROUP BY ALL.
		text = strings.ReplaceAll(text, "GROUP BY ALL", "GROUP BY unit, month")
		// And a first_seen input without an alias, which PostgreSQL's
		// subquery then needs.
		text = strings.ReplaceAll(text, `FROM "staging" . stg_s s
WHERE s.amount IS NOT NULL OR s.amount IS NULL`, `FROM staging.stg_s
WHERE stg_s.amount IS NOT NULL OR stg_s.amount IS NULL`)
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	csv := "id,unit,day,amount,updated_at\n" +
		"1,甲,2017-01-05,10,2017-01-05 09:00:00\n2,乙,2017-01-09,20,2017-01-09 09:00:00\n3,甲,2017-02-03,30,2017-02-03 09:00:00\n"
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(dir, "data", "services.csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(csv)
	getenv, target := usePostgres(t, dir, "inc_")
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := context.Background()
	runOn := func(getenv func(string) string, full bool) *Summary {
		t.Helper()
		o := Options{Project: p, Base: dir, Command: "test", Getenv: getenv, SkipUnchanged: true}
		if full {
			o = Options{Project: p, Base: dir, Command: "test", Getenv: getenv, FullRefresh: true, Stages: []Stage{StageExtract, StageTransform}}
		}
		s, err := Execute(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	parts := func(s *Summary, id string) string {
		for _, m := range s.Models {
			if m.ID == id && m.Partitions != nil {
				if m.Partitions.Full {
					return "full"
				}
				if m.Partitions.From != "" {
					return ">= " + m.Partitions.From
				}
				return strings.Join(m.Partitions.Parts, ",")
			}
		}
		return "not built"
	}
	// dump reads every model whole, but the load ids, rows in a fixed order.
	dump := func(tg Target) map[string]string {
		t.Helper()
		w, err := warehouse.Open(ctx, tg.Path, tg.Options(warehouse.Options{ReadOnly: true}))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		out := map[string]string{}
		for _, m := range p.Models {
			cols, _ := w.Columns(ctx, m.Schema, m.Name)
			var keep []string
			for _, c := range cols {
				if c.Name != "load_id" {
					keep = append(keep, warehouse.QuoteIdent(c.Name))
				}
			}
			res, err := w.Query(ctx, "SELECT "+strings.Join(keep, ", ")+" FROM "+warehouse.QuoteTable(m.Schema, m.Name), 0)
			if err != nil {
				t.Fatal(err)
			}
			rows := make([]string, len(res.Rows))
			for i, r := range res.Rows {
				rows[i] = fmt.Sprint(r)
			}
			sort.Strings(rows)
			out[m.ID()] = strings.Join(rows, "\n")
		}
		return out
	}

	if got := parts(runOn(getenv, false), "staging.monthly"); got != "full" {
		t.Fatalf("first build of staging.monthly: %s", got)
	}
	for _, st := range []struct{ name, add, monthly, firsts string }{
		{"March arrives", "4,甲,2017-03-01,40,2017-03-01 09:00:00\n5,丙,2017-03-20,50,2017-03-20 09:00:00\n", "2017-03-01", ">= 2017-03-01"},
		{"a late January record", "6,丙,2017-01-30,60,2017-03-21 09:00:00\n", "2017-01-01", ">= 2017-01-01"},
	} {
		csv += st.add
		write(csv)
		s := runOn(getenv, false)
		if got := parts(s, "staging.monthly"); got != st.monthly {
			t.Errorf("%s: staging.monthly rebuilt %s, want %s", st.name, got, st.monthly)
		}
		for _, id := range []string{"staging.firsts", "staging.first_seen"} {
			if got := parts(s, id); got != st.firsts {
				t.Errorf("%s: %s rebuilt %s, want %s", st.name, id, got, st.firsts)
			}
		}
		for _, r := range s.Tests {
			if r.Status != check.StatusPass {
				t.Errorf("%s: %s %s: %s %v", st.name, r.Test.Model, r.Test.Name, r.Status, r.Err)
			}
		}
		// The same data, refreshed whole into a database of its own.
		freshGetenv, fresh := usePostgresAgain(t)
		runOn(freshGetenv, true)
		want, got := dump(fresh), dump(target)
		for id := range want {
			if got[id] != want[id] {
				t.Errorf("%s: %s after the update:\n%s\nafter a full refresh:\n%s", st.name, id, got[id], want[id])
			}
		}
	}
}

// usePostgresAgain is another database for the project usePostgres set
// up: a getenv that gives its connection string for the same variable.
func usePostgresAgain(t *testing.T) (func(string) string, Target) {
	dsn := pgtest.NewDatabase(t)
	getenv := func(k string) string {
		if k == "JIXIAO_TEST_PG_DSN" {
			return dsn
		}
		return os.Getenv(k)
	}
	return getenv, Target{Path: "postgres", Postgres: &warehouse.Postgres{DSN: dsn, SchemaPrefix: "inc_"}}
}
