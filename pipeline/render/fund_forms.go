package render

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
	"jixiao/pipeline/workbook"
)

// The finance office's forms of a special fund (中发〔2018〕34号's 绩效目标 →
// 运行监控 → 绩效评价): each is a page kind repeated per fund, linked from the
// fund's page and left out of the navigation, and an export name.
var fundForms = []struct {
	kind, export, title string
}{
	{project.PageFundTargets, "fund-targets", "绩效目标表"},
	{project.PageFundMonitor, "fund-monitor", "运行监控表"},
	{project.PageFundSelfEval, "fund-self-eval", "自评表"},
}

// isFormKind reports whether a page kind is one of the fund forms.
func isFormKind(kind string) bool {
	for _, f := range fundForms {
		if f.kind == kind {
			return true
		}
	}
	return false
}

// FundFormExports are the names jixiao export takes for the fund forms.
func FundFormExports() []string {
	var out []string
	for _, f := range fundForms {
		out = append(out, f.export)
	}
	return out
}

// FundFormRequest asks for one fund's form as of a month (zero: the data's
// newest month), for every unit and the city or for one unit (a code, or
// ALL for the city).
type FundFormRequest struct {
	Export string // fund-targets, fund-monitor, fund-self-eval
	Fund   string
	Month  time.Time
	Unit   string
}

// WriteFundForm writes the form as a workbook at path: a sheet for the city
// and one for each unit, laid out as the form is. It returns the month the
// form is as of.
func WriteFundForm(ctx context.Context, w *warehouse.Warehouse, r FundFormRequest, path string) (time.Time, error) {
	kind := ""
	for _, f := range fundForms {
		if f.export == r.Export {
			kind = f.kind
		}
	}
	if kind == "" {
		return time.Time{}, fmt.Errorf("unknown form %q (forms: %s)", r.Export, strings.Join(FundFormExports(), ", "))
	}
	forms, month, err := buildFundForms(ctx, w, kind, r.Fund, r.Month)
	if err != nil {
		return time.Time{}, err
	}
	if r.Unit != "" {
		var keep []*form
		for _, f := range forms {
			if f.unit == r.Unit {
				keep = append(keep, f)
			}
		}
		if len(keep) == 0 {
			return time.Time{}, fmt.Errorf("资金 %s 没有单位 %s 的数据", r.Fund, r.Unit)
		}
		forms = keep
	}
	return month, saveForms(path, forms)
}

// rec is a query row by column name.
type rec map[string]any

func (r rec) s(k string) string {
	if v, ok := r[k].(string); ok {
		return v
	}
	if r[k] == nil {
		return ""
	}
	return FormatCell(r[k], "")
}

func (r rec) f(k string) float64 {
	v, _ := toFloat(r[k])
	return v
}

func queryRecs(ctx context.Context, w *warehouse.Warehouse, q string, args ...any) ([]rec, error) {
	res, err := w.Query(ctx, q, 0, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", strings.Fields(q)[3], warehouse.FirstLine(err))
	}
	out := make([]rec, len(res.Rows))
	for i, row := range res.Rows {
		out[i] = rec{}
		for j, c := range res.Columns {
			out[i][c] = row[j]
		}
	}
	return out, nil
}

