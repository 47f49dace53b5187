//go:build duckdb_arrow

package check

import (
	"context"
	"path/filepath"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// A key is taken as guaranteed only where the top-level SELECT groups by
// exactly the key's expressions, or selects DISTINCT exactly them; any
// doubt leaves the test to run.
func TestKeyGuaranteedBySQL(t *testing.T) {
	tests := []struct {
		name, sql string
		key       []string
		want      string
	}{
		{"group by the key", "SELECT a, b, count(*) AS n FROM t GROUP BY a, b", []string{"a", "b"}, GuaranteedNote},
		{"key in another order", "SELECT a, b, count(*) AS n FROM t GROUP BY b, a", []string{"b", "a"}, GuaranteedNote},
		{"same expression aliased", "SELECT a, CAST(extract(year FROM d) AS BIGINT) AS y, min(d) AS d FROM t GROUP BY a, CAST(extract(year FROM d) AS BIGINT)",
			[]string{"a", "y"}, GuaranteedNote},
		{"qualified columns", "SELECT t.a, max(t.b) AS b FROM t JOIN u ON u.a = t.a GROUP BY t.a", []string{"a"}, GuaranteedNote},
		{"under a CTE, ordered", "WITH x AS (SELECT * FROM t) SELECT a, count(*) AS n FROM x WHERE a > 1 GROUP BY a ORDER BY a", []string{"A"}, GuaranteedNote},
		{"distinct", "SELECT DISTINCT a, b FROM t", []string{"a", "b"}, guaranteedDistinctNote},
		{"distinct, key is part of it", "SELECT DISTINCT a, b FROM t", []string{"a"}, ""},
		{"distinct on", "SELECT DISTINCT ON (a) a, b FROM t", []string{"a"}, ""},
		{"key is part of the grouping", "SELECT a, b, count(*) AS n FROM t GROUP BY a, b", []string{"a"}, ""},
		{"grouping is part of the key", "SELECT a, b, count(*) AS n FROM t GROUP BY a, b", []string{"a", "b", "n"}, ""},
		{"having", "SELECT a, count(*) AS n FROM t GROUP BY a HAVING count(*) > 1", []string{"a"}, ""},
		{"qualify", "SELECT a, count(*) AS n FROM t GROUP BY a QUALIFY row_number() OVER (ORDER BY a) = 1", []string{"a"}, ""},
		{"window in the select list", "SELECT a, count(*) OVER () AS n FROM t GROUP BY a", []string{"a"}, ""},
		{"union", "SELECT a FROM t GROUP BY a UNION ALL SELECT a FROM u GROUP BY a", []string{"a"}, ""},
		{"rollup", "SELECT a, b, count(*) AS n FROM t GROUP BY ROLLUP (a, b)", []string{"a", "b"}, ""},
		{"grouping sets", "SELECT a, b, count(*) AS n FROM t GROUP BY GROUPING SETS ((a, b), (a))", []string{"a", "b"}, ""},
		{"group by all", "SELECT a, count(*) AS n FROM t GROUP BY ALL", []string{"a"}, ""},
		{"group by position", "SELECT a, count(*) AS n FROM t GROUP BY 1", []string{"a"}, ""},
		{"group by an alias", "SELECT lower(a) AS k, count(*) AS n FROM t GROUP BY k", []string{"k"}, ""},
		{"key named by another expression", "SELECT lower(a) AS a, count(*) AS n FROM t GROUP BY a", []string{"a"}, ""},
		{"key twice in the select list", "SELECT a, b AS a FROM t GROUP BY a, b", []string{"a"}, ""},
		{"unnamed expression", "SELECT a, count(*) FROM t GROUP BY a", []string{"a"}, ""},
		{"star", "SELECT * FROM t GROUP BY a", []string{"a"}, ""},
		{"limit", "SELECT a FROM t GROUP BY a LIMIT 5", []string{"a"}, ""},
		{"no grouping", "SELECT a, b FROM t", []string{"a"}, ""},
		{"not one statement", "SELECT a FROM t GROUP BY a; SELECT 1", []string{"a"}, ""},
	}
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, _ := w.SelectTree(ctx, tt.sql)
			if got := keyGuaranteed(tree, tt.key); got != tt.want {
				t.Errorf("%s with key %v: %q, want %q", tt.sql, tt.key, got, tt.want)
			}
		})
	}
}

