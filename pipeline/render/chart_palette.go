package render

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// palette colours a chart's series: ECharts' nine, then eleven more as
// distinct from them and each other, so that a line per unit or fund,
// with room to spare, never repeats a colour. ECharts' own list of nine
// made the eighth unit's line share the first's colour.
var palette = opts.Colors{
	"#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc",
	"#2f4554", "#c23531", "#1f9e89", "#d48265", "#6e7074", "#b5a000", "#003f8a", "#8c564b", "#00a3e0",
	"#e377c2", "#7f7f00",
}

// lineSeriesStyle tells a line apart where the palette runs out: series
// beyond it are dashed, and beyond twice its length dotted.
func lineSeriesStyle(i int) []charts.SeriesOpts {
	switch {
	case i >= 2*len(palette):
		return []charts.SeriesOpts{charts.WithLineStyleOpts(opts.LineStyle{Type: "dotted"})}
	case i >= len(palette):
		return []charts.SeriesOpts{charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed"})}
	}
	return nil
}
