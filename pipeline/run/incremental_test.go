//go:build duckdb_arrow

package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/pipeline/check"
	"jixiao/pipeline/project"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// incrementalProject is a grown export read by a partitioned view, an
// incremental model kept by month, one rebuilt from the first changed month
// on (the month each unit was first served), and a table over both.
var incrementalProject = map[string]string{
	"jixiao.yaml": "name: t\nplan_year: 2017\n",
	"sources/services.yaml": `kind: csv
path: data/services.csv
load: append
cursor: updated_at
columns:
  - {name: id, type: integer, required: true}
  - {name: unit, type: text, required: true}
  - {name: day, type: date, required: true}
  - {name: amount, type: number}
  - {name: updated_at, type: timestamp}
`,
	"transforms/staging/stg_s.sql": `/* jixiao
materialized: view
partition_by: month
tests:
  - unique: [id]
  - not_null: [id, unit]
*/
SELECT id, unit, date_trunc('month', day)::DATE AS month, amount, _load_id AS load_id FROM raw.services`,
	"transforms/staging/monthly.sql": `/* jixiao
materialized: incremental
partition_by: month
tests:
  - unique: [unit, month]
  - not_null: [unit, month]
*/
SELECT unit, month, count(*) AS services, sum(amount::DECIMAL(18, 2)) AS amount FROM staging.stg_s GROUP BY ALL`,
	"transforms/staging/firsts.sql": `/* jixiao
materialized: incremental
partition_by: month
rebuild_from_first_changed: true
tests:
  - unique: [unit]
*/
SELECT unit, min(month) AS month FROM staging.stg_s GROUP BY unit`,
	// The same, read only from the changed months on.
	"transforms/staging/first_seen.sql": `/* jixiao
materialized: incremental
partition_by: month
first_seen: [unit]
*/
SELECT unit, min(month) AS month
FROM "staging" . stg_s s
WHERE s.amount IS NOT NULL OR s.amount IS NULL
GROUP BY unit`,
	"transforms/marts/cumulative.sql": `SELECT m.unit, m.month, sum(m.services) OVER (PARTITION BY m.unit ORDER BY m.month) AS services_cum,
    f.month AS first_month
FROM staging.monthly m JOIN staging.firsts f USING (unit)`,
}

