package check

import (
	"context"
	"fmt"

	"jixiao/pipeline/warehouse"
)

// A relationship of a few rows to a large table, such as the people a
// month's update added to stg_service_firsts (150k rows at scale 100) and
// the roster (6.8M), is looked up the other way round: the few distinct
// values are hashed and the large table scanned for them, where the test's
// IN hashes the whole large table (0.45 s against 0.17 s there). If every
// value is found, no row can fail and the test passes; otherwise its own
// lookup runs, to count the failing rows and show them. DuckDB only, and
// only where the rows tested are under a quarter of the other table's and
// that table has hashedMinRows rows or more: a full build's lookup (5.4M
// rows in 6.8M) took twice as long the other way round.
func probeRelationships(ctx context.Context, w *warehouse.Warehouse, tests []Test, sizes *tableSizes) map[int]bool {
	if w.Kind() != warehouse.KindDuckDB {
		return nil
	}
	var proved map[int]bool
	for i, t := range tests {
		if t.guaranteed != "" || t.scan == nil || t.scan.rel == nil || t.table == "" {
			continue
		}
		if relationshipFound(ctx, w, t, sizes) {
			if proved == nil {
				proved = map[int]bool{}
			}
			proved[i] = true
		}
	}
	return proved
}

// relationshipFound reports whether every value of the test's column is
// found in the other table, by the probe above; false when the probe does
// not apply or cannot run. Sizes are DuckDB's estimates of tables: a view
// (which counting would run) takes no probe.
func relationshipFound(ctx context.Context, w *warehouse.Warehouse, t Test, sizes *tableSizes) bool {
	rel := t.scan.rel
	if len(t.Refs) != 1 {
		return false
	}
	others, ok := sizes.rows(t.Refs[0])
	if !ok || others < hashedMinRows {
		return false
	}
	rows, ok := sizes.rows(t.Model)
	if !ok {
		return false
	}
	if !wholeTable(t) { // the partitions a build changed
		if err := w.QueryRow(ctx, "SELECT count(*) FROM "+t.table+" AS c", nil, &rows); err != nil {
			return false
		}
	}
	if rows*4 >= others {
		return false
	}
	// The test itself must bind: the probe's IN binds where the test's
	// does not (columns of two collations).
	if _, err := w.Query(ctx, "EXPLAIN "+t.Query, 0); err != nil {
		return false
	}
	var missing int64
	err := w.QueryRow(ctx, fmt.Sprintf(`WITH wanted AS (SELECT DISTINCT c.%[1]s AS v FROM %[2]s AS c WHERE c.%[1]s IS NOT NULL),
found AS (SELECT DISTINCT p.%[3]s AS v FROM %[4]s AS p WHERE p.%[3]s IN (SELECT v FROM wanted))
SELECT count(*) FROM wanted WHERE NOT (v IN (SELECT v FROM found))`, rel.column, t.table, rel.field, rel.to), nil, &missing)
	return err == nil && missing == 0
}
