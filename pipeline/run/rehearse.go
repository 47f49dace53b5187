package run

import (
	"context"
	"fmt"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// rehearse makes, on a PostgreSQL warehouse, every model that bound in
// DuckDB (failed holds those that did not) empty, in dependency order,
// inside a transaction that is rolled back (warehouse.Rehearsal): a
// construct PostgreSQL refuses is reported at the model's file and line,
// and what reads that model is left out. The raw tables are made as mem,
// the in-memory DuckDB Bind built them in, has them.
func rehearse(ctx context.Context, pg *warehouse.Warehouse, plan *Plan, mem *warehouse.Warehouse, failed map[string]bool) (diag.List, error) {
	r, err := pg.Rehearse(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, g := plan.Project, plan.Graph
	for _, src := range p.Sources {
		cols, err := mem.Columns(ctx, project.RawSchema, src.Name)
		if err != nil {
			return nil, err
		}
		if err := r.CreateEmptyTable(ctx, project.RawSchema, src.Name, cols); err != nil {
			return nil, fmt.Errorf("make %s on PostgreSQL: %w", src.Table(), err)
		}
	}
	var diags diag.List
	refused := map[string]bool{}
	for _, id := range g.Order {
		if failed[id] || readsAny(g, id, refused) {
			continue
		}
		m := g.Models[id]
		if err := r.CreateEmptyModel(ctx, m.Schema, m.Name, m.BodySQL()); err != nil {
			refused[id] = true
			diags.Errorf(diag.Pos{File: m.File, Line: warehouse.ModelLine(err)}, "PostgreSQL 仓库不接受这个模型：%s", warehouse.FirstLine(err))
		}
	}
	for id := range refused {
		failed[id] = true
	}
	return diags, nil
}