// An incremental run after new rows arrive rebuilds only the partitions
// they fall in (from the first of them on, where rows accumulate), tests
// only those, and leaves every table exactly as a full refresh of the same
// data builds it.
func TestIncrementalModelsRebuildTheChangedPartitions(t *testing.T) {
	dir := t.TempDir()
	for name, text := range incrementalProject {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	csv := "id,unit,day,amount,updated_at\n" +
		"1,甲,2017-01-05,10,2017-01-05 09:00:00\n2,乙,2017-01-09,20,2017-01-09 09:00:00\n3,甲,2017-02-03,30,2017-02-03 09:00:00\n"
	write := func(text string) {
		if err := os.WriteFile(filepath.Join(dir, "data", "services.csv"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	write(csv)
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ctx := context.Background()
	runIn := func(o Options) *Summary {
		t.Helper()
		o.Project, o.Base, o.Command = p, dir, "test"
		s, err := Execute(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	built := func(s *Summary, id string) transform.BuildResult {
		for _, m := range s.Models {
			if m.ID == id {
				return m
			}
		}
		t.Fatalf("no build of %s", id)
		return transform.BuildResult{}
	}
	s := runIn(Options{SkipUnchanged: true})
	if m := built(s, "staging.monthly"); m.Partitions == nil || !m.Partitions.Full || m.Rows != 3 {
		t.Fatalf("first build: %+v", m)
	}
	// Built whole, staging.firsts is its SQL's result, which groups by its
	// key: the unique test passes on that, and says so. staging.monthly's
	// GROUP BY ALL is not read as a guarantee.
	guaranteed := func(s *Summary) string {
		var out []string
		for _, r := range s.Tests {
			if r.Sample == check.GuaranteedNote && r.Status == check.StatusPass {
				out = append(out, r.Test.Model+" "+r.Test.Name)
			}
		}
		return strings.Join(out, ", ")
	}
	if got := guaranteed(s); got != "staging.firsts unique(unit)" {
		t.Errorf("first build: guaranteed by SQL: %q", got)
	}

	steps := []struct {
		name, add string
		// the partitions each model rebuilds
		monthly, firsts, tested string
	}{
		{"March arrives", "4,甲,2017-03-01,40,2017-03-01 09:00:00\n5,丙,2017-03-20,50,2017-03-20 09:00:00\n",
			"2017-03-01", ">= 2017-03-01", "2017-03-01"},
		{"a late January record", "6,丙,2017-01-30,60,2017-03-21 09:00:00\n",
			"2017-01-01", ">= 2017-01-01", "2017-01-01"},
	}
	for _, st := range steps {
		csv += st.add
		write(csv)
		s := runIn(Options{SkipUnchanged: true})
		m, f := built(s, "staging.monthly"), built(s, "staging.firsts")
		if fs := built(s, "staging.first_seen"); fs.Status != transform.BuildSuccess || fs.Partitions.Full || ">= "+fs.Partitions.From != st.firsts {
			t.Errorf("%s: staging.first_seen rebuilt %+v, want %s", st.name, fs.Partitions, st.firsts)
		}
		if m.Status != transform.BuildSuccess || m.Partitions.Full || strings.Join(m.Partitions.Parts, ",") != st.monthly {
			t.Errorf("%s: staging.monthly rebuilt %+v, want partitions %s", st.name, m.Partitions, st.monthly)
		}
		if f.Status != transform.BuildSuccess || f.Partitions.Full || ">= "+f.Partitions.From != st.firsts {
			t.Errorf("%s: staging.firsts rebuilt %+v, want %s", st.name, f.Partitions, st.firsts)
		}
		// The tests of the models built in part read the partitions rebuilt;
		// the partitions check reads the whole table, and passes.
		seen := 0
		for _, r := range s.Tests {
			if r.Status != check.StatusPass {
				t.Errorf("%s: %s %s: %s %v", st.name, r.Test.Model, r.Test.Name, r.Status, r.Err)
			}
			if r.Test.Model == "staging.monthly" && r.Test.Kind != check.KindPartitions {
				seen++
				if !strings.Contains(r.Test.Query, st.tested) {
					t.Errorf("%s: test %s reads the whole table: %s", st.name, r.Test.Name, r.Test.Query)
				}
			}
		}
		if seen != 2 {
			t.Errorf("%s: %d tests of staging.monthly ran, want 2", st.name, seen)
		}
		// Built in part, nothing is taken on the SQL's word.
		if got := guaranteed(s); got != "" {
			t.Errorf("%s: guaranteed by SQL after a build in part: %q", st.name, got)
		}
		if !strings.Contains(fmt.Sprint(s.Tests), "partitions(month)") {
			t.Errorf("%s: no partitions check ran", st.name)
		}
		sameAsFullRefresh(t, dir, p, st.name)
	}

	// A run with nothing new rebuilds nothing.
	s = runIn(Options{SkipUnchanged: true})
	if m := built(s, "staging.monthly"); m.Status != transform.BuildUnchanged {
		t.Errorf("nothing new: staging.monthly %s", m.Status)
	}
	// transform, as a command of its own, finds nothing changed either.
	s = runIn(Options{Stages: []Stage{StageTransform}})
	if m := built(s, "staging.monthly"); m.Status != transform.BuildUnchanged {
		t.Errorf("transform with nothing new: staging.monthly %s", m.Status)
	}
	// --full-refresh builds every partition.
	s = runIn(Options{FullRefresh: true})
	if m := built(s, "staging.monthly"); m.Partitions == nil || !m.Partitions.Full {
		t.Errorf("full refresh: %+v", m.Partitions)
	}
	if got := guaranteed(s); got != "staging.firsts unique(unit)" {
		t.Errorf("full refresh: guaranteed by SQL: %q", got)
	}

	// A partition gone from the table (a write that went wrong) fails the
	// whole-table check.
	w, err := warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Exec(ctx, "DELETE FROM staging.monthly WHERE month = DATE '2017-02-01'")
	w.Close()
	s, _ = Execute(ctx, Options{Project: p, Base: dir, Command: "test", Stages: []Stage{StageTest}, Select: []string{"monthly"}})
	failed := ""
	for _, r := range s.Tests {
		if r.Status == check.StatusFail {
			failed += r.Test.Name + ": " + r.Sample
		}
	}
	if !strings.Contains(failed, "partitions(month): partition=2017-02-01, rows_in_table=NULL, rows_built=1") {
		t.Errorf("a partition deleted behind the engine's back: failures %q", failed)
	}
}

// sameAsFullRefresh builds the project's data from nothing into another
// warehouse and compares every model's rows, every column.
func sameAsFullRefresh(t *testing.T, dir string, p *project.Project, step string) {
	t.Helper()
	ctx := context.Background()
	fresh := filepath.Join(t.TempDir(), "fresh.duckdb")
	if _, err := Execute(ctx, Options{Project: p, Base: dir, Warehouse: fresh, Command: "test", Stages: []Stage{StageExtract, StageTransform}}); err != nil {
		t.Fatal(err)
	}
	dump := func(path string) map[string]string {
		w, err := warehouse.Open(ctx, path, warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		out := map[string]string{}
		for _, m := range p.Models {
			cols := "* EXCLUDE (load_id)"
			if m.Name != "stg_s" {
				cols = "*"
			}
			res, err := w.Query(ctx, "SELECT "+cols+" FROM "+warehouse.QuoteTable(m.Schema, m.Name)+" ORDER BY ALL", 0)
			if err != nil {
				t.Fatal(err)
			}
			out[m.ID()] = fmt.Sprint(res.Rows)
		}
		return out
	}
	got, want := dump(filepath.Join(dir, ".jixiao", "warehouse.duckdb")), dump(fresh)
	for id := range want {
		if got[id] != want[id] {
			t.Errorf("%s: %s differs from a full refresh:\n got  %s\n want %s", step, id, got[id], want[id])
		}
	}
}
