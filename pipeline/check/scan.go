package check

import (
	"context"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/warehouse"
)

// scanPart is a test as one part of a scan of its model (aliased c) that
// several tests share: a condition on each row, or a lookup in another
// table. A unique key is kept here too, for OnChangedPartitions, but a key
// is never counted in a shared scan (see planScans).
type scanPart struct {
	// cond is true on a failing row.
	cond string
	// key, for unique: the columns whose combinations must not repeat.
	key []string
	// rel, for relationships: c.column must be found in to.field.
	rel *relJoin
	// notNull, for not_null: its columns, which DuckDB's statistics may
	// prove hold no NULL (see proveByStats).
	notNull []string
	// accepted, for accepted_values: its column, whose few values DuckDB
	// can count by value instead of comparing each row (see proveByStats).
	accepted string
}

type relJoin struct{ column, to, field string }

// scanner is a kind whose tests can share a scan.
type scanner interface {
	scanPart(args *yaml.Node) (scanPart, error)
}

// scanGroup is the tests of one model counted in one query.
type scanGroup struct {
	tests []int // indexes into the run's tests
	query string
	// lone is a lookup counted alone, which must bind as written (the
	// scan's IN binds where its NOT EXISTS does not: two collations).
	lone bool
	done bool
	// counts holds each test's failures once the query has run; nil when
	// it failed, and each test then runs alone to report its own error.
	counts map[int]int64
}

// scanPlan maps each test counted in a shared scan to its group.
type scanPlan map[int]*scanGroup

// planScans groups the tests that can share a scan of the table they read:
// row conditions and lookups. A model with a single such test keeps its own
// query (on DuckDB, but for a lookup), and so does every unique key:
// counted in a shared scan, the rows are grouped by the key and each other
// test's count becomes an aggregate kept per key, which made the hash table
// wider and the scan slower than the key alone plus a plain scan for the
// rest (staging.stg_services at scale 10: 1.13 s against 0.65 s + 0.02 s).
// The tests in done are left out: they are settled already (see
// probeRelationships and proveByStats).
func planScans(tests []Test, kind string, done map[int]bool) scanPlan {
	byTable := map[string][]int{}
	var order []string
	for i, t := range tests {
		if t.scan == nil || t.scan.key != nil || t.table == "" || done[i] {
			continue
		}
		if _, ok := byTable[t.table]; !ok {
			order = append(order, t.table)
		}
		byTable[t.table] = append(byTable[t.table], i)
	}
	plan := scanPlan{}
	for _, table := range order {
		members := byTable[table]
		// A lookup alone is counted by the scan's IN too: as written (NOT
		// EXISTS, its rows counted) DuckDB took 3.1 s for
		// staging.stg_service_firsts' 5.3M person keys against 1.2-1.4 s.
		if len(members) < 2 && (kind != warehouse.KindDuckDB || tests[members[0]].scan.rel == nil) {
			continue
		}
		g := &scanGroup{tests: members, query: scanQuery(table, tests, members, kind), lone: len(members) == 1}
		for _, i := range members {
			plan[i] = g
		}
	}
	return plan
}

// scanQuery counts each member's failures in one pass over table: one
// column per test, in the members' order. A relationship is a lookup in
// the other table's values: on DuckDB an IN, which it answers by a mark
// join on the other table as it is (staging.stg_service_firsts' 5.4M person
// keys in the roster's 6.8M at scale 100: 1.2 s of CPU, against 2.8 s for
// the join to the roster's distinct keys); on PostgreSQL, whose IN would
// scan a subquery too large to hash once per row, a join to the other
// table's distinct values, which keeps one row per row of the model.
func scanQuery(table string, tests []Test, members []int, kind string) string {
	var joins, counts []string
	for n, i := range members {
		p := tests[i].scan
		switch {
		case p.rel != nil && kind == warehouse.KindDuckDB:
			// The other table's NULLs left out: a key found nowhere is then
			// false, not NULL, as NOT EXISTS has it.
			counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE c.%s IS NOT NULL AND NOT (c.%s IN (SELECT %s FROM %s WHERE %s IS NOT NULL)))",
				p.rel.column, p.rel.column, p.rel.field, p.rel.to, p.rel.field))
		case p.rel != nil:
			alias := fmt.Sprintf("r%d", n)
			joins = append(joins, fmt.Sprintf("LEFT JOIN (SELECT DISTINCT %s AS k FROM %s) AS %s ON %s.k = c.%s", p.rel.field, p.rel.to, alias, alias, p.rel.column))
			counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE c.%s IS NOT NULL AND %s.k IS NULL)", p.rel.column, alias))
		default:
			counts = append(counts, "count(*) FILTER (WHERE "+p.cond+")")
		}
	}
	from := table + " AS c"
	if len(joins) > 0 {
		from += "\n" + strings.Join(joins, "\n")
	}
	return "SELECT " + strings.Join(counts, ", ") + "\nFROM " + from
}

// failures returns test i's count of failing rows from its shared scan,
// running the scan when the first of its tests comes; false when the test
// is not in one, or the scan could not run.
func (p scanPlan) failures(ctx context.Context, w *warehouse.Warehouse, tests []Test, i int) (int64, bool) {
	g := p[i]
	if g == nil {
		return 0, false
	}
	if !g.done {
		g.done = true
		if g.lone {
			if _, err := w.Query(ctx, "EXPLAIN "+tests[i].Query, 0); err != nil {
				return 0, false
			}
		}
		if res, err := w.Query(ctx, g.query, 1); err == nil && len(res.Rows) == 1 {
			g.counts = map[int]int64{}
			for n, idx := range g.tests {
				v, ok := toInt(res.Rows[0][n])
				if !ok {
					g.counts = nil
					break
				}
				g.counts[idx] = v
			}
		}
	}
	n, ok := g.counts[i]
	return n, ok
}

func toInt(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int32:
		return int64(t), true
	case uint64:
		return int64(t), true
	case float64:
		return int64(t), true
	}
	if s, ok := v.(fmt.Stringer); ok {
		var n int64
		_, err := fmt.Sscan(s.String(), &n)
		return n, err == nil
	}
	return 0, false
}
