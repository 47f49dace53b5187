// Package transform orders the project's SQL models by the tables they read,
// selects parts of the graph, and builds models into the warehouse.
package transform

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// RefParser finds the tables a SELECT reads. The warehouse implements it
// with DuckDB's own parser.
type RefParser interface {
	TableRefs(ctx context.Context, query string) ([]warehouse.TableRef, error)
}

// MetaTables are the engine tables a model may read (to carry load ids, say).
var MetaTables = []string{"runs", "run_steps", "model_builds", "test_results", "source_loads", "quarantine", "project", "units"}

// Graph is the project's models in dependency order.
type Graph struct {
	// Order lists model ids (schema.name) so that every model follows what it reads.
	Order []string
	// Models by id.
	Models map[string]*project.Model
	// Parents maps a model id to the ids it reads: models, raw.<source> or meta.<table>.
	Parents map[string][]string
	// Children maps any id to the models that read it.
	Children map[string][]string
	// Sources maps raw.<source> ids to their declarations.
	Sources map[string]*project.Source
	// refs[model][parent] is where the model's SQL names the parent.
	refs map[string]map[string]diag.Pos
}

// BuildGraph parses every model, resolves its references and orders the
// models. It reports every unknown table, unqualified name and cycle.
func BuildGraph(ctx context.Context, p *project.Project, parser RefParser) (*Graph, diag.List) {
	var diags diag.List
	g := &Graph{
		Models:   map[string]*project.Model{},
		Parents:  map[string][]string{},
		Children: map[string][]string{},
		Sources:  map[string]*project.Source{},
		refs:     map[string]map[string]diag.Pos{},
	}
	for _, s := range p.Sources {
		g.Sources[s.Table()] = s
	}
	for _, m := range p.Models {
		g.Models[m.ID()] = m
	}
	for _, m := range p.Models {
		// The SQL as it is built (BodySQL only trims its end, so offsets
		// stay those of the file): the warehouse that parses it here
		// then knows it for one SELECT when it is built.
		refs, err := parser.TableRefs(ctx, m.BodySQL())
		if err != nil {
			line := 0
			if pe, ok := err.(*warehouse.ParseError); ok {
				line = pe.Line
			}
			diags.Errorf(diag.Pos{File: m.File, Line: line}, "%s", warehouse.FirstLine(err))
			continue
		}
		for _, r := range refs {
			pos := diag.Pos{File: m.File, Line: lineAt(m.SQL, r.Offset)}
			id, ok := g.resolve(p, r, pos, &diags)
			if !ok {
				continue
			}
			if id == m.ID() {
				diags.Errorf(pos, "model %s reads itself", id)
				continue
			}
			g.Parents[m.ID()] = appendUnique(g.Parents[m.ID()], id)
			g.Children[id] = appendUnique(g.Children[id], m.ID())
			if g.refs[m.ID()] == nil {
				g.refs[m.ID()] = map[string]diag.Pos{}
			}
			if _, seen := g.refs[m.ID()][id]; !seen {
				g.refs[m.ID()][id] = pos
			}
		}
	}
	g.Order = g.topoOrder(&diags)
	diags.Sort()
	return g, diags
}

// resolve maps a reference to a known id.
func (g *Graph) resolve(p *project.Project, r warehouse.TableRef, pos diag.Pos, diags *diag.List) (string, bool) {
	schema, name := strings.ToLower(r.Schema), strings.ToLower(r.Name)
	if schema == "" {
		var hints []string
		if m := p.Model(name); m != nil {
			hints = append(hints, m.ID())
		}
		if s := p.Source(name); s != nil {
			hints = append(hints, s.Table())
		}
		if len(hints) > 0 {
			diags.Errorf(pos, "table %q needs its schema: write %s", r.Name, strings.Join(hints, " or "))
		} else {
			diags.Errorf(pos, "unknown table %q: name a model as schema.name (staging.x, marts.y) or a source as raw.name", r.Name)
		}
		return "", false
	}
	id := schema + "." + name
	switch {
	case g.Models[id] != nil, g.Sources[id] != nil:
		return id, true
	case schema == project.MetaSchema && contains(MetaTables, name):
		return id, true
	case schema == project.RawSchema:
		diags.Errorf(pos, "unknown source %q: no file sources/%s.yaml declares it%s", id, name, diag.DidYouMean(id, g.knownIDs()))
	default:
		diags.Errorf(pos, "unknown table %q: no model transforms/%s/%s.sql and no such source%s", id, schema, name, diag.DidYouMean(id, g.knownIDs()))
	}
	return "", false
}

