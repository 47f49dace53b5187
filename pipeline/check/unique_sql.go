package check

import (
	"context"
	"encoding/json"
	"strings"

	"jixiao/pipeline/warehouse"
)

// A model built whole is its SQL's result, and when that SQL's top-level
// SELECT groups by exactly the columns of a unique key (or selects DISTINCT
// exactly them), no key can repeat: the test passes without reading the
// table, and its result says why. Only the model's own SQL, as DuckDB
// parses it, decides, and the reading is strict: anything but a plain
// SELECT ... GROUP BY (a HAVING, QUALIFY, window, UNION, GROUPING SETS,
// GROUP BY ALL or by position, a key column that is not the very
// expression grouped by, a select item whose name is not plain) leaves the
// test to run. A model updated by partitions is not its SQL's result: rows
// inserted beside rows kept from before could repeat a key, so its tests
// run as ever (see OnChangedPartitions). stg_service_firsts' key at scale
// 100: 0.6-0.7 s of grouping saved on a whole build.

// GuaranteedNote is the sample of a test its model's SQL guarantees.
const GuaranteedNote = "由模型 SQL 的 GROUP BY 保证（本次运行整表重建），未扫描"

// guaranteedDistinctNote is GuaranteedNote for SELECT DISTINCT.
const guaranteedDistinctNote = "由模型 SQL 的 SELECT DISTINCT 保证（本次运行整表重建），未扫描"

// GuaranteedBySQL returns the tests with every unique test of a model this
// run built whole (wholeSQL: model id to the SQL it was built from), whose
// SQL guarantees the key (by GROUP BY, DISTINCT or row_number() = 1, see
// dedupe), marked to pass without a query, and an assert of the repeats in
// the table such a model deduplicates marked to be answered by counts.
func GuaranteedBySQL(ctx context.Context, w *warehouse.Warehouse, tests []Test, wholeSQL map[string]string) []Test {
	// DuckDB's parser reads the SQL: PostgreSQL's functions that return
	// rows in a select list (generate_series) are not known to it.
	if w.Kind() != warehouse.KindDuckDB {
		return tests
	}
	out := make([]Test, len(tests))
	trees := map[string]map[string]any{}
	columns := map[string]map[string]bool{} // schema.table -> its columns, lower case
	tableColumns := func(schema, name string) map[string]bool {
		key := strings.ToLower(schema + "." + name)
		if cols, ok := columns[key]; ok {
			return cols
		}
		cols := map[string]bool{}
		if list, err := w.Columns(ctx, schema, name); err == nil {
			for _, c := range list {
				cols[strings.ToLower(c.Name)] = true
			}
		}
		columns[key] = cols
		return cols
	}
	for i, t := range tests {
		out[i] = t
		sql, ok := wholeSQL[t.Model]
		if !ok || !wholeTable(t) {
			continue
		}
		isKey := t.Kind == "unique" && t.scan != nil && len(t.scan.key) > 0
		if !isKey && t.Kind != "assert" {
			continue
		}
		tree, parsed := trees[t.Model]
		if !parsed {
			tree, _ = w.SelectTree(ctx, sql) // nil when it does not parse: the test runs
			trees[t.Model] = tree
		}
		if isKey {
			out[i].guaranteed = keyGuaranteed(tree, t.scan.key)
			if d, ok := dedupeOf(tree); ok && out[i].guaranteed == "" && d.guarantees(t.scan.key) && d.verify(tableColumns(d.schema, d.table)) {
				out[i].guaranteed = dedupeNote
			}
			continue
		}
		// An assert of the repeats in the table the model deduplicates,
		// by columns of that table (GROUP BY kk could name a select item).
		d, ok := dedupeOf(tree)
		if !ok || !d.exact || !d.verify(tableColumns(d.schema, d.table)) {
			continue
		}
		assertTree, err := w.SelectTree(ctx, t.Query)
		if err != nil {
			continue
		}
		schema, name, cols, ok := repeatsOf(assertTree)
		if !ok || !d.countsRepeats(schema, name, cols) {
			continue
		}
		real := tableColumns(schema, name)
		for _, c := range cols {
			ok = ok && real[strings.ToLower(c)]
		}
		if ok {
			out[i].rowsMatch = schema + "." + name
		}
	}
	return out
}