// buildFundForms builds a fund's forms of a kind as of month (zero: the
// newest month the marts hold; the 自评表 scores that month only).
func buildFundForms(ctx context.Context, w *warehouse.Warehouse, kind, fund string, month time.Time) ([]*form, time.Time, error) {
	latest, err := queryRecs(ctx, w, `SELECT max(month) AS month FROM marts.fund_monitor_budget WHERE fund_id = $1`, fund)
	if err != nil {
		return nil, time.Time{}, err
	}
	last, ok := latest[0]["month"].(time.Time)
	if !ok {
		return nil, time.Time{}, fmt.Errorf("没有资金 %s 的数据（资金编号见 data/catalog/funds.csv；先运行 jixiao run）", fund)
	}
	if month.IsZero() {
		month = last
	}
	switch kind {
	case project.PageFundTargets:
		f, err := targetsForm(ctx, w, fund)
		return []*form{f}, month, err
	case project.PageFundMonitor:
		if month.After(last) || month.Year() != last.Year() {
			return nil, time.Time{}, fmt.Errorf("运行监控表只能按 %d年1月 至 %s 的月份生成，不是 %s", last.Year(), FormatMonth(last), FormatMonth(month))
		}
		f, err := monitorForms(ctx, w, fund, month)
		return f, month, err
	case project.PageFundSelfEval:
		if !month.Equal(last) {
			return nil, time.Time{}, fmt.Errorf("自评表按数据截至的 %s 评分，不能按 %s 生成（得分只算到最新月份）", FormatMonth(last), FormatMonth(month))
		}
		f, err := selfEvalForms(ctx, w, fund, month)
		return f, month, err
	}
	return nil, time.Time{}, fmt.Errorf("unknown form kind %q", kind)
}

// levelCells are the 一级/二级 cells of an indicator table: consecutive
// rows with the same level merge into one cell spanning them.
func levelCells(items []rec) [][2]formCell {
	out := make([][2]formCell, len(items))
	for k, key := range []string{"level1", "level2"} {
		for i := 0; i < len(items); {
			j := i + 1
			for j < len(items) && items[j].s(key) == items[i].s(key) && (k == 0 || items[j].s("level1") == items[i].s("level1")) {
				j++
			}
			out[i][k] = formCell{Text: items[i].s(key), Value: items[i].s(key), RowSpan: j - i, Align: "center"}
			for m := i + 1; m < j; m++ {
				out[m][k].RowSpan = -1 // covered
			}
			i = j
		}
	}
	return out
}

// withLevels prepends the level cells a row shows (none where a cell above spans it).
func withLevels(lv [2]formCell, rest ...formCell) []formCell {
	var row []formCell
	for _, c := range lv {
		if c.RowSpan >= 0 {
			row = append(row, c)
		}
	}
	return append(row, rest...)
}

func targetsForm(ctx context.Context, w *warehouse.Warehouse, fund string) (*form, error) {
	published, ok, err := w.Published(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("仓库中还没有项目设置（先运行 jixiao run）")
	}
	items, err := queryRecs(ctx, w, `SELECT * FROM marts.fund_targets WHERE fund_id = $1 ORDER BY row_no`, fund)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("资金 %s 没有绩效指标（data/catalog/fund_indicators.csv）", fund)
	}
	h := items[0]
	f := &form{Sheet: "绩效目标表", unit: "ALL", Title: "项目支出绩效目标表", Subtitle: fmt.Sprintf("（%d年度）", published.PlanYear),
		Widths: []float64{8, 10, 26, 8, 24, 9, 7, 30}}
	money := func(k string) formCell { c := valueCell(h[k], fmtWanYuanWan); return c }
	f.Tables = append(f.Tables, formTable{Body: [][]formCell{
		{labelCell("项目名称", 2), withSpan(textCell(h.s("fund_name")), 2), labelCell("主管部门", 1), withSpan(textCell(h.s("department")), 3)},
		{labelCell("年度资金（万元）", 2), labelCell("年初预算", 1), money("budget_wan"), labelCell("预算调整", 1), money("adjustment_wan"), labelCell("全年预算数", 1), money("planned_wan")},
		{labelCell("年度总体目标", 2), withSpan(textCell(h.s("goal")), 6)},
	}})
	t := formTable{Caption: "绩效指标", Head: [][]formCell{{headCell("一级指标", 1, 1), headCell("二级指标", 1, 1), headCell("三级指标", 1, 1),
		headCell("指标性质", 1, 1), headCell("指标值", 1, 1), headCell("计量单位", 1, 1), headCell("分值", 1, 1), headCell("目标依据", 1, 1)}}}
	levels := levelCells(items)
	total := 0.0
	for i, it := range items {
		basis := it.s("basis")
		if it.s("basis_text") != "" {
			basis += "：" + it.s("basis_text")
		}
		t.Body = append(t.Body, withLevels(levels[i], textCell(it.s("indicator_name")), centered(textCell(it.s("nature"))),
			textCell(it.s("indicator_value")), centered(textCell(orDash(it.s("measure")))), valueCell(it["weight"], fmtNumber), textCell(orDash(basis))))
		total += it.f("weight")
	}
	t.Body = append(t.Body, []formCell{labelCell("合计", 6), {Text: FormatNumber(total, 2), Value: total, Format: fmtNumber, Align: "right", Kind: "total"}, textCell("")})
	f.Tables = append(f.Tables, t)
	f.Notes = []string{
		"指标值：定量指标为全年目标（≥ 不低于，≤ 不高于），定性指标为评价标准；资金到位率、预算执行率年中按序时进度计分。",
		"目标依据为“推定”的，计划原文没有写出数值，目标由本项目设定（理由见依据说明），请按本单位申报的绩效目标核对。",
		"来源：marts.fund_targets（资金目录 data/catalog/funds.csv、指标目录 data/catalog/fund_indicators.csv，资金为台账合计）。",
	}
	return f, nil
}

