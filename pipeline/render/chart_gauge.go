package render

import (
	"fmt"
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// gaugeChart shows one rate (the first row's value field) as a dial from 0
// to 100%, red below 序时进度 when the panel gives it as delta.
type gaugeChart struct{}

func (gaugeChart) Name() string { return "gauge" }

func (gaugeChart) Fields(p project.Panel) error {
	if p.Value == "" {
		return fmt.Errorf("chart gauge needs value: the field holding a rate (0.85 = 85%%)")
	}
	return nil
}

func (gaugeChart) Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error) {
	vi, err := columnIndex(data, p.Value)
	if err != nil {
		return "", "", err
	}
	if len(data.Rows) == 0 {
		return "", "", nil
	}
	v, _ := toFloat(data.Rows[0][vi])
	name := seriesLabel(p.Labels, p.Value)
	if p.X != "" {
		if xi, err := columnIndex(data, p.X); err == nil {
			name = FormatCell(data.Rows[0][xi], "")
		}
	}
	c := charts.NewGauge()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: chartID, Width: "100%", Height: "260px", AssetsHost: "assets/"}),
		charts.WithAnimation(false),
	)
	c.AddSeries(name, []opts.GaugeData{{Name: name + "（%）", Value: fmt.Sprintf("%.1f", v*100)}},
		charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Max = 120 }))
	return snippet(c)
}
