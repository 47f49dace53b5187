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
// to 120%, red below 序时进度 and green above when the panel gives it as
// delta, with a second needle at 序时进度.
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
	v, ok := toFloat(data.Rows[0][vi])
	if !ok {
		// A floor or a ceiling has no completion rate: a dial at 0 would
		// read as nothing done.
		return template.HTML(`<p class="note">本指标不计完成率（比例类对底线、反向指标对上限），完成情况见下表。</p>`), "", nil
	}
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
	el, script, err := snippet(c)
	if err != nil {
		return "", "", err
	}
	// The title sits under the figure, not on it; with a delta (序时进度)
	// the dial is red below it and green above, and a second needle marks it.
	pace := -1.0
	if p.Delta != "" {
		if di, err := columnIndex(data, p.Delta); err == nil {
			if f, ok := toFloat(data.Rows[0][di]); ok {
				pace = f
			}
		}
	}
	style := `{series: [{title: {offsetCenter: [0, '78%'], fontSize: 13}, detail: {offsetCenter: [0, '45%'], formatter: '{value}%', fontSize: 22}}]}`
	if pace >= 0 {
		stop := min(pace*100/120, 1)
		style = fmt.Sprintf(`{series: [
  {title: {offsetCenter: [0, '78%%'], fontSize: 13}, detail: {offsetCenter: [0, '45%%'], formatter: '{value}%%', fontSize: 22},
   axisLine: {lineStyle: {width: 14, color: [[%.4f, '#c62828'], [1, '#2e7d32']]}}},
  {type: 'gauge', max: 120, z: 3, axisLine: {show: false}, axisTick: {show: false}, splitLine: {show: false}, axisLabel: {show: false},
   pointer: {length: '85%%', width: 3, itemStyle: {color: '#f9a825'}}, title: {show: false},
   detail: {offsetCenter: [0, '100%%'], fontSize: 12, color: '#5f6368', formatter: '序时进度 {value}%%'},
   data: [{value: %.1f}]}]}`, stop, pace*100)
	}
	script += template.HTML(fmt.Sprintf(`<script>(function(){var el=document.getElementById(%q);if(!el||!window.echarts)return;var c=echarts.getInstanceByDom(el);if(c)c.setOption(%s);})();</script>`, chartID, style))
	return el, script, nil
}