// knownIDs lists every table a model may read, for "did you mean" hints.
func (g *Graph) knownIDs() []string {
	ids := make([]string, 0, len(g.Models)+len(g.Sources)+len(MetaTables))
	for id := range g.Models {
		ids = append(ids, id)
	}
	for id := range g.Sources {
		ids = append(ids, id)
	}
	for _, t := range MetaTables {
		ids = append(ids, project.MetaSchema+"."+t)
	}
	sort.Strings(ids)
	return ids
}

// topoOrder sorts the models (Kahn's algorithm, ties by name for a stable
// order) and reports each cycle with its path.
func (g *Graph) topoOrder(diags *diag.List) []string {
	indeg := map[string]int{}
	for id := range g.Models {
		indeg[id] = 0
	}
	for id, parents := range g.Parents {
		for _, p := range parents {
			if g.Models[p] != nil {
				indeg[id]++
			}
		}
	}
	var ready, order []string
	for id, d := range indeg {
		if d == 0 {
			ready = append(ready, id)
		}
	}
	sort.Strings(ready)
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		order = append(order, id)
		var next []string
		for _, c := range g.Children[id] {
			indeg[c]--
			if indeg[c] == 0 {
				next = append(next, c)
			}
		}
		sort.Strings(next)
		ready = append(ready, next...)
		sort.Strings(ready)
	}
	if len(order) < len(g.Models) {
		reported := map[string]bool{}
		var stuck []string
		for id, d := range indeg {
			if d > 0 {
				stuck = append(stuck, id)
			}
		}
		sort.Strings(stuck)
		for _, id := range stuck {
			if reported[id] {
				continue
			}
			cycle := g.findCycle(id, indeg)
			if cycle == nil {
				continue
			}
			for _, c := range cycle {
				reported[c] = true
			}
			files := make([]string, len(cycle))
			for i, c := range cycle {
				files[i] = g.Models[c].File
			}
			// Placed at the reference that closes the cycle: where the
			// last model of the chain names the first.
			last := cycle[len(cycle)-1]
			pos, ok := g.refs[last][cycle[0]]
			if !ok {
				pos = diag.Pos{File: g.Models[last].File}
			}
			diags.Errorf(pos, "dependency cycle: %s -> %s (files: %s)",
				strings.Join(cycle, " -> "), cycle[0], strings.Join(files, ", "))
		}
	}
	return order
}

// findCycle follows unresolved parents from start until a model repeats.
func (g *Graph) findCycle(start string, indeg map[string]int) []string {
	var path []string
	index := map[string]int{}
	cur := start
	for {
		if i, ok := index[cur]; ok {
			return path[i:]
		}
		index[cur] = len(path)
		path = append(path, cur)
		next := ""
		for _, p := range g.Parents[cur] {
			if g.Models[p] != nil && indeg[p] > 0 {
				next = p
				break
			}
		}
		if next == "" {
			return nil
		}
		cur = next
	}
}

// Ancestors lists every id that id reads, directly or not, models and sources.
func (g *Graph) Ancestors(id string) []string { return g.walk(id, g.Parents) }

// Descendants lists every model that reads id, directly or not.
func (g *Graph) Descendants(id string) []string { return g.walk(id, g.Children) }

func (g *Graph) walk(id string, edges map[string][]string) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(string)
	visit = func(n string) {
		for _, e := range edges[n] {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
				visit(e)
			}
		}
	}
	visit(id)
	sort.Strings(out)
	return out
}

// Lookup finds a model id from what a user typed: schema.name or a bare name.
func (g *Graph) Lookup(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if g.Models[name] != nil || g.Sources[name] != nil {
		return name, nil
	}
	var found []string
	for id := range g.Models {
		if strings.HasSuffix(id, "."+name) {
			found = append(found, id)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	if src, ok := g.Sources[project.RawSchema+"."+name]; ok {
		return src.Table(), nil
	}
	return "", fmt.Errorf("no model or source named %q", name)
}

func lineAt(text string, offset int) int {
	if offset <= 0 {
		return 1
	}
	if offset > len(text) {
		offset = len(text)
	}
	return strings.Count(text[:offset], "\n") + 1
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
