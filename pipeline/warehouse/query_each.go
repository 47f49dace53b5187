package warehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// A dashboard repeated over keys (one page per indicator, unit or fund)
// runs each of its panels' queries once per key: 57 indicator pages make
// about 400 queries of a millisecond each, most of it DuckDB planning the
// same statement again. QueryEach runs such a query once for all the keys,
// as a LATERAL join over a list of their values, and hands back each key's
// rows as the query alone would give them, or says it cannot promise that.

// maxEachRows bounds a batched query's rows: beyond it the keys are
// queried one by one, as before, rather than held in memory at once.
const maxEachRows = 200_000

// QueryEach runs query once for every set of parameter values in argSets
// ($1, $2 … in the query; every set the same length, every value a string)
// and returns, for each set, the rows query alone would return with it, at
// most limit of them (0: all). ok is false when that cannot be promised;
// the caller then runs the sets one by one. It is promised only where each
// set's row order is fixed by the query's ORDER BY (no two rows of a set
// tie) or a set has at most one row, and where the first set's rows equal
// those of the query run alone.
func (w *Warehouse) QueryEach(ctx context.Context, query string, argSets [][]any, limit int) (results []*Result, ok bool) {
	if w.pg != nil || len(argSets) < 2 {
		return nil, false // PostgreSQL runs each; one set gains nothing
	}
	params := len(argSets[0])
	if params == 0 {
		return nil, false
	}
	for _, set := range argSets {
		if len(set) != params {
			return nil, false
		}
		for _, v := range set {
			if _, isText := v.(string); !isText {
				return nil, false
			}
		}
	}
	if err := w.RequireSelect(ctx, query); err != nil {
		return nil, false
	}
	batch, hidden, err := w.eachSQL(ctx, query, argSets)
	if err != nil {
		return nil, false
	}
	if err := w.RequireSelect(ctx, batch); err != nil {
		return nil, false
	}
	all, err := w.Query(ctx, batch, maxEachRows+1)
	if err != nil || len(all.Rows) > maxEachRows || len(all.Columns) < 1+len(hidden.orders) {
		return nil, false
	}
	results, ok = splitEach(all, len(argSets), len(hidden.orders), limit)
	if !ok {
		return nil, false
	}
	// The first set, run alone, must give the same columns, types and
	// rows: what the rewrite could change (a column's name or type) shows
	// there.
	alone, err := w.Query(ctx, query, limit, argSets[0]...)
	if err != nil || !reflect.DeepEqual(alone, results[0]) {
		return nil, false
	}
	return results, true
}

// eachOrder is what the batched query orders each set's rows by: the
// hidden columns jixiao_o1… that it adds to the query's select list.
type eachOrder struct {
	orders []string // "jixiao_q.jixiao_o1 DESC NULLS FIRST"
}

// eachSQL rewrites query into one over every set of argSets: each $n
// becomes a column of a VALUES list joined LATERAL, the ORDER BY's terms
// become hidden columns the outer query orders by, after the set's index.
// DuckDB's parser reads and writes the SQL (json_serialize_sql and back),
// so no text of the user's is spliced.
func (w *Warehouse) eachSQL(ctx context.Context, query string, argSets [][]any) (string, eachOrder, error) {
	var js string
	if err := w.duck().QueryRowContext(ctx, "SELECT json_serialize_sql("+QuoteString(query)+")::VARCHAR").Scan(&js); err != nil {
		return "", eachOrder{}, err
	}
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber() // query_location is a uint64 a float64 would round
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return "", eachOrder{}, err
	}
	stmts, _ := tree["statements"].([]any)
	if tree["error"] != false || len(stmts) != 1 {
		return "", eachOrder{}, fmt.Errorf("not one statement")
	}
	stmt, _ := stmts[0].(map[string]any)
	node, _ := stmt["node"].(map[string]any)
	if node == nil || node["type"] != "SELECT_NODE" {
		return "", eachOrder{}, fmt.Errorf("not a plain SELECT")
	}
	if err := bindEachParams(node); err != nil {
		return "", eachOrder{}, err
	}
	hidden, err := hideOrderTerms(node)
	if err != nil {
		return "", eachOrder{}, err
	}
	stmt["named_param_map"] = []any{}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return "", eachOrder{}, err
	}
	var inner string
	if err := w.duck().QueryRowContext(ctx, "SELECT json_deserialize_sql("+QuoteString(buf.String())+"::JSON)").Scan(&inner); err != nil {
		return "", eachOrder{}, err
	}
	params := len(argSets[0])
	cols := []string{"jixiao_i"}
	for n := 1; n <= params; n++ {
		cols = append(cols, fmt.Sprintf("jixiao_p%d", n))
	}
	var values strings.Builder
	for i, set := range argSets {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(%d", i)
		for _, v := range set {
			values.WriteString(", " + QuoteString(v.(string)))
		}
		values.WriteString(")")
	}
	order := append([]string{"jixiao_k.jixiao_i"}, hidden.orders...)
	batch := "SELECT jixiao_k.jixiao_i, jixiao_q.* FROM (VALUES " + values.String() + ") AS jixiao_k(" + strings.Join(cols, ", ") +
		"),\nLATERAL (\n" + inner + "\n) AS jixiao_q\nORDER BY " + strings.Join(order, ", ")
	return batch, hidden, nil
}

