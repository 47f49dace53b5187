package check

import (
	"context"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/warehouse"
)

// scanPart is a test as one part of a scan of its model (aliased c) that
// several tests share: a condition on each row, a key whose values must not
// repeat, or a lookup in another table.
type scanPart struct {
	// cond is true on a failing row.
	cond string
	// key, for unique: the columns whose combinations must not repeat.
	key []string
	// rel, for relationships: c.column must be found in to.field.
	rel *relJoin
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
	done  bool
	// counts holds each test's failures once the query has run; nil when
	// it failed, and each test then runs alone to report its own error.
	counts map[int]int64
}

// scanPlan maps each test counted in a shared scan to its group.
type scanPlan map[int]*scanGroup

// planScans groups the tests that can share a scan of the table they read:
// row conditions, lookups, and one unique key per scan. A model with a
// single such test keeps its own query.
func planScans(tests []Test) scanPlan {
	byTable := map[string][]int{}
	var order []string
	for i, t := range tests {
		if t.scan == nil || t.table == "" {
			continue
		}
		if _, ok := byTable[t.table]; !ok {
			order = append(order, t.table)
		}
		byTable[t.table] = append(byTable[t.table], i)
	}
	plan := scanPlan{}
	for _, table := range order {
		var members []int
		keyed := false
		for _, i := range byTable[table] {
			if tests[i].scan.key != nil {
				if keyed {
					continue // a second key is a second grouping: its own query
				}
				keyed = true
			}
			members = append(members, i)
		}
		if len(members) < 2 {
			continue
		}
		g := &scanGroup{tests: members, query: scanQuery(table, tests, members)}
		for _, i := range members {
			plan[i] = g
		}
	}
	return plan
}

// scanQuery counts each member's failures in one pass over table: one
// column per test, in the members' order.
func scanQuery(table string, tests []Test, members []int) string {
	var joins, counts []string
	var key []string
	for n, i := range members {
		p := tests[i].scan
		switch {
		case p.key != nil:
			key = quoteCols(p.key)
			counts = append(counts, "") // filled in below
			continue
		case p.rel != nil:
			alias := fmt.Sprintf("r%d", n)
			// The other table's distinct values: the join keeps one row per
			// row of the model.
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
	if key == nil {
		return "SELECT " + strings.Join(counts, ", ") + "\nFROM " + from
	}
	// With a key, rows are grouped by it: the key's failures are its groups
	// of more than one row, the others' the sums of their groups' counts.
	inner := []string{"count(*) AS jixiao_rows"}
	outer := make([]string, len(counts))
	for n, c := range counts {
		if c == "" {
			outer[n] = "count(*) FILTER (WHERE jixiao_rows > 1)"
			continue
		}
		inner = append(inner, fmt.Sprintf("%s AS f%d", c, n))
		outer[n] = fmt.Sprintf("coalesce(sum(f%d), 0)::BIGINT", n)
	}
	gk := make([]string, len(key))
	for i, k := range key {
		gk[i] = "c." + k
	}
	return "SELECT " + strings.Join(outer, ", ") + "\nFROM (SELECT " + strings.Join(inner, ", ") + "\nFROM " + from +
		"\nGROUP BY " + strings.Join(gk, ", ") + ") AS per_key"
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