// FirstSeenNote is the sample of a unique test that a first_seen update
// guarantees (see GuaranteedByFirstSeen).
const FirstSeenNote = "由 first_seen 增量构建保证（新增的键经模型 SQL 的 GROUP BY 去重，且不含表中已有的键；此前检验通过），未扫描"

// FirstSeenBuild is a model this run updated by first_seen: the SQL it was
// built from and its first_seen key.
type FirstSeenBuild struct {
	SQL string
	Key []string
}

// GuaranteedByFirstSeen returns the tests with the unique test of each
// model updated by first_seen (builds, by model id) marked to pass without
// a query, where that holds by construction. Such an update keeps the rows
// before the first changed month and adds only keys the table does not
// hold (an anti join on the first_seen key); when the model's SQL groups by
// exactly that key, the added keys do not repeat among themselves either.
// So the table is unique on the key if it was before the update, which
// passedBefore says: the test's newest result passed, after the model's
// last build, which was of the same SQL (not, say, of a version that was
// a plain table in between and left other rows). Otherwise, or for any other
// key, the test runs. At scale 100 this was September's 4.3M keys looked
// up in the whole table's 5.3M, about 4 s of a month's 6.7 s of tests.
// Call it before OnChangedPartitions, which leaves guaranteed tests alone.
// Not on PostgreSQL, where the anti join compares the keys as text, which
// can tell apart values GROUP BY takes for one (1.0 and 1.00, -0 and 0).
func GuaranteedByFirstSeen(ctx context.Context, w *warehouse.Warehouse, tests []Test, builds map[string]FirstSeenBuild, passedBefore func(Test) bool) []Test {
	if w.Kind() != warehouse.KindDuckDB {
		return tests
	}
	out := make([]Test, len(tests))
	trees := map[string]map[string]any{}
	for i, t := range tests {
		out[i] = t
		b, ok := builds[t.Model]
		if !ok || t.Kind != "unique" || t.scan == nil || !sameColumns(t.scan.key, b.Key) || !wholeTable(t) || !passedBefore(t) {
			continue
		}
		tree, parsed := trees[t.Model]
		if !parsed {
			tree, _ = w.SelectTree(ctx, b.SQL)
			trees[t.Model] = tree
		}
		if keyGuaranteed(tree, t.scan.key) == GuaranteedNote {
			out[i].guaranteed = FirstSeenNote
		}
	}
	return out
}

// sameColumns reports whether a and b name the same columns, in any order.
func sameColumns(a, b []string) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !containsFold(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !containsFold(a, x) {
			return false
		}
	}
	return true
}

// wholeTable reports whether t reads its model's whole table, not a
// build's changed partitions.
func wholeTable(t Test) bool {
	schema, name, ok := strings.Cut(t.Model, ".")
	return ok && t.table == warehouse.QuoteTable(schema, name)
}

