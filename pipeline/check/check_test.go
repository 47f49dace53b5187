//go:build duckdb_arrow

package check

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/internal/pgtest"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

func setup(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	err = w.Exec(ctx, `CREATE SCHEMA marts;
		CREATE TABLE marts.units AS SELECT * FROM (VALUES ('371002', '环翠区'), ('371003', '文登区')) t(unit_code, unit_name);
		CREATE TABLE marts.units_nulls AS SELECT * FROM (VALUES ('371002'), ('371003'), (NULL)) t(unit_code);
		CREATE TABLE marts.good AS SELECT * FROM (VALUES ('371002', 1, '完成'), ('371003', 1, '滞后')) t(unit_code, m, status);
		CREATE TABLE marts.bad AS SELECT * FROM (VALUES ('371002', 1, '完成'), ('371002', 1, '超额'), (NULL, 2, '正常'), ('999999', 3, NULL)) t(unit_code, m, status);`)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// modelWith declares one test on a model of table marts.<name>.
func modelWith(t *testing.T, name, test string) *project.Model {
	t.Helper()
	m := fstest.MapFS{
		"jixiao.yaml":                       {Data: []byte("name: t\nplan_year: 2017\n")},
		"transforms/marts/" + name + ".sql": {Data: []byte("/* jixiao\ntests:\n  - " + test + "\n*/\nSELECT 1")},
	}
	p, diags := project.Load(m)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return p.Model(name)
}

func TestEveryKindPassesAndFails(t *testing.T) {
	tests := []struct {
		kind     string
		decl     string
		failures int64 // on marts.bad; every test passes on marts.good
		sample   string
	}{
		{"not_null", "not_null: [unit_code, status]", 2, "unit_code=NULL"},
		{"unique", "unique: [unit_code, m]", 1, "occurrences=2"},
		{"accepted_values", "accepted_values: {column: status, values: [完成, 正常, 滞后]}", 1, "status=超额"},
		{"relationships", "relationships: {column: unit_code, to: marts.units}", 1, "unit_code=999999"},
		{"assert", `assert: "SELECT * FROM marts.bad WHERE m > 2"`, 1, "m=3"},
	}
	ctx := context.Background()
	w := setup(t)
	reg := Default()
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			for _, table := range []string{"good", "bad"} {
				decl := tt.decl
				if tt.kind == "assert" {
					decl = strings.ReplaceAll(decl, "marts.bad", "marts."+table)
				}
				compiled, diags := reg.Compile([]*project.Model{modelWith(t, table, decl)})
				if len(diags) != 0 || len(compiled) != 1 {
					t.Fatalf("compile: %v", diags)
				}
				res := Run(ctx, w, compiled, "run-1", nil)[0]
				if table == "good" {
					if res.Status != StatusPass || res.Failures != 0 {
						t.Errorf("on marts.good: %s with %d failures (%v)", res.Status, res.Failures, res.Err)
					}
					continue
				}
				if res.Status != StatusFail || res.Failures != tt.failures {
					t.Errorf("on marts.bad: %s with %d failures, want fail with %d (%v)", res.Status, res.Failures, tt.failures, res.Err)
				}
				if !strings.Contains(res.Sample, tt.sample) {
					t.Errorf("sample %q does not show %q", res.Sample, tt.sample)
				}
			}
		})
	}
	var n int
	w.QueryRow(context.Background(), "SELECT count(*) FROM meta.test_results WHERE run_id = 'run-1' AND status = 'fail'", nil, &n)
	if n != len(tests) {
		t.Errorf("%d failures recorded in meta.test_results, want %d", n, len(tests))
	}
}

