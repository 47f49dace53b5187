package render

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// sortRows puts a panel's rows in the order they are drawn, tabled and
// downloaded in: the panel's order: setting when it has one; else, for a
// chart whose x holds dates, date order (a model's table keeps no order:
// its months came out 2月, 3月, 9月, 1月…). The sort is stable, so rows of
// one date keep the order the query gave them.
func sortRows(pn project.Panel, data *warehouse.Result) error {
	terms, _ := pn.OrderTerms()
	if len(terms) == 0 && pn.X != "" && datesIn(data, pn.X) {
		terms = []project.OrderTerm{{Column: pn.X}}
	}
	if len(terms) == 0 {
		return nil
	}
	idx := make([]int, len(terms))
	for i, t := range terms {
		j := indexOf(data.Columns, t.Column)
		if j < 0 {
			return fmt.Errorf("order: %q is not a column of the panel's data (columns: %s)", t.Column, strings.Join(data.Columns, ", "))
		}
		idx[i] = j
	}
	sort.SliceStable(data.Rows, func(a, b int) bool {
		for i, t := range terms {
			va, vb := data.Rows[a][idx[i]], data.Rows[b][idx[i]]
			if (va == nil) != (vb == nil) {
				return vb == nil // NULLs last, whichever the direction
			}
			c := compareCells(va, vb)
			if c == 0 {
				continue
			}
			if t.Desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
	return nil
}

// datesIn reports whether the column holds dates (and nothing else but NULLs).
func datesIn(data *warehouse.Result, col string) bool {
	j := indexOf(data.Columns, col)
	if j < 0 {
		return false
	}
	seen := false
	for _, r := range data.Rows {
		switch r[j].(type) {
		case nil:
		case time.Time:
			seen = true
		default:
			return false
		}
	}
	return seen
}

// compareCells orders two values of one column: numbers by value, dates by
// time, text by its characters; NULLs after the rest.
func compareCells(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	if ta, ok := a.(time.Time); ok {
		if tb, ok := b.(time.Time); ok {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
