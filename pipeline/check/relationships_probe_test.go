//go:build duckdb_arrow

package check

import (
	"context"
	"testing"

	"jixiao/pipeline/project"
)

// A relationship of a few rows to a large table passes by the probe only
// when every value is found; otherwise, or where the probe does not apply,
// the test's own lookup runs. Either way the result is the one the test
// gives alone.
func TestRelationshipProbedFromTheFewRows(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	withHashedMinRows(t, 0)
	if err := w.Exec(ctx, `CREATE TABLE marts.people AS SELECT 'p' || i AS person_key FROM range(40) t(i);
		CREATE TABLE marts.few AS SELECT * FROM (VALUES ('p1', 1, DATE '2017-08-01'), ('p2', 1, DATE '2017-09-01'), (NULL, 2, DATE '2017-09-01')) t(person_key, n, month);
		CREATE TABLE marts.missing AS SELECT * FROM (VALUES ('p1', 1, DATE '2017-08-01'), ('p2', 1, DATE '2017-09-01'), ('x9', 2, DATE '2017-09-01')) t(person_key, n, month);
		CREATE TABLE marts.many AS SELECT 'p' || (i % 41) AS person_key, DATE '2017-09-01' AS month FROM range(12) t(i);`); err != nil {
		t.Fatal(err)
	}
	rel := "relationships: {column: person_key, to: marts.people}"
	tests := []struct {
		model   string
		changed *Changed // the tests read these partitions only
		tables  map[string]bool
		probed  bool
		fails   int64
	}{
		{"few", nil, nil, true, 0},
		{"few", &Changed{Column: "month", Filter: "month >= DATE '2017-09-01'"}, nil, true, 0},
		{"missing", nil, nil, false, 1},
		{"missing", &Changed{Column: "month", Filter: "month < DATE '2017-09-01'"}, nil, true, 0},
		// The other table changed in the run too: every row is looked up.
		{"missing", &Changed{Column: "month", Filter: "month < DATE '2017-09-01'"}, map[string]bool{"marts.people": true}, false, 1},
		{"many", nil, nil, false, 0}, // 12 rows of 40: the probe does not pay
	}
	for _, tt := range tests {
		compiled, diags := Default().Compile([]*project.Model{modelWith(t, tt.model, rel), modelWith(t, tt.model, "not_null: [month]")})
		if len(diags) != 0 || len(compiled) != 2 {
			t.Fatalf("compile: %v", diags)
		}
		if tt.changed != nil {
			compiled = Default().OnChangedPartitions(compiled, map[string]Changed{"marts." + tt.model: *tt.changed}, tt.tables)
		}
		if got := relationshipFound(ctx, w, compiled[0], readTableSizes(ctx, w)); got != tt.probed {
			t.Errorf("%s %v: probed %v, want %v", tt.model, tt.changed, got, tt.probed)
		}
		res := Run(ctx, w, compiled, "", nil)
		alone := runOne(ctx, w, compiled[0])
		if res[0].Err != nil || res[0].Failures != tt.fails || alone.Failures != tt.fails || res[0].Sample != alone.Sample {
			t.Errorf("%s %v: %s/%d/%q (%v), alone %d/%q; want %d failing", tt.model, tt.changed, res[0].Status, res[0].Failures, res[0].Sample, res[0].Err,
				alone.Failures, alone.Sample, tt.fails)
		}
		if res[1].Status != StatusPass {
			t.Errorf("%s: not_null %s (%v)", tt.model, res[1].Status, res[1].Err)
		}
	}
}
