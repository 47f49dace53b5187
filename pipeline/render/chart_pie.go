package render

import (
	"fmt"
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// pieChart draws a pie: x names the slices, y[0] sizes them.
type pieChart struct{}

func (pieChart) Name() string { return "pie" }

func (pieChart) Fields(p project.Panel) error {
	if err := requireXY(p); err != nil {
		return err
	}
	if len(p.Y) != 1 {
		return fmt.Errorf("chart pie takes exactly one y field")
	}
	return nil
}

func (pieChart) Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error) {
	xi, err := columnIndex(data, p.X)
	if err != nil {
		return "", "", err
	}
	yi, err := columnIndex(data, p.Y[0])
	if err != nil {
		return "", "", err
	}
	items := make([]opts.PieData, 0, len(data.Rows))
	for _, row := range data.Rows {
		f, _ := toFloat(row[yi])
		name := FormatCell(row[xi], "")
		item := opts.PieData{Name: name, Value: f}
		if color := statusColor(name); color != "" {
			item.ItemStyle = &opts.ItemStyle{Color: color}
		}
		items = append(items, item)
	}
	c := charts.NewPie()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: chartID, Width: "100%", Height: "360px", AssetsHost: "assets/"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithAnimation(false),
	)
	// Every slice shows its name and value: a leader reads counts, not areas.
	c.AddSeries(seriesLabel(p.Labels, p.Y[0]), items, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}：{c}"}))
	return snippet(c)
}
