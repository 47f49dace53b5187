package render

import (
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	echarts "github.com/go-echarts/go-echarts/v2/render"
)

// comparedChart is a chart snippet draws and go-echarts can draw itself.
type comparedChart interface {
	echartsChart
	RenderSnippet() echarts.ChartSnippet
}

// snippet, with the templates parsed once, writes the same bytes as
// go-echarts' RenderSnippet for every chart type the panels draw, JavaScript
// functions in the options included.
func TestSnippetIsGoEchartsOwn(t *testing.T) {
	init := charts.WithInitializationOpts(opts.Initialization{ChartID: "chart_x_1", Width: "100%", Height: "320px", AssetsHost: "assets/"})
	formatter := opts.Label{Show: opts.Bool(true), Formatter: string(opts.FuncOpts("function (p) { return (p.value * 100).toFixed(1) + '%'; }"))}
	tests := []struct {
		name string
		// chart makes a new chart each time: go-echarts' Validate must run
		// once on each.
		chart func() comparedChart
	}{
		{"bar with a label function", func() comparedChart {
			c := charts.NewBar()
			c.SetGlobalOptions(init, charts.WithTitleOpts(opts.Title{Title: "各单位完成率"}))
			c.SetXAxis([]string{"环翠区", "文登区"})
			c.AddSeries("完成率", []opts.BarData{{Value: 0.5}, {Value: 0.75}}, charts.WithLabelOpts(formatter))
			return c
		}},
		{"line", func() comparedChart {
			c := charts.NewLine()
			c.SetGlobalOptions(init)
			c.SetXAxis([]string{"2017年1月", "2017年2月"})
			c.AddSeries("环翠区", []opts.LineData{{Value: 3}, {Value: 7}})
			return c
		}},
		{"pie", func() comparedChart {
			c := charts.NewPie()
			c.SetGlobalOptions(init)
			c.AddSeries("状态", []opts.PieData{{Name: "完成", Value: 12}, {Name: "滞后", Value: 3}})
			return c
		}},
		{"gauge", func() comparedChart {
			c := charts.NewGauge()
			c.SetGlobalOptions(init, charts.WithAnimation(false))
			c.AddSeries("完成率", []opts.GaugeData{{Name: "完成率（%）", Value: "68.5"}})
			return c
		}},
		{"heatmap", func() comparedChart {
			c := charts.NewHeatMap()
			c.SetGlobalOptions(init, charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Max: 1}))
			c.SetXAxis([]string{"1月", "2月"})
			c.AddSeries("完成率", []opts.HeatMapData{{Value: [3]any{0, 0, 0.5}}, {Value: [3]any{1, 0, 0.9}}})
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el, script, err := snippet(tt.chart())
			if err != nil {
				t.Fatal(err)
			}
			want := tt.chart().RenderSnippet()
			if string(el) != want.Element {
				t.Errorf("element:\n%s\nwant go-echarts':\n%s", el, want.Element)
			}
			if string(script) != want.Script {
				t.Errorf("script:\n%s\nwant go-echarts':\n%s", script, want.Script)
			}
		})
	}
}
