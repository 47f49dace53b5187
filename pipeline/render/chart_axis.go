package render

import (
	"fmt"
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// axisChart draws bar and line charts: categories on x, one series per y
// field, or one series per value of the series field (y then has one field).
type axisChart struct{ kind string }

func (a axisChart) Name() string { return a.kind }

func (a axisChart) Fields(p project.Panel) error {
	if err := requireXY(p); err != nil {
		return err
	}
	if p.Series != "" && len(p.Y) != 1 {
		return fmt.Errorf("with series, y names exactly one field")
	}
	return nil
}

// axisData pivots the rows into categories and named series.
func axisData(p project.Panel, data *warehouse.Result) ([]string, []string, map[string][]any, error) {
	xi, err := columnIndex(data, p.X)
	if err != nil {
		return nil, nil, nil, err
	}
	yi := make([]int, len(p.Y))
	for i, y := range p.Y {
		if yi[i], err = columnIndex(data, y); err != nil {
			return nil, nil, nil, err
		}
	}
	si := -1
	if p.Series != "" {
		if si, err = columnIndex(data, p.Series); err != nil {
			return nil, nil, nil, err
		}
	}
	var cats, names []string
	catIdx := map[string]int{}
	values := map[string][]any{}
	for _, row := range data.Rows {
		cat := FormatCell(row[xi], "month")
		ci, ok := catIdx[cat]
		if !ok {
			ci = len(cats)
			catIdx[cat] = ci
			cats = append(cats, cat)
			for n := range values {
				values[n] = append(values[n], nil)
			}
		}
		put := func(name string, v any) {
			if _, ok := values[name]; !ok {
				names = append(names, name)
				values[name] = make([]any, len(cats))
			}
			values[name][ci] = v
		}
		if si >= 0 {
			put(FormatCell(row[si], ""), row[yi[0]])
			continue
		}
		for i, y := range p.Y {
			put(y, row[yi[i]])
		}
	}
	return cats, names, values, nil
}

func (a axisChart) Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error) {
	cats, names, values, err := axisData(p, data)
	if err != nil {
		return "", "", err
	}
	init := opts.Initialization{ChartID: chartID, Width: "100%", Height: "360px", AssetsHost: "assets/"}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(init),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(names) > 1), Top: "0"}),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Left: "3%", Right: "4%", Top: "40", Bottom: "10"}),
		charts.WithAnimation(false),
		charts.WithColorsOpts(palette),
	}
	labels := p.Labels
	global = append(global, charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: rotation(cats)}}))
	if p.Format == "percent" {
		global = append(global, charts.WithYAxisOpts(opts.YAxis{AxisLabel: &opts.AxisLabel{Formatter: opts.FuncOpts("function (v) { return Math.round(v * 100) + '%'; }")}}))
	}
	if a.kind == "line" {
		c := charts.NewLine()
		c.SetGlobalOptions(global...)
		c.SetXAxis(cats)
		for si, n := range names {
			pts := make([]opts.LineData, len(cats))
			for i, v := range values[n] {
				pts[i] = opts.LineData{Value: number(v).Value}
			}
			c.AddSeries(seriesLabel(labels, n), pts, lineSeriesStyle(si)...)
		}
		return snippet(c)
	}
	c := charts.NewBar()
	c.SetGlobalOptions(global...)
	c.SetXAxis(cats)
	for _, n := range names {
		pts := make([]opts.BarData, len(cats))
		for i, v := range values[n] {
			pts[i] = number(v)
		}
		var so []charts.SeriesOpts
		if p.Stack {
			so = append(so, charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Stack = "total" }))
		}
		name := seriesLabel(labels, n)
		if color := statusColor(name); color != "" {
			so = append(so, charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		}
		// Every bar shows its value, as the page would print it.
		label := opts.Label{Show: opts.Bool(true), Position: "top"}
		if p.Stack {
			label.Position = "inside"
		}
		if p.Format == "percent" {
			label.Formatter = string(opts.FuncOpts("function (p) { return p.value == null ? '' : (p.value * 100).toFixed(1) + '%'; }"))
		} else {
			label.Formatter = string(opts.FuncOpts("function (p) { return p.value == null || p.value === 0 ? '' : (Math.round(p.value * 100) / 100).toString(); }"))
		}
		so = append(so, charts.WithLabelOpts(label))
		c.AddSeries(name, pts, so...)
	}
	return snippet(c)
}

// rotation tilts category labels when they would not fit side by side.
func rotation(cats []string) float64 {
	total := 0
	for _, c := range cats {
		total += len([]rune(c))
	}
	if total > 60 {
		return 30
	}
	return 0
}
