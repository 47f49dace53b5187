package check

import (
	"context"
	"fmt"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// KindPartitions is the whole-table check every incremental model gets:
// each partition holds the rows its last build wrote, no partition is
// missing and none is there that no build wrote. It reads the partition
// column alone, so it stays cheap however large the table.
const KindPartitions = "partitions"

// partitionsTest is an incremental model's whole-table check.
func partitionsTest(m *project.Model) Test {
	col := warehouse.QuoteIdent(m.Header.PartitionBy)
	table := warehouse.QuoteTable(m.Schema, m.Name)
	// The partitions of the table and of the record side by side, grouped
	// rather than FULL JOINed: PostgreSQL joins no FULL JOIN on IS NOT
	// DISTINCT FROM, which the NULL partition needs; GROUP BY puts NULLs
	// together on both engines. The table's rows are counted by the
	// column's values first and only then by their text, as the record
	// counts them: casting each row took 0.15 s of stg_service_firsts' 5.4M
	// rows at scale 100, casting its nine months nothing.
	q := fmt.Sprintf(`SELECT part AS partition, max(in_table) AS rows_in_table, max(built) AS rows_built
FROM (SELECT CAST(v AS VARCHAR) AS part, CAST(sum(n) AS BIGINT) AS in_table, CAST(NULL AS BIGINT) AS built
		FROM (SELECT %s AS v, count(*) AS n FROM %s GROUP BY 1) AS by_value GROUP BY 1
	UNION ALL SELECT part, CAST(NULL AS BIGINT), rows FROM meta.partition_rows WHERE model = %s) AS parts
GROUP BY part
HAVING max(in_table) IS DISTINCT FROM max(built)`, col, table, warehouse.QuoteString(m.ID()))
	return Test{Model: m.ID(), Name: "partitions(" + m.Header.PartitionBy + ")", Kind: KindPartitions, Severity: project.SeverityError,
		Query: q, Pos: diag.Pos{File: m.File, Line: 1}}
}

// Changed is what a partitioned model's build changed: the partition
// column, and the condition that picks the rebuilt partitions out.
type Changed struct {
	Column string
	Filter string
}

// OnChangedPartitions returns the tests with those of the models built in
// part (changed, by model id) looking only at the partitions their build
// changed: the rows of a declared test are those partitions' rows; a unique
// key without the partition column is checked for the changed partitions'
// keys across the whole table (one column read), and a key with it within
// those partitions, where nothing else can repeat it. An assert runs as
// written, on what it names; the partitions check reads the whole table; a
// test already guaranteed (GuaranteedByFirstSeen) stays as it is. So does a
// test that reads another table the run changed too (tables, by lower-case
// schema.name: rebuilt models, reloaded sources): a relationship of a row
// kept from before may have lost the row it names (a person gone from the
// roster), which its changed partitions alone would not show.
func (r *Registry) OnChangedPartitions(tests []Test, changed map[string]Changed, tables map[string]bool) []Test {
	out := make([]Test, len(tests))
	for i, t := range tests {
		out[i] = t
		c, ok := changed[t.Model]
		if !ok || c.Filter == "" || t.table == "" || t.Kind == KindPartitions || t.guaranteed != "" || readsAny(t.Refs, tables) {
			continue
		}
		k := r.kinds[t.Kind]
		if _, isAssert := k.(Assert); isAssert || k == nil {
			continue
		}
		part := "(SELECT * FROM " + t.table + " WHERE " + c.Filter + ")"
		if t.scan != nil && t.scan.key != nil && !containsFold(t.scan.key, c.Column) {
			keys := quoteCols(t.scan.key)
			on := make([]string, len(keys))
			for j, k := range keys {
				on[j] = "c." + k + " IS NOT DISTINCT FROM n." + k
			}
			// EXISTS rather than DuckDB's SEMI JOIN, and the key spelt out
			// rather than GROUP BY ALL: the SQL PostgreSQL takes too.
			cols := "c." + strings.Join(keys, ", c.")
			out[i].Query = fmt.Sprintf("SELECT %s, count(*) AS occurrences FROM %s AS c WHERE EXISTS (SELECT 1 FROM %s AS n WHERE %s) GROUP BY %s HAVING count(*) > 1",
				cols, t.table, part, strings.Join(on, " AND "), cols)
			out[i].changedKey = &changedKey{table: t.table, filter: c.Filter, key: t.scan.key}
			out[i].scan = nil
			out[i].table = ""
			continue
		}
		q, _, err := k.Compile(part, t.args)
		if err != nil {
			continue // compiled before: cannot fail now
		}
		out[i].Query, out[i].table = q, part
	}
	return out
}

// readsAny says whether one of refs (lower-case schema.name) is in tables.
func readsAny(refs []string, tables map[string]bool) bool {
	for _, ref := range refs {
		if tables[ref] {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// changedKey is a unique test's key checked for a build's changed
// partitions against the whole table (see OnChangedPartitions).
type changedKey struct {
	table, filter string
	key           []string
}

// newKeysApart reports whether the changed partitions' keys of such a
// test are proved to repeat nowhere by scans cheaper than its own query:
// the changed rows' keys are distinct and not NULL, and all of them lie
// above (or below) every key of the other rows, as new service records'
// ids do. It is the test's own answer, no failing row, reached without
// joining the changed keys to the whole table (at scale 100, September's
// 4.3M service ids against 38.9M: 5.9 s, against about 1 s). Only for an
// integer, date or timestamp key: DuckDB's count(DISTINCT) compares text by
// its bytes, not by its collation as GROUP BY does, and floats have -0 and
// NaN. The changed integer ids, where dense, are proved distinct by
// uniqueBitsQuery rather than count(DISTINCT) (September's 4.3M: 0.15 s
// against 0.64 s). False when the key is not one such column, the ranges
// overlap or anything fails: the test's own query then runs.
func newKeysApart(ctx context.Context, w *warehouse.Warehouse, t Test) bool {
	ck := t.changedKey
	if ck == nil || len(ck.key) != 1 || ck.filter == "" {
		return false
	}
	schema, name, _ := strings.Cut(t.Model, ".")
	types, err := columnTypes(ctx, w, schema, name)
	typ := types[strings.ToLower(ck.key[0])]
	if err != nil || !(integerTypes[typ] || typ == "date" || strings.HasPrefix(typ, "timestamp")) {
		return false
	}
	k := warehouse.QuoteIdent(ck.key[0])
	q := fmt.Sprintf(`SELECT n.all_keys AND coalesce(o.hi < n.lo OR o.lo > n.hi, true), n.keys, CAST(n.lo AS DOUBLE PRECISION), CAST(n.hi AS DOUBLE PRECISION)
FROM (SELECT count(*) = count(%[1]s) AS all_keys, count(%[1]s) AS keys, min(%[1]s) AS lo, max(%[1]s) AS hi
	FROM %[2]s WHERE %[3]s) AS n,
	(SELECT min(%[1]s) AS lo, max(%[1]s) AS hi FROM %[2]s WHERE (%[3]s) IS NOT TRUE) AS o`, k, ck.table, ck.filter)
	var apart *bool
	var keys int64
	var lo, hi *float64
	if err := w.QueryRow(ctx, q, nil, &apart, &keys, &lo, &hi); err != nil || apart == nil || !*apart {
		return false
	}
	changed := "(SELECT * FROM " + ck.table + " WHERE " + ck.filter + ")"
	if integerTypes[typ] && lo != nil && hi != nil && (*hi-*lo+1)/bitsPerRun <= float64(keys)/minPerRun {
		var repeats int64
		if err := w.QueryRow(ctx, uniqueBitsQuery(changed, ck.key[0]), nil, &repeats); err == nil && repeats == 0 {
			return true
		}
	}
	var distinct bool
	if err := w.QueryRow(ctx, fmt.Sprintf("SELECT count(DISTINCT %[1]s) = count(%[1]s) FROM %[2]s AS c", k, changed), nil, &distinct); err != nil {
		return false
	}
	return distinct
}
