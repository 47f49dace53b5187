package transform

import (
	"fmt"
	"strings"
)

// Select resolves selectors to model ids in build order: NAME, NAME+ (with
// its descendants), +NAME (with its ancestors), +NAME+ (both). No selector
// selects every model.
func (g *Graph) Select(selectors []string) ([]string, error) {
	if len(selectors) == 0 {
		return append([]string(nil), g.Order...), nil
	}
	chosen := map[string]bool{}
	for _, raw := range selectors {
		for _, sel := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ' ' }) {
			up := strings.HasPrefix(sel, "+")
			down := strings.HasSuffix(sel, "+")
			name := strings.TrimSuffix(strings.TrimPrefix(sel, "+"), "+")
			id, err := g.Lookup(name)
			if err != nil {
				return nil, fmt.Errorf("select %q: %w", sel, err)
			}
			if g.Models[id] != nil {
				chosen[id] = true
			}
			if up {
				for _, a := range g.Ancestors(id) {
					if g.Models[a] != nil {
						chosen[a] = true
					}
				}
			}
			if down {
				for _, d := range g.Descendants(id) {
					chosen[d] = true
				}
			}
		}
	}
	var out []string
	for _, id := range g.Order {
		if chosen[id] {
			out = append(out, id)
		}
	}
	return out, nil
}