func TestWarnSeverityAndRunErrors(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	reg := Default()
	compiled, _ := reg.Compile([]*project.Model{modelWith(t, "bad", "not_null: unit_code\n    severity: warn")})
	if res := Run(ctx, w, compiled, "", nil)[0]; res.Status != StatusWarn || res.Failures != 1 {
		t.Errorf("warn test: %s, %d", res.Status, res.Failures)
	}
	compiled, _ = reg.Compile([]*project.Model{modelWith(t, "bad", "not_null: no_such_column")})
	res := Run(ctx, w, compiled, "", nil)[0]
	if res.Status != StatusError || !strings.Contains(res.Err.Error(), "transforms/marts/bad.sql:3") {
		t.Errorf("a test that cannot run: %s, %v", res.Status, res.Err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ decl, want string }{
		{"no_such_kind: x", `transforms/marts/m.sql:3:5: unknown test kind "no_such_kind"`},
		{"not_null: {column: a}", "test not_null: give a column name or a list"},
		{"unique: []", "test unique: give a column name or a list of them, not an empty list"},
		{"accepted_values: {column: s}", "test accepted_values: give column and a non-empty list of values"},
		{"accepted_values: {column: s, value: [a]}", `unknown setting "value"`},
		{"relationships: {column: a, to: units}", `to "units" must name schema.table`},
		{"assert: DELETE FROM x", "the assertion must be a SELECT"},
	}
	for _, tt := range tests {
		_, diags := Default().Compile([]*project.Model{modelWith(t, "m", tt.decl)})
		if len(diags) != 1 || !strings.Contains(diags[0].String(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.decl, diags, tt.want)
		}
	}
}

// The tests of one model that judge its rows one by one share one scan of
// it: one query counts every test's failures, and each test keeps its own
// result, failures and sample, as if it had run alone. A unique key is
// counted in a query of its own.
func TestTestsOfAModelShareOneScan(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	decls := []string{
		"not_null: [unit_code, status]",
		"unique: [unit_code, m]",
		"accepted_values: {column: status, values: [完成, 正常, 滞后]}",
		"relationships: {column: unit_code, to: marts.units}",
		"unique: [m]",
		`assert: "SELECT * FROM marts.bad WHERE m > 2"`,
		// A NULL among the other table's values finds nothing.
		"relationships: {column: unit_code, to: marts.units_nulls}",
	}
	for _, table := range []string{"good", "bad"} {
		m := modelWith(t, table, strings.Join(decls, "\n  - "))
		compiled, diags := Default().Compile([]*project.Model{m})
		if len(diags) != 0 || len(compiled) != len(decls) {
			t.Fatalf("compile: %v", diags)
		}
		plan := planScans(compiled, w.Kind(), nil)
		if len(plan) != 4 || plan[0] != plan[2] || plan[0] != plan[3] || plan[0] != plan[6] || plan[1] != nil || plan[4] != nil || plan[5] != nil {
			t.Fatalf("%s: want not_null, accepted_values and relationships in one scan, the uniques and the assert alone, got %v", table, plan)
		}
		for _, i := range []int{0, 2, 3, 6} {
			if _, ok := plan.failures(ctx, w, compiled, i); !ok {
				t.Fatalf("%s: the shared scan did not run:\n%s", table, plan[0].query)
			}
		}
		shared := Run(ctx, w, compiled, "", nil)
		for i, c := range compiled {
			alone := runOne(ctx, w, c)
			got := shared[i]
			if got.Status != alone.Status || got.Failures != alone.Failures || got.Sample != alone.Sample || (got.Err == nil) != (alone.Err == nil) {
				t.Errorf("%s %s: shared scan gave %s/%d/%q, alone %s/%d/%q", table, c.Name, got.Status, got.Failures, got.Sample,
					alone.Status, alone.Failures, alone.Sample)
			}
		}
		if table == "bad" && (shared[0].Failures != 2 || shared[1].Failures != 1 || shared[2].Failures != 1 || shared[3].Failures != 1 || shared[6].Failures != 1) {
			t.Errorf("failures on marts.bad: %d %d %d %d %d", shared[0].Failures, shared[1].Failures, shared[2].Failures, shared[3].Failures, shared[6].Failures)
		}
	}
	// A lookup alone is counted by the scan's IN on DuckDB too, and gives
	// what its own query gives.
	for _, table := range []string{"good", "bad"} {
		compiled, _ := Default().Compile([]*project.Model{modelWith(t, table, "relationships: {column: unit_code, to: marts.units}")})
		plan := planScans(compiled, w.Kind(), nil)
		if plan[0] == nil || !plan[0].lone || !strings.Contains(plan[0].query, " IN (SELECT ") {
			t.Fatalf("%s: a lone lookup is not counted by the scan: %+v", table, plan[0])
		}
		got, alone := Run(ctx, w, compiled, "", nil)[0], runOne(ctx, w, compiled[0])
		if got.Status != alone.Status || got.Failures != alone.Failures || got.Sample != alone.Sample {
			t.Errorf("%s: a lone lookup gave %s/%d/%q, alone %s/%d/%q", table, got.Status, got.Failures, got.Sample, alone.Status, alone.Failures, alone.Sample)
		}
	}
	// A shared scan that cannot run (a column the model lacks) leaves each
	// test to run alone and report its own error, the others their results.
	m := modelWith(t, "bad", "not_null: [no_such_column]\n  - accepted_values: {column: status, values: [完成, 正常, 滞后]}")
	compiled, _ := Default().Compile([]*project.Model{m})
	res := Run(ctx, w, compiled, "", nil)
	if res[0].Status != StatusError || !strings.Contains(res[0].Err.Error(), "no_such_column") || res[1].Status != StatusFail || res[1].Failures != 1 {
		t.Errorf("a broken test in a shared scan: %+v / %+v", res[0], res[1])
	}
}

// idValues lists the ids from to to as a VALUES list's rows.
func idValues(from, to int) string {
	rows := make([]string, 0, to-from+1)
	for i := from; i <= to; i++ {
		rows = append(rows, fmt.Sprintf("(%d)", i))
	}
	return strings.Join(rows, ", ")
}

// A unique key of one integer column passes on a query that groups 62 ids
// at a time when that proves no id repeats (where the ids are dense enough
// for it to be cheap); otherwise the test's own query
// decides, so every result is the one the test gives alone. On DuckDB, and
// on PostgreSQL when a server is reachable.
func TestUniqueOfAnIntegerKey(t *testing.T) {
	ctx := context.Background()
	tables := []struct {
		name, values string
		proved       bool  // the cheap query proves the test passes
		failures     int64 // as the test's own query counts them
	}{
		{"ids_ok", idValues(1, 500) + ", " + idValues(-600, -530), true, 0},
		{"ids_sparse", "(1), (62), (9000000000)", false, 0}, // a run or two of 62 for 3 ids: grouped by the key
		{"ids_dup", "(1), (2), (2), (3), (3), (3), (NULL)", false, 2},
		{"ids_neg", "(5), (-5), (7)", false, 0}, // 5 and -5 share a place: decided by the test's own query
		{"ids_nulls", "(1), (NULL), (NULL)", false, 1},
		{"ids_one_null", "(1), (NULL)", true, 0},
	}
	run := func(t *testing.T, w *warehouse.Warehouse) {
		if err := w.Exec(ctx, "CREATE SCHEMA marts"); err != nil {
			t.Fatal(err)
		}
		create := []string{"CREATE TABLE marts.ids_text AS SELECT * FROM (VALUES ('1'), ('1')) AS v(id)"}
		for _, tb := range tables {
			create = append(create, "CREATE TABLE marts."+tb.name+" AS SELECT CAST(id AS BIGINT) AS id FROM (VALUES "+tb.values+") AS v(id)")
		}
		for _, q := range create {
			if err := w.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		tables := append(tables, struct {
			name, values string
			proved       bool
			failures     int64
		}{"ids_text", "", false, 1})
		for _, tb := range tables {
			checkUnique(t, w, tb.name, "[id]", tb.proved, tb.failures)
		}
	}
	onBothWarehouses(t, run)
}

// checkUnique runs the unique test of key on marts.<name>: the cheaper
// query proves it or not as proved says, and the result is the one the
// test's own query gives alone, with those failures.
func checkUnique(t *testing.T, w *warehouse.Warehouse, name, key string, proved bool, failures int64) {
	t.Helper()
	ctx := context.Background()
	compiled, diags := Default().Compile([]*project.Model{modelWith(t, name, "unique: "+key)})
	if len(diags) != 0 || len(compiled) != 1 {
		t.Fatalf("compile: %v", diags)
	}
	if got := noRepeats(ctx, w, compiled[0], readTableSizes(ctx, w)); got != proved {
		t.Errorf("%s: proved %v, want %v", name, got, proved)
	}
	got, alone := Run(ctx, w, compiled, "", nil)[0], runOne(ctx, w, compiled[0])
	if got.Status != alone.Status || got.Failures != alone.Failures || !sameSample(got.Sample, alone.Sample) || got.Err != nil || alone.Err != nil {
		t.Errorf("%s: gave %s/%d/%q (%v), alone %s/%d/%q (%v)", name, got.Status, got.Failures, got.Sample, got.Err,
			alone.Status, alone.Failures, alone.Sample, alone.Err)
	}
	if got.Failures != failures {
		t.Errorf("%s: %d failures, want %d", name, got.Failures, failures)
	}
}

// sameSample reports whether two samples show the same rows: a GROUP BY
// gives its groups in no set order, so two runs of one query may list them
// in two orders.
func sameSample(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	sort.Strings(la)
	sort.Strings(lb)
	return strings.Join(la, "\n") == strings.Join(lb, "\n")
}

// withHashedMinRows lets a test's small tables be proved as large ones are.
func withHashedMinRows(t *testing.T, n int64) {
	old := hashedMinRows
	hashedMinRows = n
	t.Cleanup(func() { hashedMinRows = old })
}

// onBothWarehouses runs fn on a fresh DuckDB warehouse and, when a server
// is reachable, a fresh PostgreSQL one.
func onBothWarehouses(t *testing.T, fn func(*testing.T, *warehouse.Warehouse)) {
	ctx := context.Background()
	t.Run("duckdb", func(t *testing.T) {
		w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		fn(t, w)
	})
	t.Run("postgres", func(t *testing.T) {
		w, err := warehouse.Open(ctx, "postgres", warehouse.Options{Postgres: &warehouse.Postgres{DSN: pgtest.NewDatabase(t)}})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		fn(t, w)
	})
}

// A unique key of strings or of several columns passes on DuckDB when no
// 64-bit hash of it repeats; otherwise (a repeat, a collation, a view, any
// key on PostgreSQL) the test's own query decides, so every result is the
// one the test gives alone.
func TestUniqueOfAHashedKey(t *testing.T) {
	ctx := context.Background()
	withHashedMinRows(t, 0)
	tables := []struct {
		name, create string
		key          string
		duckOnly     bool
		proved       bool  // on DuckDB: the hash proves the test passes
		failures     int64 // as the test's own query counts them
	}{
		{"strs_ok", "SELECT * FROM (VALUES ('a'), ('b'), ('c')) AS v(k)", "[k]", false, true, 0},
		{"strs_dup", "SELECT * FROM (VALUES ('a'), ('a'), ('b'), ('b'), ('c')) AS v(k)", "[k]", false, false, 2},
		{"strs_nulls", "SELECT * FROM (VALUES ('a'), (NULL), (NULL)) AS v(k)", "[k]", false, false, 1},
		{"strs_one_null", "SELECT * FROM (VALUES ('a'), (NULL)) AS v(k)", "[k]", false, true, 0},
		{"pair_ok", "SELECT * FROM (VALUES ('a', 1), ('a', 2), ('b', 1), (NULL, 1)) AS v(k, n)", "[k, n]", false, true, 0},
		{"pair_dup", "SELECT * FROM (VALUES ('a', 1), ('a', 1), ('b', NULL), ('b', NULL), ('b', 1)) AS v(k, n)", "[k, n]", false, false, 2},
		{"dates", "SELECT * FROM (VALUES (DATE '2017-01-01', 'a'), (DATE '2017-02-01', 'a')) AS v(d, k)", "[d, k]", false, true, 0},
		{"zeros", "SELECT * FROM (VALUES (CAST(0.0 AS DOUBLE PRECISION)), (CAST(-0.0 AS DOUBLE PRECISION))) AS v(x)", "[x]", false, false, 1},
		// NOCASE groups 'A' with 'a', which hash apart: the table's own
		// definition names the collation, so no hash is trusted.
		{"nocase", "", "[k]", true, false, 1},
		{"view_of_strs", "", "[k]", true, false, 0},
	}
	run := func(t *testing.T, w *warehouse.Warehouse) {
		if err := w.Exec(ctx, "CREATE SCHEMA marts"); err != nil {
			t.Fatal(err)
		}
		duck := w.Kind() == warehouse.KindDuckDB
		for _, tb := range tables {
			q := "CREATE TABLE marts." + tb.name + " AS " + tb.create
			switch {
			case tb.duckOnly && !duck:
				continue
			case tb.name == "nocase":
				q = "CREATE TABLE marts.nocase (k VARCHAR COLLATE NOCASE); INSERT INTO marts.nocase VALUES ('A'), ('a'), ('b')"
			case tb.name == "view_of_strs":
				q = "CREATE VIEW marts.view_of_strs AS SELECT * FROM marts.strs_ok"
			}
			if err := w.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, tb := range tables {
			if !tb.duckOnly || duck {
				checkUnique(t, w, tb.name, tb.key, tb.proved && duck, tb.failures)
			}
		}
	}
	onBothWarehouses(t, run)
}

// A table smaller than hashedMinRows has its key grouped at once: the
// queries that could prove it cost about as much as the grouping.
func TestSmallTableKeyIsGroupedAtOnce(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	compiled, diags := Default().Compile([]*project.Model{modelWith(t, "units", "unique: [unit_code, unit_name]")})
	if len(diags) != 0 || len(compiled) != 1 {
		t.Fatalf("compile: %v", diags)
	}
	for _, tt := range []struct {
		minRows int64
		proved  bool
	}{{hashedMinRows, false}, {2, true}, {3, false}} { // marts.units has 2 rows
		withHashedMinRows(t, tt.minRows)
		if got := noRepeats(ctx, w, compiled[0], readTableSizes(ctx, w)); got != tt.proved {
			t.Errorf("from %d rows: proved %v, want %v", tt.minRows, got, tt.proved)
		}
	}
}

// A failing row's sample prints its values as jixiao query does, by their
// columns' types: a time with a zone with its offset, a list as a list; a
// result built without types prints them by their values.
func TestFormatSample(t *testing.T) {
	at := time.Date(2017, 9, 1, 19, 4, 5, 0, time.UTC)
	typed := &warehouse.Result{Columns: []string{"at", "units"}, Types: []string{"TIMESTAMP WITH TIME ZONE", "VARCHAR[]"},
		Rows: [][]any{{at, []any{"环翠区", nil}}}}
	if got, want := FormatSample(typed), "at=2017-09-01 19:04:05+00, units=[环翠区, NULL]"; got != want {
		t.Errorf("typed sample %q, want %q", got, want)
	}
	untyped := &warehouse.Result{Columns: []string{"at"}, Rows: [][]any{{at}, {nil}}}
	if got, want := FormatSample(untyped), "at=2017-09-01 19:04:05\nat=NULL"; got != want {
		t.Errorf("untyped sample %q, want %q", got, want)
	}
}
