package render

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// instance is one page as written: a declaration, or one repetition of a
// declaration with each.
type instance struct {
	decl  *project.Page
	file  string
	key   string
	title string
	// siblings are the other pages of the same declaration; related, the
	// form pages repeated over the same key (a fund's forms).
	siblings []navItem
	related  []navItem
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// expandPages orders the declarations and repeats those with each over the
// rows of their model or query.
func expandPages(ctx context.Context, w *warehouse.Warehouse, p *project.Project) ([]instance, []navItem, error) {
	decls := append([]*project.Page(nil), p.Pages...)
	sort.SliceStable(decls, func(i, j int) bool {
		if decls[i].Order != decls[j].Order {
			return decls[i].Order < decls[j].Order
		}
		return decls[i].Slug < decls[j].Slug
	})
	var out []instance
	var nav []navItem
	for i, d := range decls {
		if d.Each == nil {
			file := d.Slug + ".html"
			if i == 0 || d.Slug == "index" {
				file = "index.html"
			}
			out = append(out, instance{decl: d, file: file, title: d.Title})
			nav = append(nav, navItem{Title: navTitle(d.Title), Href: file})
			continue
		}
		query := d.Each.SQL
		if d.Each.Model != "" {
			m, err := modelOf(p, d.Each.Model)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: each: %w", d.Pos, err)
			}
			query = fmt.Sprintf("SELECT DISTINCT %s, %s FROM %s ORDER BY 1", warehouse.QuoteIdent(d.Each.Key), warehouse.QuoteIdent(d.Each.Title),
				warehouse.QuoteTable(m.Schema, m.Name))
		}
		rows, err := w.Query(ctx, query, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: each: %s", d.Pos, warehouse.FirstLine(err))
		}
		ki, ti := indexOf(rows.Columns, d.Each.Key), indexOf(rows.Columns, d.Each.Title)
		if ki < 0 || ti < 0 {
			return nil, nil, fmt.Errorf("%s: each: the rows have no column %q or %q (columns: %s)", d.Pos, d.Each.Key, d.Each.Title, strings.Join(rows.Columns, ", "))
		}
		var group []instance
		var siblings []navItem
		for _, r := range rows.Rows {
			key, title := FormatCell(r[ki], ""), FormatCell(r[ti], "month")
			file := d.Slug + "-" + strings.Trim(unsafeFileChars.ReplaceAllString(key, "_"), "_") + ".html"
			group = append(group, instance{decl: d, file: file, key: key, title: title})
			siblings = append(siblings, navItem{Title: title, Href: file})
		}
		for j := range group {
			group[j].siblings = siblings
		}
		out = append(out, group...)
		// A fund's forms are reached from the fund's page, not the navigation.
		if len(group) > 0 && !isFormKind(d.Kind) {
			nav = append(nav, navItem{Title: navTitle(d.Title), Href: group[0].file})
		}
	}
	linkForms(out)
	return out, nav, nil
}

// linkForms links each page repeated over a key to the form pages
// repeated over the same key column with the same value.
func linkForms(pages []instance) {
	for i := range pages {
		p := &pages[i]
		if p.decl.Each == nil || isFormKind(p.decl.Kind) {
			continue
		}
		for _, f := range pages {
			if isFormKind(f.decl.Kind) && f.decl.Each != nil && f.decl.Each.Key == p.decl.Each.Key && f.key == p.key {
				p.related = append(p.related, navItem{Title: navTitle(f.decl.Title), Href: f.file})
			}
		}
	}
}

// navTitle is a repeated page's name in the navigation: its title without
// the {title} part (各单位：{title} -> 各单位).
func navTitle(t string) string {
	t = strings.ReplaceAll(t, "{title}", "")
	t = strings.ReplaceAll(t, "{key}", "")
	return strings.TrimRight(strings.TrimSpace(t), "：:·-— ")
}

func indexOf(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

// fill puts a page's key and title into a declaration's text.
func (in instance) fill(text string) string {
	return strings.NewReplacer("{key}", in.key, "{title}", in.title).Replace(text)
}

// bindSQL turns {key} and {title} into parameters ($1, $2 in the order they
// first appear) and returns their values: no value can change the statement,
// and the statement is the same for every page of a declaration, so it is
// prepared once.
func (in instance) bindSQL(sql string) (string, []any) {
	var args []any
	for {
		ik, it := strings.Index(sql, "{key}"), strings.Index(sql, "{title}")
		if ik < 0 && it < 0 {
			return sql, args
		}
		name, value := "{key}", in.key
		if ik < 0 || (it >= 0 && it < ik) {
			name, value = "{title}", in.title
		}
		args = append(args, value)
		sql = strings.ReplaceAll(sql, name, fmt.Sprintf("$%d", len(args)))
	}
}
