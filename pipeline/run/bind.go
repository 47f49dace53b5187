package run

import (
	"context"
	"fmt"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// BindOptions say what Bind binds against.
type BindOptions struct {
	// Loaded is the built warehouse, open for reading, or nil before the
	// first run. Its raw tables give the sources' columns as loaded; a
	// source not loaded yet has its declared columns.
	Loaded *warehouse.Warehouse
	// Base is the folder a model's read_csv('data/...') may read from.
	Base string
}

// Bind binds every model, data test and page query of a validated plan,
// without running any of them, so that a misspelt column or a type that
// does not fit is found by jixiao check rather than at build or render.
// It builds the project's tables empty in a throwaway in-memory DuckDB:
// the raw tables (as loaded, or as declared), the engine's meta tables,
// then each model from its SQL in dependency order, so that an edited
// model is checked before it is built. A model that does not bind is
// reported at its line, and what reads it is not bound. prior are the
// diagnostics found so far: models with errors in their files are not
// bound, nor what reads them.
func Bind(ctx context.Context, plan *Plan, prior diag.List, o BindOptions) (diag.List, error) {
	var diags diag.List
	base := o.Base
	if base == "" {
		base = "."
	}
	mem, err := warehouse.Open(ctx, ":memory:", warehouse.Options{ReadDirs: []string{base}})
	if err != nil {
		return nil, fmt.Errorf("open an in-memory DuckDB to bind SQL: %w", err)
	}
	defer mem.Close()
	p, g := plan.Project, plan.Graph

	for _, src := range p.Sources {
		cols := declaredColumns(src)
		if o.Loaded != nil {
			// A raw table that lacks a declared column (or holds one of
			// another type) is loaded again whole by the next extract (see
			// extractOne): SQL binds against the declaration, and the check
			// says that until then the models cannot build on it.
			if loaded, err := o.Loaded.Columns(ctx, project.RawSchema, src.Name); err == nil && len(loaded) > 0 {
				recorded, _ := o.Loaded.DeclaredColumns(ctx, src.Name)
				if stale := staleColumns(src, loaded, recorded); len(stale) > 0 {
					diags.Warnf(src.Pos, "%s %s: the next run's extract loads the source again whole; until then models reading it cannot be built on this warehouse", src.Table(), strings.Join(stale, "; "))
				}
				if len(missingColumns(src, loaded)) == 0 {
					cols = loaded
				}
			}
		}
		if err := mem.CreateEmptyTable(ctx, project.RawSchema, src.Name, cols); err != nil {
			return nil, fmt.Errorf("create %s: %w", src.Table(), err)
		}
	}

	// Models whose files already have errors are left out, with what
	// reads them; so are models that do not bind.
	broken := map[string]bool{}
	for _, d := range prior {
		if d.Severity == diag.Error {
			broken[d.Pos.File] = true
		}
	}
	failed := map[string]bool{}
	for _, id := range g.Order {
		m := g.Models[id]
		if broken[m.File] || readsAny(g, id, failed) {
			failed[id] = true
			continue
		}
		if err := mem.CreateEmptyModel(ctx, m.Schema, m.Name, m.BodySQL()); err != nil {
			failed[id] = true
			diags.Errorf(diag.Pos{File: m.File, Line: warehouse.ModelLine(err)}, "%s", warehouse.FirstLine(err))
		}
	}

	if o.Loaded != nil && o.Loaded.Kind() == warehouse.KindPostgres {
		found, err := rehearse(ctx, o.Loaded, plan, mem, failed)
		if err != nil {
			return nil, err
		}
		diags = append(diags, found...)
	}

	for _, t := range plan.Tests {
		if failed[t.Model] || anyIn(t.Refs, failed) {
			continue
		}
		if _, err := mem.Describe(ctx, t.Query); err != nil {
			diags.Errorf(t.Pos, "test %s of %s: %s", t.Name, t.Model, warehouse.FirstLine(err))
		}
	}

	for _, q := range render.PageQueries(p) {
		if q.Model != "" && failed[q.Model] {
			continue
		}
		if q.Own {
			refs, err := mem.TableRefs(ctx, q.Query)
			if err == nil && refsAny(refs, failed) {
				continue
			}
		}
		cols, err := mem.Describe(ctx, q.Query)
		if err != nil {
			pos := q.SQLAt
			if n := warehouse.LineOfError(err); n > 0 && q.Own {
				pos.Line, pos.Col = pos.Line+n-1, 0
			}
			diags.Errorf(pos, "%s: %s", q.What, warehouse.FirstLine(err))
			continue
		}
		render.CheckFields(q, cols, &diags)
	}
	diags.Sort()
	return diags, nil
}

// rawTypes are the DuckDB types extract loads each declared column type
// as (see extract.Schema): TestBindSchemaMatchesALoad holds them equal.
var rawTypes = map[string]string{
	"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "timestamp": "TIMESTAMP",
	"text": "VARCHAR", "unit": "VARCHAR", project.TypePseudonym: "BIGINT",
}

// missingColumns lists the declared columns of src that its loaded raw
// table lacks: a column added to the declaration, or one whose name
// changed (a certificate number declared as a pseudonym, person_key).
func missingColumns(src *project.Source, loaded []warehouse.Column) []string {
	have := make(map[string]bool, len(loaded))
	for _, c := range loaded {
		have[c.Name] = true
	}
	var missing []string
	for _, c := range src.Columns {
		if !have[c.Name] {
			missing = append(missing, c.Name)
		}
	}
	return missing
}

// staleColumns says why src's loaded raw table cannot take new rows as
// declared, or nil: declared columns it lacks, and columns whose declared
// type differs from the one recorded with its last load. A pseudonym column
// loaded before types were recorded (recorded is nil) is taken to hold the
// identifiers themselves, and one holding text the keys of an earlier
// release: loading it again costs one run, keeping two kinds of key side
// by side would split every person in two.
func staleColumns(src *project.Source, loaded []warehouse.Column, recorded map[string]string) []string {
	have := make(map[string]string, len(loaded))
	for _, c := range loaded {
		have[c.Name] = c.Type
	}
	var missing, why []string
	for _, c := range src.Columns {
		was, ok := recorded[c.Name]
		typ, there := have[c.Name]
		switch {
		case !there:
			missing = append(missing, c.Name)
		case ok && was != c.Type:
			why = append(why, fmt.Sprintf("has column %s loaded as %s, now declared %s", c.Name, was, c.Type))
		case !ok && recorded == nil && c.Type == project.TypePseudonym:
			why = append(why, fmt.Sprintf("has column %s loaded before its type was recorded, now declared %s", c.Name, c.Type))
		case c.Type == project.TypePseudonym && !strings.EqualFold(typ, rawTypes[c.Type]):
			// Releases before the keys became numbers wrote them as text.
			why = append(why, fmt.Sprintf("has column %s holding person keys as %s, as an earlier jixiao wrote them, now %s", c.Name, typ, rawTypes[c.Type]))
		}
	}
	if len(missing) > 0 {
		why = append([]string{"lacks the declared column(s) " + strings.Join(missing, ", ")}, why...)
	}
	return why
}

// declaredTypes is what a load records of src's declaration.
func declaredTypes(src *project.Source) []warehouse.DeclaredColumn {
	out := make([]warehouse.DeclaredColumn, len(src.Columns))
	for i, c := range src.Columns {
		out[i] = warehouse.DeclaredColumn{Name: c.Name, Type: c.Type}
	}
	return out
}

// declaredColumns is a source's raw table as a load creates it: the
// declared columns, then the lineage columns.
func declaredColumns(src *project.Source) []warehouse.Column {
	cols := make([]warehouse.Column, 0, len(src.Columns)+3)
	for _, c := range src.Columns {
		t := rawTypes[c.Type]
		if t == "" {
			t = "VARCHAR"
		}
		cols = append(cols, warehouse.Column{Name: c.Name, Type: t})
	}
	return append(cols, warehouse.Column{Name: warehouse.FileColumn, Type: "VARCHAR"},
		warehouse.Column{Name: warehouse.RowColumn, Type: "BIGINT"}, warehouse.Column{Name: warehouse.LoadColumn, Type: "VARCHAR"})
}

func readsAny(g *transform.Graph, id string, set map[string]bool) bool {
	return anyIn(g.Parents[id], set)
}

func anyIn(ids []string, set map[string]bool) bool {
	for _, id := range ids {
		if set[id] {
			return true
		}
	}
	return false
}

func refsAny(refs []warehouse.TableRef, set map[string]bool) bool {
	for _, r := range refs {
		if set[strings.ToLower(r.Schema+"."+r.Name)] {
			return true
		}
	}
	return false
}
