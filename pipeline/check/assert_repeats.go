package check

import (
	"context"

	"jixiao/pipeline/warehouse"
)

// An assert that lists the repeated values of columns of one table,
//
//	SELECT count(*) AS rows, min(unit_code) AS unit_code FROM raw.persons GROUP BY person_key HAVING count(*) > 1
//
// (stg_persons' duplicate_certificates_in_roster), returns no row exactly
// when no combination of those columns repeats: a unique key, which the
// hash of the columns proves more cheaply, as for a unique test (see
// hashedKeyProved; at scale 100, 6.8M certificate numbers: 1.2 s of CPU
// against 1.85 s). Only when a hash repeats does the assert run, to count
// its rows and show them. The assert is read from DuckDB's parse tree, and
// strictly: one table named with its schema, no WHERE, CTE, QUALIFY or
// modifier but ORDER BY, a plain GROUP BY of its columns and HAVING
// count(*) > 1 exactly; anything else runs as written. It must bind too
// (EXPLAIN, which runs nothing): an assert naming a column the table lacks
// reports its error as ever.
func assertNoRepeats(ctx context.Context, w *warehouse.Warehouse, t Test, sizes *tableSizes) bool {
	if t.Kind != "assert" || w.Kind() != warehouse.KindDuckDB {
		return false
	}
	tree, err := w.SelectTree(ctx, t.Query)
	if err != nil {
		return false
	}
	schema, name, cols, ok := repeatsOf(tree)
	if !ok {
		return false
	}
	if _, err := w.Query(ctx, "EXPLAIN "+t.Query, 0); err != nil {
		return false
	}
	return hashedKeyProved(ctx, w, warehouse.QuoteTable(schema, name), schema, name, cols, nil, sizes)
}

// repeatsOf reads a SELECT ... FROM schema.table GROUP BY columns HAVING
// count(*) > 1 and returns the table and the columns; false for any other
// query.
func repeatsOf(node map[string]any) (schema, name string, cols []string, ok bool) {
	if node == nil || node["type"] != "SELECT_NODE" || node["where_clause"] != nil || node["qualify"] != nil ||
		node["sample"] != nil || node["aggregate_handling"] != "STANDARD_HANDLING" {
		return "", "", nil, false
	}
	if ctes, _ := node["cte_map"].(map[string]any); ctes == nil || !isEmptyList(ctes["map"]) {
		return "", "", nil, false
	}
	mods, _ := node["modifiers"].([]any)
	for _, m := range mods {
		if mod, _ := m.(map[string]any); mod["type"] != "ORDER_MODIFIER" {
			return "", "", nil, false
		}
	}
	from, _ := node["from_table"].(map[string]any)
	schema, _ = from["schema_name"].(string)
	name, _ = from["table_name"].(string)
	alias, _ := from["alias"].(string)
	if from["type"] != "BASE_TABLE" || schema == "" || name == "" || from["catalog_name"] != "" || from["at_clause"] != nil ||
		from["sample"] != nil || !isEmptyList(from["column_name_alias"]) {
		return "", "", nil, false
	}
	groups, _ := node["group_expressions"].([]any)
	if len(groups) == 0 || !oneGroupingSet(node["group_sets"], len(groups)) || !isCountStarAboveOne(node["having"]) {
		return "", "", nil, false
	}
	for _, g := range groups {
		col, ok := columnOf(g, alias, name)
		if !ok {
			return "", "", nil, false
		}
		cols = append(cols, col)
	}
	return schema, name, cols, true
}

// columnOf returns the column a plain column reference names: col, or
// table.col with the table's name or alias.
func columnOf(v any, alias, table string) (string, bool) {
	e, _ := v.(map[string]any)
	if e == nil || e["class"] != "COLUMN_REF" {
		return "", false
	}
	names, _ := e["column_names"].([]any)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i], _ = n.(string)
	}
	switch {
	case len(parts) == 1 && parts[0] != "":
		return parts[0], true
	case len(parts) == 2 && parts[1] != "" && (parts[0] == alias || (alias == "" && parts[0] == table)):
		return parts[1], true
	}
	return "", false
}

// isCountStarAboveOne reports whether an expression is count(*) > 1.
func isCountStarAboveOne(v any) bool {
	e, _ := v.(map[string]any)
	if e == nil || e["class"] != "COMPARISON" || e["type"] != "COMPARE_GREATERTHAN" {
		return false
	}
	left, _ := e["left"].(map[string]any)
	right, _ := e["right"].(map[string]any)
	if left == nil || right == nil || left["class"] != "FUNCTION" || left["function_name"] != "count_star" ||
		!isEmptyList(left["children"]) || left["filter"] != nil || left["distinct"] != false || right["class"] != "CONSTANT" {
		return false
	}
	val, _ := right["value"].(map[string]any)
	typ, _ := val["type"].(map[string]any)
	one, _ := val["value"].(float64)
	return typ["id"] == "INTEGER" && val["is_null"] == false && one == 1
}
