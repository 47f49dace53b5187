package render

import (
	"context"
	"fmt"
	"strings"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// panelQuery is the SQL a panel runs on a page, its parameters ({key} and
// {title} as $1, $2, or a model panel's filter value) and its columns'
// labels from the model's header.
func panelQuery(p *project.Project, in instance, pn project.Panel) (string, []any, map[string]string, error) {
	query, args := in.bindSQL(pn.SQL)
	labels := map[string]string{}
	if pn.Model != "" {
		m, err := modelOf(p, pn.Model)
		if err != nil {
			return "", nil, nil, fmt.Errorf("%s: %w", pn.Pos, err)
		}
		query, args = "SELECT * FROM "+warehouse.QuoteTable(m.Schema, m.Name), nil
		if pn.Filter != "" {
			query += " WHERE " + warehouse.QuoteIdent(pn.Filter) + " = $1"
			args = []any{in.key}
		}
		for _, c := range m.Header.Columns {
			labels[c.Name] = c.Label
		}
	}
	return query, args, labels, nil
}

// panelBatches are the rows of repeated pages' panels, read before the
// pages are written: one query per panel of a declaration with each, for
// all its pages (warehouse.QueryEach), instead of one per page. A panel
// whose query cannot be batched is not here and runs on its page.
type panelBatches struct {
	rows map[string]*warehouse.Result
}

func batchKey(query string, args []any) string {
	var b strings.Builder
	b.WriteString(query)
	for _, a := range args {
		fmt.Fprintf(&b, "\x00%v", a)
	}
	return b.String()
}

// queryPanelBatches runs every parameterised panel query of the pages once
// for all the parameter values it is run with, where QueryEach can promise
// the same rows as running it page by page; limit is a panel's row cap.
func queryPanelBatches(ctx context.Context, w *warehouse.Warehouse, p *project.Project, pages []instance, limit int) *panelBatches {
	type batch struct {
		query string
		sets  [][]any
	}
	var order []*batch
	byQuery := map[string]*batch{}
	seen := map[string]bool{}
	for _, in := range pages {
		if in.decl.Each == nil {
			continue
		}
		for _, pn := range in.decl.Panels {
			query, args, _, err := panelQuery(p, in, pn)
			if err != nil || len(args) == 0 || seen[batchKey(query, args)] {
				continue // the page reports the error itself
			}
			seen[batchKey(query, args)] = true
			b := byQuery[query]
			if b == nil {
				b = &batch{query: query}
				byQuery[query] = b
				order = append(order, b)
			}
			b.sets = append(b.sets, args)
		}
	}
	out := &panelBatches{rows: map[string]*warehouse.Result{}}
	for _, b := range order {
		if ctx.Err() != nil {
			break
		}
		results, ok := w.QueryEach(ctx, b.query, b.sets, limit)
		if !ok {
			continue
		}
		for i, args := range b.sets {
			out.rows[batchKey(b.query, args)] = results[i]
		}
	}
	return out
}

// take returns a copy of the rows read for query with args (the panel
// sorts and cuts its rows), or nil when they were not read in a batch.
func (b *panelBatches) take(query string, args []any) *warehouse.Result {
	if b == nil {
		return nil
	}
	r := b.rows[batchKey(query, args)]
	if r == nil {
		return nil
	}
	return &warehouse.Result{Columns: append([]string(nil), r.Columns...), Types: append([]string(nil), r.Types...), Rows: append([][]any(nil), r.Rows...)}
}