// keyGuaranteed returns the note of a key that the SELECT node guarantees
// unique, or "" when it does not, or may not.
func keyGuaranteed(node map[string]any, key []string) string {
	if node == nil || node["type"] != "SELECT_NODE" || node["having"] != nil || node["qualify"] != nil ||
		node["sample"] != nil || node["aggregate_handling"] != "STANDARD_HANDLING" {
		return ""
	}
	distinct := false
	mods, _ := node["modifiers"].([]any)
	for _, m := range mods {
		mod, _ := m.(map[string]any)
		switch {
		case mod["type"] == "ORDER_MODIFIER":
		case mod["type"] == "DISTINCT_MODIFIER" && isEmptyList(mod["distinct_on_targets"]):
			distinct = true
		default:
			return "" // DISTINCT ON, LIMIT, anything else
		}
	}
	items, _ := node["select_list"].([]any)
	byName := map[string]string{} // output name -> expression, as JSON without names or positions
	for _, it := range items {
		item, _ := it.(map[string]any)
		name := outputName(item)
		if name == "" || hasWindow(item) {
			return ""
		}
		if _, dup := byName[name]; dup {
			return ""
		}
		byName[name] = exprKey(item)
	}
	// Each key column is one select item, and together they are the
	// grouped expressions (or, with DISTINCT, every select item).
	keyExprs := map[string]bool{}
	for _, k := range key {
		e, ok := byName[strings.ToLower(k)]
		if !ok {
			return ""
		}
		keyExprs[e] = true
	}
	groups, _ := node["group_expressions"].([]any)
	switch {
	case distinct && len(groups) == 0:
		if len(byName) != len(keyExprs) || len(key) != len(items) {
			return ""
		}
		return guaranteedDistinctNote
	case distinct || len(groups) == 0 || !oneGroupingSet(node["group_sets"], len(groups)):
		return ""
	}
	grouped := map[string]bool{}
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		if gm == nil || gm["class"] == "CONSTANT" {
			return "" // GROUP BY 1: by position
		}
		grouped[exprKey(gm)] = true
	}
	if len(grouped) != len(keyExprs) || len(key) != len(groups) {
		return ""
	}
	for e := range keyExprs {
		if !grouped[e] {
			return ""
		}
	}
	return GuaranteedNote
}

// outputName is a select item's column name in the model's table: its
// alias, or a plain column's name; "" when DuckDB would make one up (an
// unnamed expression, a *).
func outputName(item map[string]any) string {
	if a, _ := item["alias"].(string); a != "" {
		return strings.ToLower(a)
	}
	if item["class"] != "COLUMN_REF" {
		return ""
	}
	names, _ := item["column_names"].([]any)
	if len(names) == 0 {
		return ""
	}
	n, _ := names[len(names)-1].(string)
	return strings.ToLower(n)
}

// exprKey is an expression as JSON with its alias and positions left out:
// equal for the same expression written in the select list and GROUP BY.
func exprKey(e map[string]any) string {
	b, err := json.Marshal(stripped(e, true))
	if err != nil {
		return "\x00unreadable"
	}
	return string(b)
}

func stripped(v any, top bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range t {
			if k == "query_location" || (top && k == "alias") {
				continue
			}
			out[k] = stripped(c, false)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, c := range t {
			out[i] = stripped(c, false)
		}
		return out
	}
	return v
}

// hasWindow reports whether an expression holds a window function.
func hasWindow(v any) bool {
	return findNode(v, func(n map[string]any) (bool, bool) { return n["class"] == "WINDOW", false })
}

// findNode reports whether a parse tree holds a node that match says is
// found; match's second result stops the search below a node.
func findNode(v any, match func(map[string]any) (found, stop bool)) bool {
	switch t := v.(type) {
	case map[string]any:
		found, stop := match(t)
		if found || stop {
			return found
		}
		for _, c := range t {
			if findNode(c, match) {
				return true
			}
		}
	case []any:
		for _, c := range t {
			if findNode(c, match) {
				return true
			}
		}
	}
	return false
}

// oneGroupingSet reports whether the grouping sets are the one set of all n
// grouped expressions: a plain GROUP BY, no ROLLUP, CUBE or GROUPING SETS.
func oneGroupingSet(v any, n int) bool {
	sets, _ := v.([]any)
	if len(sets) != 1 {
		return false
	}
	set, _ := sets[0].([]any)
	if len(set) != n {
		return false
	}
	seen := map[float64]bool{}
	for _, x := range set {
		f, ok := x.(float64)
		if !ok || f < 0 || int(f) >= n || seen[f] {
			return false
		}
		seen[f] = true
	}
	return true
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return v == nil || (ok && len(l) == 0)
}
