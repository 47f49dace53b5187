//go:build duckdb_arrow

package check

import (
	"context"
	"strings"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// A row_number() = 1 model is read as keeping one row per partition value
// only where its SQL says so plainly; any doubt leaves its tests to run.
func TestDedupeReadFromSQL(t *testing.T) {
	const numbered = "(SELECT *, row_number() OVER (PARTITION BY k ORDER BY u DESC) AS rn FROM raw.t) AS s"
	tests := []struct {
		name, sql string
		key       []string
		unique    bool // the key is guaranteed
		// counts: an assert of raw.t's repeats of k is answered by counts,
		// whatever the model makes of its columns: it has a row per k.
		counts bool
	}{
		{"the roster's shape", "SELECT k, a, b AS c FROM " + numbered + " WHERE rn = 1", []string{"k"}, true, true},
		{"one the other way round, qualified", "SELECT s.k, a FROM " + numbered + " WHERE 1 = s.rn ORDER BY k", []string{"K"}, true, true},
		{"key renamed", "SELECT k AS id, a FROM " + numbered + " WHERE rn = 1", []string{"id"}, true, true},
		{"a wider key", "SELECT k, a FROM " + numbered + " WHERE rn = 1", []string{"a", "k"}, true, true},
		{"more filters", "SELECT k, a FROM " + numbered + " WHERE rn = 1 AND a > 0", []string{"k"}, true, false},
		{"a filter before numbering", "SELECT k FROM (SELECT *, row_number() OVER (PARTITION BY k) AS rn FROM raw.t WHERE a > 0) AS s WHERE rn = 1", []string{"k"}, true, false},
		{"columns listed", "SELECT k FROM (SELECT k, a, row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, true, true},
		{"the table's column renamed under", "SELECT id FROM (SELECT k AS id, row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"id"}, true, true},
		{"two partition columns", "SELECT k, a FROM (SELECT *, row_number() OVER (PARTITION BY k, a) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k", "a"}, true, false},
		{"key is part of the partition", "SELECT k, a FROM (SELECT *, row_number() OVER (PARTITION BY k, a) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"key not the partition", "SELECT k, a FROM " + numbered + " WHERE rn = 1", []string{"a"}, false, true},
		{"key an expression", "SELECT lower(k) AS k FROM " + numbered + " WHERE rn = 1", []string{"k"}, false, true},
		{"partition an expression", "SELECT k FROM (SELECT *, row_number() OVER (PARTITION BY lower(k)) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"another column named k under", "SELECT k FROM (SELECT a AS k, row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, true},
		{"k twice under", "SELECT k FROM (SELECT *, a AS k, row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, true},
		{"k twice above", "SELECT k, a AS k FROM " + numbered + " WHERE rn = 1", []string{"k"}, false, true},
		{"rank ties", "SELECT k FROM (SELECT *, rank() OVER (PARTITION BY k ORDER BY u) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"row two", "SELECT k FROM " + numbered + " WHERE rn = 2", []string{"k"}, false, false},
		{"at most one", "SELECT k FROM " + numbered + " WHERE rn <= 1", []string{"k"}, false, false},
		{"or", "SELECT k FROM " + numbered + " WHERE rn = 1 OR a > 0", []string{"k"}, false, false},
		{"no filter", "SELECT k FROM " + numbered, []string{"k"}, false, false},
		{"a join above", "SELECT s.k FROM " + numbered + " JOIN raw.u ON u.k = s.k WHERE rn = 1", []string{"k"}, false, false},
		{"a join under", "SELECT k FROM (SELECT t.*, row_number() OVER (PARTITION BY t.k) AS rn FROM raw.t JOIN raw.u ON u.k = t.k) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"unnest above", "SELECT k, unnest(l) AS x FROM " + numbered + " WHERE rn = 1", []string{"k"}, false, false},
		{"unnest under", "SELECT k FROM (SELECT *, unnest(l) AS x, row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"grouped above", "SELECT k, count(*) AS n FROM " + numbered + " WHERE rn = 1 GROUP BY k", []string{"k"}, false, false},
		{"a limit", "SELECT k FROM " + numbered + " WHERE rn = 1 LIMIT 3", []string{"k"}, false, false},
		{"star excluding", "SELECT k FROM (SELECT * EXCLUDE (a), row_number() OVER (PARTITION BY k) AS rn FROM raw.t) AS s WHERE rn = 1", []string{"k"}, false, false},
		{"union", "SELECT k FROM " + numbered + " WHERE rn = 1 UNION ALL SELECT k FROM raw.t", []string{"k"}, false, false},
		{"under a CTE", "WITH x AS (SELECT 1) SELECT k FROM " + numbered + " WHERE rn = 1", []string{"k"}, false, false},
	}
	ctx := context.Background()
	w := setup(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := w.SelectTree(ctx, tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			d, ok := dedupeOf(tree)
			if unique := ok && d.guarantees(tt.key); unique != tt.unique {
				t.Errorf("%s with key %v: guaranteed %v, want %v", tt.sql, tt.key, unique, tt.unique)
			}
			if counts := ok && d.countsRepeats("RAW", "t", []string{"K"}); counts != tt.counts {
				t.Errorf("%s: answered by counts %v, want %v", tt.sql, counts, tt.counts)
			}
		})
	}
}

// The roster's tests as a run makes them: built whole from its SQL, the key
// passes unscanned and the assert of the raw table's repeats passes by its
// counts; with a repeat in the raw table the counts differ and the assert
// runs, with the result it gives alone; a model not built in this run, or
// whose SQL filters more, runs both.
func TestDedupedRosterTests(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	roster := "SELECT cert, unit FROM (SELECT *, row_number() OVER (PARTITION BY cert ORDER BY updated DESC) AS newest FROM raw.people) AS r WHERE newest = 1"
	filtered := strings.Replace(roster, "WHERE newest = 1", "WHERE newest = 1 AND unit <> 'z'", 1)
	assert := `assert: "SELECT count(*) AS rows, min(unit) AS unit FROM raw.people GROUP BY cert HAVING count(*) > 1"`
	compiled, diags := Default().Compile([]*project.Model{modelWith(t, "roster", "unique: [cert]"), modelWith(t, "roster", assert)})
	if len(diags) != 0 || len(compiled) != 2 {
		t.Fatalf("compile: %v", diags)
	}
	cases := []struct {
		name, rows string
		whole      map[string]string
		notes      []string // the start of each result's sample
		failures   []int64
	}{
		{"built whole, no repeats", "('A1', 'x', 1), ('B2', 'y', 1), (NULL, 'z', 1)", map[string]string{"marts.roster": roster},
			[]string{dedupeNote, "raw.people 有 3 行，本次运行按同一键每键取一行重建的 marts.roster 也是 3 行"}, []int64{0, 0}},
		{"built whole, a repeat", "('A1', 'x', 1), ('A1', 'y', 2), ('B2', 'y', 1), (NULL, 'z', 1), (NULL, 'z', 2)", map[string]string{"marts.roster": roster},
			[]string{dedupeNote, "rows=2, unit="}, []int64{0, 2}},
		{"not built in this run", "('A1', 'x', 1), ('B2', 'y', 1)", nil, []string{"", ""}, []int64{0, 0}},
		{"filtered more", "('A1', 'x', 1), ('B2', 'y', 1), ('C3', 'z', 1)", map[string]string{"marts.roster": filtered},
			[]string{dedupeNote, ""}, []int64{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := w.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS raw; CREATE OR REPLACE TABLE raw.people AS SELECT * FROM (VALUES "+c.rows+") AS v(cert, unit, updated)"); err != nil {
				t.Fatal(err)
			}
			sql := roster
			if s := c.whole["marts.roster"]; s != "" {
				sql = s
			}
			if err := w.Exec(ctx, "CREATE OR REPLACE TABLE marts.roster AS "+sql); err != nil {
				t.Fatal(err)
			}
			tests := GuaranteedBySQL(ctx, w, compiled, c.whole)
			for i, res := range Run(ctx, w, tests, "", nil) {
				if res.Err != nil || res.Failures != c.failures[i] || !strings.HasPrefix(res.Sample, c.notes[i]) || (c.notes[i] == "") != (res.Sample == "") {
					t.Errorf("%s: %s/%d/%q (%v), want %d/%q", res.Test.Name, res.Status, res.Failures, res.Sample, res.Err, c.failures[i], c.notes[i])
				}
				// Passed unscanned or run, the outcome is the test's own.
				if alone := runOne(ctx, w, compiled[i]); alone.Status != res.Status || alone.Failures != res.Failures {
					t.Errorf("%s: %s/%d, alone %s/%d", res.Test.Name, res.Status, res.Failures, alone.Status, alone.Failures)
				}
			}
		})
	}
}

// Models and data a reviewer found where the shortcuts once passed tests
// that fail: a name given twice, a struct's field taken for a column, a
// table column named like the row number, aliases taken for columns, and
// a relationship between two collations (which cannot run). Every result
// must be the one the test gives alone.
func TestShortcutsAgreeWithTheTests(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	withHashedMinRows(t, 0)
	repeats := `assert: "SELECT k, count(*) AS c FROM raw.t GROUP BY k HAVING count(*) > 1"`
	numbered := func(partition string) string {
		return "(SELECT *, row_number() OVER (PARTITION BY " + partition + ") AS n FROM raw.t) AS s WHERE n = 1"
	}
	cases := []struct {
		name, data, model string
		decls             []string
	}{
		{"an expression named like a column passed through", "(1, 5), (2, 5)) v(k, a)",
			"SELECT a + 0 AS k, k FROM " + numbered("k"), []string{"unique: [k]"}},
		{"a star replacing the column", "(1, 5), (2, 5)) v(k, a)",
			"SELECT * REPLACE (a AS k), k FROM " + numbered("k"), []string{"unique: [k]"}},
		{"a struct's field", "(1, {'k': 1}), (1, {'k': 2})) v(k, s)",
			"SELECT k FROM (SELECT *, row_number() OVER (PARTITION BY s.k) AS n FROM raw.t) AS x WHERE n = 1", []string{"unique: [k]", repeats}},
		{"a struct's field listed", "(1, {'k': 1}), (1, {'k': 2})) v(k, s)",
			"SELECT k FROM (SELECT s.k, row_number() OVER (PARTITION BY k) AS n FROM raw.t) AS x WHERE n = 1", []string{"unique: [k]"}},
		{"a table column named like the row number", "(1, 1), (1, 1), (2, 1)) v(k, n)",
			"SELECT k FROM " + numbered("k"), []string{"unique: [k]", repeats}},
		{"the row number named like the key", "(1, 1), (1, 1), (2, 1)) v(k, n)",
			"SELECT k FROM (SELECT *, row_number() OVER (PARTITION BY k) AS k FROM raw.t) AS x WHERE k = 1", []string{"unique: [k]", repeats}},
		{"an alias in the partition and in the assert", "(0, 0), (3, 0)) v(k, a)",
			"SELECT k FROM (SELECT *, k % 2 AS kk, row_number() OVER (PARTITION BY kk) AS n FROM raw.t) AS x WHERE n = 1",
			[]string{`assert: "SELECT k % 3 AS kk, count(*) AS c FROM raw.t GROUP BY kk HAVING count(*) > 1"`}},
		{"no repeats, taken", "(1, 1), (2, 1), (3, 1)) v(k, a)", "SELECT k, a FROM " + numbered("k"), []string{"unique: [k]", repeats}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := w.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS raw; CREATE OR REPLACE TABLE raw.t AS SELECT * FROM (VALUES "+c.data+
				"; CREATE OR REPLACE TABLE marts.m AS "+c.model); err != nil {
				t.Fatal(err)
			}
			var models []*project.Model
			for _, d := range c.decls {
				models = append(models, modelWith(t, "m", d))
			}
			compiled, diags := Default().Compile(models)
			if len(diags) != 0 {
				t.Fatalf("compile: %v", diags)
			}
			tests := GuaranteedBySQL(ctx, w, compiled, map[string]string{"marts.m": c.model})
			for i, res := range Run(ctx, w, tests, "", nil) {
				alone := runOne(ctx, w, compiled[i])
				if res.Status != alone.Status || res.Failures != alone.Failures || (res.Err == nil) != (alone.Err == nil) {
					t.Errorf("%s: %s/%d (%q), alone %s/%d (%v)", res.Test.Name, res.Status, res.Failures, res.Sample, alone.Status, alone.Failures, alone.Err)
				}
				if c.name == "no repeats, taken" && res.Sample == "" {
					t.Errorf("%s: passed by a scan, want the shortcut", res.Test.Name)
				}
			}
		})
	}
	t.Run("two collations", func(t *testing.T) {
		if err := w.Exec(ctx, `CREATE OR REPLACE TABLE raw.target (k VARCHAR COLLATE NOACCENT); INSERT INTO raw.target SELECT 'a' FROM range(64);
			CREATE OR REPLACE TABLE marts.m (k VARCHAR COLLATE NOCASE); INSERT INTO marts.m VALUES ('a')`); err != nil {
			t.Fatal(err)
		}
		compiled, _ := Default().Compile([]*project.Model{modelWith(t, "m", "relationships: {column: k, to: raw.target}")})
		if relationshipFound(ctx, w, compiled[0], readTableSizes(ctx, w)) {
			t.Error("probed a relationship that cannot run")
		}
		if res := Run(ctx, w, compiled, "", nil)[0]; res.Status != StatusError {
			t.Errorf("%s/%d, want the test's error", res.Status, res.Failures)
		}
	})
}

// On PostgreSQL, whose functions can make rows in a select list where
// DuckDB's parser does not know them, no test passes by its model's SQL;
// on DuckDB, where generate_series there makes a list, the key does.
func TestNoShortcutFromSQLOnPostgres(t *testing.T) {
	onBothWarehouses(t, func(t *testing.T, w *warehouse.Warehouse) {
		if err := w.Exec(context.Background(), "CREATE SCHEMA IF NOT EXISTS raw; CREATE TABLE raw.t AS SELECT 1 AS k, 2 AS a"); err != nil {
			t.Fatal(err)
		}
		compiled, _ := Default().Compile([]*project.Model{modelWith(t, "m", "unique: [k]")})
		model := "SELECT k, generate_series(1, a) AS g FROM (SELECT *, row_number() OVER (PARTITION BY k) AS n FROM raw.t) AS s WHERE n = 1"
		got := GuaranteedBySQL(context.Background(), w, compiled, map[string]string{"marts.m": model})
		if duck := w.Kind() == warehouse.KindDuckDB; (got[0].guaranteed != "") != duck {
			t.Errorf("guaranteed %q on %s", got[0].guaranteed, w.Kind())
		}
	})
}
