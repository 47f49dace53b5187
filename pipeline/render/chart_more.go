package render

import (
	"fmt"
	"html/template"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// radarChart draws one polygon per series over the x dimensions (决策, 过程,
// 产出, 效益), each dimension's axis going up to its max field (the weight).
type radarChart struct{}

func (radarChart) Name() string { return "radar" }

func (radarChart) Fields(p project.Panel) error {
	if p.X == "" || len(p.Y) != 1 || p.Max == "" {
		return fmt.Errorf("chart radar needs x (the dimensions), one y field and max (each dimension's full score)")
	}
	return nil
}

func (radarChart) Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error) {
	xi, err := columnIndex(data, p.X)
	if err != nil {
		return "", "", err
	}
	yi, err := columnIndex(data, p.Y[0])
	if err != nil {
		return "", "", err
	}
	mi, err := columnIndex(data, p.Max)
	if err != nil {
		return "", "", err
	}
	var indicators []*opts.Indicator
	values := make([]float64, 0, len(data.Rows))
	for _, r := range data.Rows {
		m, _ := toFloat(r[mi])
		v, _ := toFloat(r[yi])
		indicators = append(indicators, &opts.Indicator{Name: FormatCell(r[xi], ""), Max: float32(m)})
		values = append(values, math.Round(v*100)/100)
	}
	c := charts.NewRadar()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: chartID, Width: "100%", Height: "340px", AssetsHost: "assets/"}),
		// The legend sits below: above, it covered the top dimension's name.
		charts.WithRadarComponentOpts(opts.RadarComponent{Indicator: indicators, Shape: "polygon", Center: []string{"50%", "48%"}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithAnimation(false),
	)
	c.AddSeries(seriesLabel(p.Labels, p.Y[0]), []opts.RadarData{{Name: seriesLabel(p.Labels, p.Y[0]), Value: values}})
	return snippet(c)
}

// heatmapChart shows a value for each x and series pair (unit by month, say)
// as a colour.
type heatmapChart struct{}

func (heatmapChart) Name() string { return "heatmap" }

func (heatmapChart) Fields(p project.Panel) error {
	if p.X == "" || p.Series == "" || len(p.Y) != 1 {
		return fmt.Errorf("chart heatmap needs x, series and one y field")
	}
	return nil
}

func (heatmapChart) Draw(p project.Panel, data *warehouse.Result, chartID string) (template.HTML, template.HTML, error) {
	cats, names, values, err := axisData(p, data)
	if err != nil {
		return "", "", err
	}
	var points []opts.HeatMapData
	lo, hi := math.Inf(1), math.Inf(-1)
	for si, n := range names {
		for xi, v := range values[n] {
			f, ok := toFloat(v)
			if !ok {
				continue
			}
			lo, hi = math.Min(lo, f), math.Max(hi, f)
			points = append(points, opts.HeatMapData{Value: [3]any{xi, si, math.Round(f*1000) / 1000}})
		}
	}
	if len(points) == 0 {
		lo, hi = 0, 1
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: chartID, Width: "100%", Height: fmt.Sprintf("%dpx", 120+28*len(names)), AssetsHost: "assets/"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: cats}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(lo), Max: float32(hi), Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#fdecea", "#fff8e1", "#e8f5e9", "#2e7d32"}}}),
		charts.WithGridOpts(opts.Grid{ContainLabel: opts.Bool(true), Bottom: "50"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithAnimation(false),
	)
	c.AddSeries(seriesLabel(p.Labels, p.Y[0]), points)
	return snippet(c)
}

// bigNumber shows one figure large, with its change against a delta field.
type bigNumber struct{}

func (bigNumber) Name() string { return "bignumber" }

func (bigNumber) Fields(p project.Panel) error {
	if p.Value == "" {
		return fmt.Errorf("chart bignumber needs value: the field to show")
	}
	return nil
}

func (bigNumber) Draw(p project.Panel, data *warehouse.Result, _ string) (template.HTML, template.HTML, error) {
	vi, err := columnIndex(data, p.Value)
	if err != nil {
		return "", "", err
	}
	if len(data.Rows) == 0 {
		return template.HTML(`<div class="bignum"><span class="value">—</span></div>`), "", nil
	}
	row := data.Rows[0]
	html := `<div class="bignum"><span class="value">` + template.HTMLEscapeString(FormatCell(row[vi], p.Format)) + `</span>`
	if p.Delta != "" {
		di, err := columnIndex(data, p.Delta)
		if err != nil {
			return "", "", err
		}
		v, _ := toFloat(row[vi])
		d, _ := toFloat(row[di])
		diff := v - d
		class, sign := "up", "+"
		if diff < 0 {
			class, sign = "down", ""
		}
		text := sign + FormatCell(diff, p.Format)
		if p.Format == "percent" {
			text = sign + FormatNumber(diff*100, 1) + " 个百分点"
		}
		html += fmt.Sprintf(`<span class="delta %s">%s（对比%s %s）</span>`, class, template.HTMLEscapeString(text),
			template.HTMLEscapeString(seriesLabel(p.Labels, p.Delta)), template.HTMLEscapeString(FormatCell(row[di], p.Format)))
	}
	return template.HTML(html + `</div>`), "", nil
}