func withSpan(c formCell, n int) formCell { c.ColSpan = n; return c }
func centered(c formCell) formCell        { c.Align = "center"; return c }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// validateFormPages checks that each form page is repeated over the funds.
func validateFormPages(p *project.Project, diags interface {
	Errorf(pos diag.Pos, format string, args ...any)
}) {
	for _, pg := range p.Pages {
		if isFormKind(pg.Kind) && (pg.Each == nil || pg.Each.Key == "") {
			diags.Errorf(pg.Pos, "page kind %s is one fund's form: repeat it over the funds (each: {model: staging.stg_funds, key: fund_id, title: fund_name})", pg.Kind)
		}
	}
}

// writeFormPage puts a fund's form on its page: the forms (the city's and
// each unit's, for the monitoring and self-evaluation forms) and their
// workbook, a sheet each.
func writeFormPage(ctx context.Context, w *warehouse.Warehouse, in instance, view *pageView, dir string, res *Result, d *workbook.Deflaters) error {
	start := time.Now()
	forms, month, err := buildFundForms(ctx, w, in.decl.Kind, in.key, time.Time{})
	res.QueryTime += time.Since(start)
	if err != nil {
		return err
	}
	start = time.Now()
	defer func() { res.WriteTime += time.Since(start) }()
	title := ""
	for _, f := range fundForms {
		if f.kind == in.decl.Kind {
			title = f.title
		}
	}
	var book bytes.Buffer
	if err := writeForms(&book, forms, d); err != nil {
		return err
	}
	name := strings.TrimSuffix(in.file, ".html") + ".xlsx"
	link, err := download(dir, name, xlsxMIME, book.Bytes())
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(formCSS)
	what := "Excel，与表格版式相同"
	if len(forms) > 1 {
		what = "Excel，全市和各单位各一张工作表，与表格版式相同"
	}
	fmt.Fprintf(&b, `<p class="downloads"><a href="%s" download="%s">下载%s（%s）</a>　<a href="javascript:window.print()">打印（A4 横向）</a></p>`,
		html.EscapeString(string(link)), html.EscapeString(downloadName(in.title, title+"（"+FormatMonth(month)+"）", ".xlsx")), title, what)
	if len(forms) > 1 {
		b.WriteString(`<p class="form-links">`)
		for i, f := range forms {
			fmt.Fprintf(&b, `<a href="#form-%d">%s</a>`, i+1, html.EscapeString(f.Sheet))
		}
		b.WriteString(`</p>`)
	}
	for i, f := range forms {
		fmt.Fprintf(&b, `<div id="form-%d">`, i+1)
		b.WriteString(string(f.html()))
		b.WriteString(`</div>`)
	}
	view.Form = template.HTML(b.String())
	return nil
}
