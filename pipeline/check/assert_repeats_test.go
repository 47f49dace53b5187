//go:build duckdb_arrow

package check

import (
	"context"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// An assert listing a table's repeated values passes on DuckDB when no hash
// of the grouped columns repeats; any other assert, one that finds repeats,
// or any assert on PostgreSQL, runs as written: every result is the one
// the assert gives alone.
func TestAssertOfRepeatedValues(t *testing.T) {
	ctx := context.Background()
	withHashedMinRows(t, 0)
	tests := []struct {
		name, query string
		proved      bool // on DuckDB
		failures    int64
		fails       bool // the assert cannot run: an error
	}{
		{"no repeats", "SELECT count(*) AS n, min(unit_code) AS unit_code FROM marts.certs_ok GROUP BY cert_no HAVING count(*) > 1", true, 0, false},
		{"two columns, qualified", "SELECT c.cert_no, count(*) AS n FROM marts.certs_ok AS c GROUP BY c.cert_no, c.unit_code HAVING count(*) > 1 ORDER BY 1", true, 0, false},
		{"repeats", "SELECT count(*) AS n, min(unit_code) AS unit_code FROM marts.certs_dup GROUP BY cert_no HAVING count(*) > 1", false, 2, false},
		{"repeats of two columns", "SELECT cert_no, unit_code FROM marts.certs_dup GROUP BY cert_no, unit_code HAVING count(*) > 1", false, 1, false},
		{"a where", "SELECT cert_no FROM marts.certs_ok WHERE unit_code = 'x' GROUP BY cert_no HAVING count(*) > 1", false, 0, false},
		{"more than two", "SELECT cert_no FROM marts.certs_dup GROUP BY cert_no HAVING count(*) > 2", false, 1, false},
		{"an expression", "SELECT lower(cert_no) AS c FROM marts.certs_ok GROUP BY lower(cert_no) HAVING count(*) > 1", false, 1, false},
		{"a filtered count", "SELECT cert_no FROM marts.certs_ok GROUP BY cert_no HAVING count(*) FILTER (WHERE unit_code IS NOT NULL) > 1", false, 0, false},
		{"under a CTE", "WITH x AS (SELECT 1) SELECT cert_no FROM marts.certs_ok GROUP BY cert_no HAVING count(*) > 1", false, 0, false},
		{"a view", "SELECT cert_no FROM marts.certs_view GROUP BY cert_no HAVING count(*) > 1", false, 2, false},
		{"a column it lacks", "SELECT no_such_column FROM marts.certs_ok GROUP BY cert_no HAVING count(*) > 1", false, 0, true},
	}
	onBothWarehouses(t, func(t *testing.T, w *warehouse.Warehouse) {
		for _, q := range []string{
			"CREATE SCHEMA marts",
			// 'A1' and 'a1' are one certificate to lower(): the assert on an expression finds it.
			"CREATE TABLE marts.certs_ok AS SELECT * FROM (VALUES ('A1', 'x'), ('a1', 'y'), ('B2', 'x'), (NULL, 'z')) AS v(cert_no, unit_code)",
			"CREATE TABLE marts.certs_dup AS SELECT * FROM (VALUES ('A1', 'x'), ('A1', 'x'), ('A1', 'y'), ('B2', 'x'), (NULL, 'x'), (NULL, 'y')) AS v(cert_no, unit_code)",
			"CREATE VIEW marts.certs_view AS SELECT * FROM marts.certs_dup",
		} {
			if err := w.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		duck := w.Kind() == warehouse.KindDuckDB
		for _, tt := range tests {
			compiled, diags := Default().Compile([]*project.Model{modelWith(t, "certs", `assert: "`+tt.query+`"`)})
			if len(diags) != 0 || len(compiled) != 1 {
				t.Fatalf("%s: compile: %v", tt.name, diags)
			}
			if got := assertNoRepeats(ctx, w, compiled[0], readTableSizes(ctx, w)); got != (tt.proved && duck) {
				t.Errorf("%s: proved %v, want %v", tt.name, got, tt.proved && duck)
			}
			got, alone := Run(ctx, w, compiled, "", nil)[0], runOne(ctx, w, compiled[0])
			if got.Status != alone.Status || got.Failures != alone.Failures || !sameSample(got.Sample, alone.Sample) || (got.Err == nil) != (alone.Err == nil) {
				t.Errorf("%s: gave %s/%d/%q (%v), alone %s/%d/%q (%v)", tt.name, got.Status, got.Failures, got.Sample, got.Err,
					alone.Status, alone.Failures, alone.Sample, alone.Err)
			}
			if got.Failures != tt.failures || (got.Status == StatusError) != tt.fails {
				t.Errorf("%s: %s with %d failures, want %d (error %v)", tt.name, got.Status, got.Failures, tt.failures, tt.fails)
			}
		}
	})
}
