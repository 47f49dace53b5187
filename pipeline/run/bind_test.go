//go:build duckdb_arrow

package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkDir checks a project folder as jixiao check does, binding against
// the warehouse when there is one.
func checkDir(t *testing.T, dir string, loaded *warehouse.Warehouse) string {
	t.Helper()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	_, diags, err := CheckProjectWith(context.Background(), p, CheckOptions{Bind: true, BindOptions: BindOptions{Loaded: loaded, Base: dir}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range diags {
		out = append(out, d.String())
	}
	return strings.Join(out, "\n")
}

// check binds every model, data test and panel query before anything is
// built, and places each mistake at its line with the name meant.
func TestCheckBindsEveryQuery(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if got := checkDir(t, dir, nil); got != "" {
		t.Fatalf("the fixture must check clean against its declarations:\n%s", got)
	}
	writeFiles(t, dir, map[string]string{
		// A misspelt column on line 3 of a new model, a test of a column
		// that does not exist, and a model reading the broken one (not
		// reported again).
		"transforms/marts/monthly.sql": "/* jixiao\ntests:\n  - not_null: [unit_cod]\n*/\nSELECT unit_code, month, sum(actul) AS actual\nFROM staging.stg_progress GROUP BY ALL\n",
		"transforms/marts/by_unit.sql": "/* jixiao\ntests:\n  - not_null: [unit_cod]\n*/\nSELECT unit_code, count(*) AS n FROM staging.stg_progress GROUP BY unit_code\n",
		"transforms/marts/on_top.sql":  "SELECT * FROM marts.monthly\n",
		"dashboards/index.yaml": `title: 总览
each:
  sql: SELECT unit_code, unit_code AS title FROM marts.completion
  key: unit_cde
  title: title
panels:
  - title: 完成率
    model: marts.completion
    chart: bar
    x: unit_code
    y: [completion_rat]
    order: actual desc, unit
  - title: 走势
    sql: |
      SELECT month, sum(actual) AS actual
      FROM staging.stg_progress
      WHERE unit_code = {key}
      GROUP BY mnth
    chart: line
    x: month
    y: [actual]
  - title: 读坏模型
    sql: SELECT * FROM marts.on_top
    chart: table
`,
	})
	got := checkDir(t, dir, nil)
	for _, want := range []string{
		`dashboards/index.yaml:4:8: each: each.key: the query's result has no column "unit_cde"; did you mean unit_code?`,
		`dashboards/index.yaml:11:8: panel "完成率": y: marts.completion has no column "completion_rat"; did you mean completion_rate? (its columns: unit_code, actual, target, completion_rate)`,
		`dashboards/index.yaml:12:12: panel "完成率": order: marts.completion has no column "unit"`,
		`dashboards/index.yaml:18: panel "走势": 找不到列 "mnth"`,
		`transforms/marts/by_unit.sql:3:5: test not_null(unit_cod) of marts.by_unit: 找不到列 "unit_cod"`,
		`transforms/marts/monthly.sql:5: 找不到列 "actul"：FROM 中的表都没有这一列，是否想写 actual？`,
		"（DuckDB：Binder Error: Referenced column \"actul\" not found in FROM clause!）",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check lacks\n  %s\nin\n%s", want, got)
		}
	}
	for _, not := range []string{"on_top", "读坏模型", "monthly.sql:3"} {
		if strings.Contains(got, not) {
			t.Errorf("what reads a model that does not bind is not bound (%s):\n%s", not, got)
		}
	}
}

// Against a built warehouse, the raw tables are as loaded; a model is
// still bound from its SQL, so an edit is checked before it is built.
func TestCheckBindsAgainstTheWarehouse(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir, StageExtract); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got := checkDir(t, dir, w); got != "" {
		t.Fatalf("clean: %s", got)
	}
	writeFiles(t, dir, map[string]string{"transforms/staging/stg_progress.sql": "SELECT unit_code, month FROM raw.progress\n"})
	if got := checkDir(t, dir, w); !strings.Contains(got, `transforms/marts/completion.sql:15: 表 "p" 没有名为 "actual" 的列`) {
		t.Errorf("an edited model must be bound as edited:\n%s", got)
	}
}

// The empty raw tables check builds from the declarations have the
// columns and types a load gives them, for every column type.
func TestBindSchemaMatchesALoad(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"jixiao.yaml": "name: t\nplan_year: 2017\nunits:\n  - {code: \"371002\", name: 环翠区, kind: 区市}\n",
		"sources/all.yaml": `kind: csv
path: data/all.csv
columns:
  - {name: t, type: text}
  - {name: i, type: integer}
  - {name: n, type: number}
  - {name: b, type: boolean}
  - {name: d, type: date}
  - {name: ts, type: timestamp}
  - {name: u, type: unit}
`,
		"data/all.csv": "t,i,n,b,d,ts,u\na,1,1.5,true,2017-01-01,2017-01-01 08:00:00,环翠区\n",
	})
	if _, err := execute(t, dir, StageExtract); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	loaded, err := w.Columns(context.Background(), "raw", "all")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := project.Load(os.DirFS(dir))
	declared := declaredColumns(p.Source("all"))
	if len(loaded) != len(declared) {
		t.Fatalf("loaded %v, declared %v", loaded, declared)
	}
	for i := range loaded {
		if loaded[i] != declared[i] {
			t.Errorf("column %d: loaded %v, declared %v", i, loaded[i], declared[i])
		}
	}
}
