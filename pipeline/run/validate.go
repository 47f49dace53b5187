// Package run carries a pipeline run through its stages in order: extract
// sources into the warehouse, build the transforms, run their data tests,
// render the dashboards. It records every run and step in meta.
package run

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"jixiao/pipeline/check"
	"jixiao/pipeline/diag"
	"jixiao/pipeline/extract"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// Registries are the plug-in kinds a run uses; tests build small ones.
type Registries struct {
	Extractors *extract.Registry
	Checks     *check.Registry
	Panels     *render.Kinds
}

// DefaultRegistries has every kind jixiao ships.
func DefaultRegistries() Registries {
	return Registries{Extractors: extract.Default(), Checks: check.Default(), Panels: render.DefaultKinds()}
}

func (r *Registries) fill() {
	d := DefaultRegistries()
	if r.Extractors == nil {
		r.Extractors = d.Extractors
	}
	if r.Checks == nil {
		r.Checks = d.Checks
	}
	if r.Panels == nil {
		r.Panels = d.Panels
	}
}

// Plan is a validated project: its model graph and compiled tests.
type Plan struct {
	Project *project.Project
	Graph   *transform.Graph
	Tests   []check.Test
}

// Validate checks everything that can be checked without data: the project
// files, every source's kind settings, every model's SQL and references, the
// data tests and the dashboards. parser is any warehouse (an in-memory one
// will do). It returns every diagnostic, sorted.
func Validate(ctx context.Context, p *project.Project, parser transform.RefParser, reg Registries) (*Plan, diag.List) {
	reg.fill()
	var diags diag.List
	reg.Extractors.Validate(p, &diags)
	g, gd := transform.BuildGraph(ctx, p, parser)
	diags = append(diags, gd...)
	tests, td := reg.Checks.Compile(p.Models)
	diags = append(diags, td...)
	assertRefs(ctx, parser, g, tests)
	for _, t := range tests {
		for _, ref := range t.Refs {
			if g.Models[ref] == nil && g.Sources[ref] == nil {
				diags.Errorf(t.Pos, "test %s: unknown table %q", t.Name, ref)
			}
		}
	}
	render.Validate(p, reg.Panels, &diags)
	diags.Sort()
	return &Plan{Project: p, Graph: g, Tests: tests}, diags
}

// assertRefs adds to each assert the project's tables its SQL names besides
// its model: a rerun then tests it again when one of them changed, as it
// does a relationship (see changedTests). SQL that does not parse adds
// none; the test reports it when it binds or runs.
func assertRefs(ctx context.Context, parser transform.RefParser, g *transform.Graph, tests []check.Test) {
	for i, t := range tests {
		if t.Kind != "assert" {
			continue
		}
		refs, err := parser.TableRefs(ctx, t.Query)
		if err != nil {
			continue
		}
		for _, r := range refs {
			id := strings.ToLower(r.Schema + "." + r.Name)
			if r.Schema == "" || strings.EqualFold(id, t.Model) || (g.Models[id] == nil && g.Sources[id] == nil) || slices.Contains(tests[i].Refs, id) {
				continue
			}
			tests[i].Refs = append(tests[i].Refs, id)
		}
	}
}

// CheckProject loads nothing and builds nothing: it validates p with a
// throwaway in-memory DuckDB as the SQL parser, then binds every model,
// data test and page query against the declared tables (see Bind). It
// also warns of files in a source's folder that its path passes over, as
// extract does.
func CheckProject(ctx context.Context, p *project.Project, reg Registries) (*Plan, diag.List, error) {
	return CheckProjectWith(ctx, p, CheckOptions{Registries: reg, Bind: true})
}

// CheckOptions say how far CheckProjectWith checks.
type CheckOptions struct {
	Registries Registries
	// Bind binds the SQL (see Bind) once the project validates; lineage,
	// which needs only the graph, leaves it out.
	Bind bool
	BindOptions
}

// CheckProjectWith is CheckProject with options: the built warehouse to
// take the raw tables' columns from, or no binding at all.
func CheckProjectWith(ctx context.Context, p *project.Project, o CheckOptions) (*Plan, diag.List, error) {
	mem, err := warehouse.Open(ctx, ":memory:", warehouse.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("open an in-memory DuckDB to parse SQL: %w", err)
	}
	defer mem.Close()
	reg := o.Registries
	reg.fill()
	plan, diags := Validate(ctx, p, mem, reg)
	for _, src := range p.Sources {
		diags = append(diags, reg.Extractors.IgnoredFiles(p, src)...)
	}
	if o.Bind {
		bound, err := Bind(ctx, plan, diags, o.BindOptions)
		if err != nil {
			return nil, nil, err
		}
		diags = append(diags, bound...)
	}
	diags.Sort()
	return plan, diags, nil
}