// bindEachParams turns every $n of the tree into a reference to the VALUES
// list's column jixiao_pn. A parameter is taken only as one side of an
// equality (col = $1), where a text value compares as the prepared
// statement would compare it, or fails to bind; anywhere else the rewrite
// is refused.
func bindEachParams(v any) error {
	switch t := v.(type) {
	case map[string]any:
		if t["class"] == "PARAMETER" {
			return fmt.Errorf("a parameter outside an equality")
		}
		if t["class"] == "COMPARISON" && t["type"] == "COMPARE_EQUAL" {
			for _, side := range []string{"left", "right"} {
				p, _ := t[side].(map[string]any)
				if p == nil || p["class"] != "PARAMETER" {
					continue
				}
				n, err := strconv.Atoi(fmt.Sprint(p["identifier"]))
				if err != nil || n < 1 {
					return fmt.Errorf("parameter %v", p["identifier"])
				}
				t[side] = map[string]any{"class": "COLUMN_REF", "type": "COLUMN_REF", "alias": "",
					"query_location": p["query_location"], "column_names": []any{"jixiao_k", fmt.Sprintf("jixiao_p%d", n)}}
			}
		}
		for _, c := range t {
			if err := bindEachParams(c); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range t {
			if err := bindEachParams(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// hideOrderTerms moves the query's ORDER BY into hidden select-list
// columns (jixiao_o1…), which the outer query orders by with the same
// directions. A term naming an output column or its position is that
// column's expression; any other term is evaluated as written. DISTINCT,
// LIMIT and collations are refused: a hidden column would change the
// first, the second applies per set, the third may not survive as a
// column.
func hideOrderTerms(node map[string]any) (eachOrder, error) {
	var out eachOrder
	selects, _ := node["select_list"].([]any)
	mods, _ := node["modifiers"].([]any)
	node["modifiers"] = []any{}
	var terms []any
	for _, m := range mods {
		mod, _ := m.(map[string]any)
		if mod == nil || mod["type"] != "ORDER_MODIFIER" || terms != nil {
			return out, fmt.Errorf("modifier %v", mod["type"])
		}
		terms, _ = mod["orders"].([]any)
		if terms == nil {
			terms = []any{}
		}
	}
	for i, t := range terms {
		term, _ := t.(map[string]any)
		if term == nil {
			return out, fmt.Errorf("order term")
		}
		expr, err := orderExpression(term["expression"], selects)
		if err != nil {
			return out, err
		}
		if raw, _ := json.Marshal(expr); bytes.Contains(raw, []byte("COLLATE")) || bytes.Contains(raw, []byte(`"STAR"`)) {
			return out, fmt.Errorf("a collation or * in ORDER BY")
		}
		name := fmt.Sprintf("jixiao_o%d", i+1)
		expr["alias"] = name
		selects = append(selects, expr)
		dir, ok := map[any]string{"ORDER_DEFAULT": "", "ASCENDING": " ASC", "DESCENDING": " DESC"}[term["type"]]
		nulls, ok2 := map[any]string{"ORDER_DEFAULT": "", "NULLS FIRST": " NULLS FIRST", "NULLS LAST": " NULLS LAST"}[term["null_order"]]
		if !ok || !ok2 {
			return out, fmt.Errorf("order %v %v", term["type"], term["null_order"])
		}
		out.orders = append(out.orders, "jixiao_q."+name+dir+nulls)
	}
	node["select_list"] = selects
	return out, nil
}

// orderExpression is a copy of what an ORDER BY term sorts by: the select
// list's expression where the term is a position or an output column's
// name, else the term itself.
func orderExpression(term any, selects []any) (map[string]any, error) {
	e, _ := term.(map[string]any)
	if e == nil {
		return nil, fmt.Errorf("order expression")
	}
	pick := e
	switch e["class"] {
	case "CONSTANT":
		val, _ := e["value"].(map[string]any)
		typ, _ := val["type"].(map[string]any)
		if id := fmt.Sprint(typ["id"]); id == "INTEGER" || id == "BIGINT" {
			n, err := strconv.Atoi(fmt.Sprint(val["value"]))
			if err != nil || n < 1 || n > len(selects) {
				return nil, fmt.Errorf("ORDER BY %v", val["value"])
			}
			pick, _ = selects[n-1].(map[string]any)
		}
	case "COLUMN_REF":
		names, _ := e["column_names"].([]any)
		if len(names) == 1 {
			name := fmt.Sprint(names[0])
			for _, s := range selects {
				sel, _ := s.(map[string]any)
				if sel != nil && strings.EqualFold(fmt.Sprint(sel["alias"]), name) {
					pick = sel
					break
				}
			}
		}
	}
	if pick == nil || pick["class"] == "STAR" {
		return nil, fmt.Errorf("ORDER BY a *")
	}
	return deepCopy(pick).(map[string]any), nil
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(t))
		for k, x := range t {
			c[k] = deepCopy(x)
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i, x := range t {
			c[i] = deepCopy(x)
		}
		return c
	}
	return v
}

// splitEach cuts the batched rows into each set's rows, leaving out the set
// index and the hidden order columns, and checks that each set's order was
// fixed: no two consecutive rows equal in every order column (without
// ORDER BY, no set with more than one row).
func splitEach(all *Result, sets, hidden, limit int) ([]*Result, bool) {
	width := len(all.Columns) - 1 - hidden
	out := make([]*Result, sets)
	for i := range out {
		out[i] = &Result{Columns: all.Columns[1 : 1+width], Types: all.Types[1 : 1+width]}
	}
	var prev []any
	prevSet := -1
	for _, row := range all.Rows {
		i, ok := row[0].(int32)
		if !ok || int(i) < 0 || int(i) >= sets {
			return nil, false
		}
		set := int(i)
		order := row[1+width:]
		if set == prevSet && (hidden == 0 || reflect.DeepEqual(order, prev)) {
			return nil, false // a tie: the query alone may order them either way
		}
		prev, prevSet = order, set
		if limit > 0 && len(out[set].Rows) >= limit {
			continue
		}
		out[set].Rows = append(out[set].Rows, row[1:1+width])
	}
	return out, true
}