// A guaranteed key passes with the note and no query, but only for a model
// built whole: the tests of a model built in part (its rebuilt partitions,
// rows inserted beside the rows kept) run as ever and find what repeats.
func TestGuaranteedKeyOnlyForWholeBuilds(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	// As if an update by partitions had gone wrong: a unit twice in March.
	if err := w.Exec(ctx, `CREATE TABLE marts.firsts AS SELECT * FROM (VALUES ('甲', DATE '2017-01-01'), ('乙', DATE '2017-03-01'), ('乙', DATE '2017-03-01')) t(unit, month)`); err != nil {
		t.Fatal(err)
	}
	sql := "SELECT unit, min(month) AS month FROM staging.s GROUP BY unit"
	decls := []string{"unique: [unit]", "unique: [unit, month]", "not_null: [unit]"}
	var models []*project.Model
	for _, d := range decls {
		models = append(models, modelWith(t, "firsts", d))
	}
	compiled, diags := Default().Compile(models)
	if len(diags) != 0 || len(compiled) != len(decls) {
		t.Fatalf("compile: %v", diags)
	}
	cases := []struct {
		name     string
		whole    map[string]string
		changed  map[string]Changed
		samples  []string // per test
		failures []int64
	}{
		{"built whole", map[string]string{"marts.firsts": sql}, nil,
			[]string{GuaranteedNote, "unit=乙, month=2017-03-01, occurrences=2", ""}, []int64{0, 1, 0}},
		{"not built in this run", nil, nil,
			[]string{"unit=乙, occurrences=2", "unit=乙, month=2017-03-01, occurrences=2", ""}, []int64{1, 1, 0}},
		{"built in part", nil, map[string]Changed{"marts.firsts": {Column: "month", Filter: "month >= DATE '2017-03-01'"}},
			[]string{"unit=乙, occurrences=2", "unit=乙, month=2017-03-01, occurrences=2", ""}, []int64{1, 1, 0}},
		// A model the run lists as built whole whose tests read partitions
		// still runs them (GuaranteedBySQL looks at whole-table tests only).
		{"listed whole, tested in part", map[string]string{"marts.firsts": sql}, map[string]Changed{"marts.firsts": {Column: "month", Filter: "month >= DATE '2017-03-01'"}},
			[]string{"unit=乙, occurrences=2", "unit=乙, month=2017-03-01, occurrences=2", ""}, []int64{1, 1, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tests := GuaranteedBySQL(ctx, w, Default().OnChangedPartitions(compiled, c.changed, nil), c.whole)
			for i, res := range Run(ctx, w, tests, "", nil) {
				if res.Err != nil || res.Failures != c.failures[i] || res.Sample != c.samples[i] {
					t.Errorf("%s: %s/%d/%q (%v), want %d/%q", res.Test.Name, res.Status, res.Failures, res.Sample, res.Err, c.failures[i], c.samples[i])
				}
				if c.samples[i] != GuaranteedNote {
					if alone := runOne(ctx, w, tests[i]); alone.Failures != res.Failures || alone.Sample != res.Sample {
						t.Errorf("%s: %d/%q, alone %d/%q", res.Test.Name, res.Failures, res.Sample, alone.Failures, alone.Sample)
					}
				}
			}
		})
	}
}

// A first_seen update passes its unique test unscanned only where the
// test's key is the first_seen key, the model's SQL groups by exactly it
// and the test passed before; otherwise it runs, on the changed
// partitions, and finds what repeats.
func TestGuaranteedByFirstSeenOnlyWhereConstructionHolds(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	// A table that is not unique, as if the promise had been broken: the
	// tests that run must say so.
	if err := w.Exec(ctx, `CREATE TABLE marts.firsts AS SELECT * FROM (VALUES ('甲', 2017, DATE '2017-01-01'), ('乙', 2017, DATE '2017-03-01'), ('乙', 2017, DATE '2017-03-01')) t(unit, year, month)`); err != nil {
		t.Fatal(err)
	}
	grouped := "SELECT unit, year, min(month) AS month FROM staging.s GROUP BY unit, year"
	compiled, diags := Default().Compile([]*project.Model{modelWith(t, "firsts", "unique: [unit, year]"), modelWith(t, "firsts", "not_null: [unit]")})
	if len(diags) != 0 || len(compiled) != 2 {
		t.Fatalf("compile: %v", diags)
	}
	changed := map[string]Changed{"marts.firsts": {Column: "month", Filter: "month >= DATE '2017-03-01'"}}
	yes := func(Test) bool { return true }
	no := func(Test) bool { return false }
	cases := []struct {
		name   string
		build  FirstSeenBuild
		passed func(Test) bool
		sample string
		fails  int64
	}{
		{"key grouped, passed before", FirstSeenBuild{SQL: grouped, Key: []string{"year", "UNIT"}}, yes, FirstSeenNote, 0},
		{"not passed before", FirstSeenBuild{SQL: grouped, Key: []string{"unit", "year"}}, no, "unit=乙, year=2017, occurrences=2", 1},
		{"first_seen key differs", FirstSeenBuild{SQL: grouped, Key: []string{"unit"}}, yes, "unit=乙, year=2017, occurrences=2", 1},
		{"SQL does not group by the key", FirstSeenBuild{SQL: "SELECT unit, year, month FROM staging.s", Key: []string{"unit", "year"}}, yes, "unit=乙, year=2017, occurrences=2", 1},
		{"SQL groups by more", FirstSeenBuild{SQL: "SELECT unit, year, month FROM staging.s GROUP BY unit, year, month", Key: []string{"unit", "year"}}, yes, "unit=乙, year=2017, occurrences=2", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tests := GuaranteedByFirstSeen(ctx, w, compiled, map[string]FirstSeenBuild{"marts.firsts": c.build}, c.passed)
			tests = Default().OnChangedPartitions(tests, changed, nil)
			res := Run(ctx, w, tests, "", nil)
			if got := res[0]; got.Err != nil || got.Failures != c.fails || got.Sample != c.sample {
				t.Errorf("unique: %s/%d/%q (%v), want %d/%q", got.Status, got.Failures, got.Sample, got.Err, c.fails, c.sample)
			}
			if got := res[1]; got.Err != nil || got.Status != StatusPass || got.Sample != "" {
				t.Errorf("not_null: %s/%q (%v), want a pass that scanned", got.Status, got.Sample, got.Err)
			}
		})
	}
}
