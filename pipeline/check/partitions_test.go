//go:build duckdb_arrow

package check

import (
	"context"
	"testing"

	"jixiao/pipeline/project"
)

// A unique key checked for a build's changed months is proved by ranges
// only where the changed rows' keys are distinct, not NULL and all above
// (or below) the other rows' keys; wherever it declines the test's own
// query runs, and either way the result is the query's.
func TestNewKeysApartIsTheChangedPartitionsQuery(t *testing.T) {
	ctx := context.Background()
	changed := map[string]Changed{"marts.records": {Column: "month", Filter: "month >= DATE '2017-09-01'"}}
	cases := []struct {
		name   string
		values string // (id, month) rows; September is the changed month
		apart  bool
		fails  int64
	}{
		{"new ids above the old", "(1, DATE '2017-08-01'), (2, DATE '2017-08-01'), (3, DATE '2017-09-01'), (4, DATE '2017-09-01')", true, 0},
		{"new ids below the old", "(5, DATE '2017-08-01'), (1, DATE '2017-09-01'), (2, DATE '2017-09-01')", true, 0},
		{"only new rows", "(1, DATE '2017-09-01'), (2, DATE '2017-09-01')", true, 0},
		{"interleaved, none repeated", "(1, DATE '2017-08-01'), (3, DATE '2017-08-01'), (2, DATE '2017-09-01')", false, 0},
		{"a new id repeated", "(1, DATE '2017-08-01'), (3, DATE '2017-09-01'), (3, DATE '2017-09-01')", false, 1},
		{"a new id that an old row holds", "(1, DATE '2017-08-01'), (2, DATE '2017-08-01'), (2, DATE '2017-09-01'), (3, DATE '2017-09-01')", false, 1},
		{"new ids sparse (counted DISTINCT)", "(1, DATE '2017-08-01'), (1000, DATE '2017-09-01'), (1000000, DATE '2017-09-01')", true, 0},
		{"new ids sparse, one repeated", "(1, DATE '2017-08-01'), (1000, DATE '2017-09-01'), (1000, DATE '2017-09-01'), (1000000, DATE '2017-09-01')", false, 1},
		{"new ids k and -k (runs disagree, DISTINCT decides)", "(5, DATE '2017-08-01'), (-1, DATE '2017-09-01'), (1, DATE '2017-09-01')", true, 0},
		{"a NULL new id", "(1, DATE '2017-08-01'), (NULL, DATE '2017-09-01'), (3, DATE '2017-09-01')", false, 0},
		{"a NULL month kept apart", "(1, NULL), (2, DATE '2017-09-01')", true, 0},
		{"a NULL month's id repeated", "(2, NULL), (2, DATE '2017-09-01')", false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := setup(t)
			if err := w.Exec(ctx, "CREATE TABLE marts.records AS SELECT * FROM (VALUES "+c.values+") t(id, month)"); err != nil {
				t.Fatal(err)
			}
			compiled, diags := Default().Compile([]*project.Model{modelWith(t, "records", "unique: [id]")})
			if len(diags) != 0 || len(compiled) != 1 {
				t.Fatalf("compile: %v", diags)
			}
			test := Default().OnChangedPartitions(compiled, changed, nil)[0]
			if got := newKeysApart(ctx, w, test); got != c.apart {
				t.Errorf("newKeysApart = %v, want %v", got, c.apart)
			}
			res := Run(ctx, w, []Test{test}, "", nil)[0]
			alone := runOne(ctx, w, test)
			if res.Err != nil || alone.Err != nil || res.Failures != c.fails || alone.Failures != c.fails || res.Sample != alone.Sample {
				t.Errorf("Run %d %q (%v), its query alone %d %q (%v), want %d failing", res.Failures, res.Sample, res.Err, alone.Failures, alone.Sample, alone.Err, c.fails)
			}
		})
	}
	// Text keys are left to the query: under a collation 'a' and 'A' are
	// one key, which count(DISTINCT) does not see.
	for _, typ := range []string{"VARCHAR", "VARCHAR COLLATE NOCASE", "DOUBLE"} {
		w := setup(t)
		if err := w.Exec(ctx, "CREATE TABLE marts.records (id "+typ+", month DATE); INSERT INTO marts.records VALUES ('1', DATE '2017-08-01'), ('2', DATE '2017-09-01')"); err != nil {
			t.Fatal(err)
		}
		compiled, _ := Default().Compile([]*project.Model{modelWith(t, "records", "unique: [id]")})
		if test := Default().OnChangedPartitions(compiled, changed, nil)[0]; newKeysApart(ctx, w, test) {
			t.Errorf("a %s key was proved by ranges", typ)
		}
	}
	// A key of two columns is left to the query.
	w := setup(t)
	if err := w.Exec(ctx, "CREATE TABLE marts.records AS SELECT * FROM (VALUES (1, 'a', DATE '2017-08-01'), (2, 'a', DATE '2017-09-01')) t(id, kind, month)"); err != nil {
		t.Fatal(err)
	}
	compiled, _ := Default().Compile([]*project.Model{modelWith(t, "records", "unique: [id, kind]")})
	if test := Default().OnChangedPartitions(compiled, changed, nil)[0]; newKeysApart(ctx, w, test) {
		t.Error("a two-column key was proved by ranges")
	}
}
