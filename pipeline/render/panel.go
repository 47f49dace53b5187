package render

import (
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/opts"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// PanelKind draws one kind of chart from a panel's rows.
type PanelKind interface {
	Name() string
	// Fields checks the panel's field settings against the data's columns.
	Fields(p project.Panel) error
	// Draw returns the chart's HTML element and script; a table-only panel
	// returns empty strings.
	Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error)
}

// Kinds is a registry of panel kinds.
type Kinds struct{ kinds map[string]PanelKind }

// NewKinds returns a registry of the given panel kinds.
func NewKinds(kinds ...PanelKind) *Kinds {
	k := &Kinds{kinds: map[string]PanelKind{}}
	for _, pk := range kinds {
		k.kinds[pk.Name()] = pk
	}
	return k
}

// DefaultKinds has every panel kind jixiao ships.
func DefaultKinds() *Kinds {
	return NewKinds(axisChart{kind: "bar"}, axisChart{kind: "line"}, pieChart{}, tablePanel{}, gaugeChart{}, radarChart{}, heatmapChart{}, bigNumber{}, textPanel{}, cardsPanel{})
}

// Names lists the kinds, sorted.
func (k *Kinds) Names() []string {
	var out []string
	for n := range k.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Kind returns the kind of that name, or nil.
func (k *Kinds) Kind(name string) PanelKind { return k.kinds[name] }

func columnIndex(data *warehouse.Result, name string) (int, error) {
	for i, c := range data.Columns {
		if c == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("field %q is not a column of the panel's data (columns: %s)", name, strings.Join(data.Columns, ", "))
}

func requireXY(p project.Panel) error {
	if p.X == "" || len(p.Y) == 0 {
		return fmt.Errorf("chart %s needs x and y", p.Chart)
	}
	return nil
}

// seriesLabel is what a chart legend shows for a y field: the label the model
// documents, or the field's own name.
func seriesLabel(labels map[string]string, field string) string {
	if l := labels[field]; l != "" {
		return l
	}
	return field
}

func number(v any) opts.BarData {
	f, ok := toFloat(v)
	if !ok {
		return opts.BarData{Value: nil}
	}
	return opts.BarData{Value: f}
}
