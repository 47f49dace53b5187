package render

import (
	"fmt"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// PageQuery is a query the site runs (a page's each, a panel's rows) as
// jixiao check binds it: the query, where it is written, and the settings
// that name its columns.
type PageQuery struct {
	// What names it in messages: `panel "标题"` or "each".
	What string
	// Query is the SQL as the page runs it, {key} and {title} as
	// parameters; for a model panel, SELECT * FROM the model.
	Query string
	// Model is the model a model panel (or each: model:) reads, else "".
	Model string
	// SQLAt is where the user's own SQL starts (its line 1), when the query
	// is theirs; DuckDB's LINE n is then SQLAt.Line + n - 1.
	SQLAt diag.Pos
	Own   bool
	// Fields are the settings that name columns of the query's result.
	Fields []FieldRef
}

// FieldRef is a setting naming a column (x: unit_name), with its place.
type FieldRef struct {
	Setting string
	Column  string
	Pos     diag.Pos
}

// PageQueries lists every query of every page with the settings that name
// its columns.
func PageQueries(p *project.Project) []PageQuery {
	var out []PageQuery
	for _, pg := range p.Pages {
		if e := pg.Each; e != nil {
			q := PageQuery{What: "each", Own: e.SQL != "", Query: e.SQL, SQLAt: e.At["sql"]}
			if e.Model != "" {
				m, err := modelOf(p, e.Model)
				if err != nil {
					continue // reported by project loading
				}
				q.Model, q.Query = m.ID(), "SELECT * FROM "+warehouse.QuoteTable(m.Schema, m.Name)
			}
			for _, f := range []struct{ setting, column string }{{"key", e.Key}, {"title", e.Title}} {
				if f.column != "" {
					q.Fields = append(q.Fields, FieldRef{Setting: "each." + f.setting, Column: f.column, Pos: atOr(e.At, f.setting, pg.Pos)})
				}
			}
			out = append(out, q)
		}
		for _, pn := range pg.Panels {
			q := PageQuery{What: fmt.Sprintf("panel %q", pn.Title), Fields: panelFields(pn)}
			if pn.Model != "" {
				m, err := modelOf(p, pn.Model)
				if err != nil {
					continue // reported by Validate
				}
				q.Model, q.Query = m.ID(), "SELECT * FROM "+warehouse.QuoteTable(m.Schema, m.Name)
			} else {
				q.Query, _ = instance{}.bindSQL(pn.SQL)
				q.Own, q.SQLAt = true, pn.AtOr("sql")
			}
			out = append(out, q)
		}
	}
	return out
}

// panelFields are the settings of a panel that name columns of its rows.
func panelFields(pn project.Panel) []FieldRef {
	var out []FieldRef
	add := func(setting, column string) {
		if column != "" {
			out = append(out, FieldRef{Setting: setting, Column: column, Pos: pn.AtOr(setting)})
		}
	}
	add("x", pn.X)
	for _, y := range pn.Y {
		add("y", y)
	}
	for _, s := range []struct{ setting, column string }{{"series", pn.Series}, {"value", pn.Value}, {"delta", pn.Delta},
		{"max", pn.Max}, {"status", pn.Status}, {"filter", pn.Filter}} {
		add(s.setting, s.column)
	}
	terms, _ := pn.OrderTerms()
	for _, t := range terms {
		add("order", t.Column)
	}
	return out
}

func atOr(at map[string]diag.Pos, key string, fallback diag.Pos) diag.Pos {
	if pos, ok := at[key]; ok {
		return pos
	}
	return fallback
}

// CheckFields reports each setting of q that names a column its result does
// not have, at the setting's line, with the nearest column as a hint.
func CheckFields(q PageQuery, columns []string, diags *diag.List) {
	known := map[string]bool{}
	for _, c := range columns {
		known[c] = true
	}
	of := "the query's result"
	if q.Model != "" {
		of = q.Model
	}
	for _, f := range q.Fields {
		if known[f.Column] {
			continue
		}
		diags.Errorf(f.Pos, "%s: %s: %s has no column %q%s (its columns: %s)", q.What, f.Setting, of, f.Column,
			diag.DidYouMean(f.Column, columns), strings.Join(columns, ", "))
	}
}
