package render

import (
	"context"
	"fmt"
	"strings"
	"time"

	"jixiao/pipeline/warehouse"
)

// The 偏差原因分析 categories and 完成目标可能性 choices, as 财预〔2019〕136号's
// monitoring form ticks them.
var (
	deviationCategories = []string{"经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"}
	likelihoods         = []string{"确定能", "有可能", "完全不可能"}
)

// monitorForms builds the 运行监控表 of a fund as of month: the city's,
// then each unit's, each with its budget execution and its indicators.
func monitorForms(ctx context.Context, w *warehouse.Warehouse, fund string, month time.Time) ([]*form, error) {
	budgets, err := queryRecs(ctx, w, `SELECT b.*, f.goal FROM marts.fund_monitor_budget b JOIN staging.stg_funds f USING (fund_id)
		WHERE b.fund_id = $1 AND b.month = $2 ORDER BY b.unit_code = 'ALL' DESC, b.unit_code`, fund, month)
	if err != nil {
		return nil, err
	}
	items, err := queryRecs(ctx, w, `SELECT m.*, t.indicator_value, t.row_no FROM marts.fund_monitor m
		JOIN marts.fund_targets t USING (fund_id, indicator_name)
		WHERE m.fund_id = $1 AND m.month = $2 ORDER BY m.unit_code, t.row_no`, fund, month)
	if err != nil {
		return nil, err
	}
	reminders, err := queryRecs(ctx, w, `SELECT r.* FROM marts.reason_reminders r
		WHERE r.month = $2 AND r.indicator_id IN (SELECT plan_indicator FROM staging.stg_fund_indicators WHERE fund_id = $1)
		ORDER BY r.unit_code, r.indicator_id`, fund, month)
	if err != nil {
		return nil, err
	}
	published, _, err := w.Published(ctx)
	if err != nil {
		return nil, err
	}
	byUnit := map[string][]rec{}
	for _, it := range items {
		byUnit[it.s("unit_code")] = append(byUnit[it.s("unit_code")], it)
	}
	m := int(month.Month())
	yellow, red := published.LightYellow, published.LightRed
	var forms []*form
	for _, b := range budgets {
		f := &form{Sheet: b.s("unit_name"), unit: b.s("unit_code"), Title: "项目支出绩效目标执行监控表",
			Subtitle: fmt.Sprintf("（%d年1–%d月，数据截至%s）", month.Year(), m, FormatMonth(month)),
			Widths:   []float64{6, 7, 18, 10, 10, 10, 5, 5, 5, 6, 5, 22, 5, 5, 6, 20, 5}}
		f.Tables = append(f.Tables, formTable{Body: [][]formCell{
			{labelCell("项目名称", 2), withSpan(textCell(b.s("fund_name")), 4), labelCell("主管部门", 2), withSpan(textCell(b.s("department")), 3),
				labelCell("实施单位", 2), withSpan(textCell(b.s("unit_name")), 4)},
			{labelCell("年度总体目标", 2), withSpan(textCell(b.s("goal")), 15)},
		}})
		f.Tables = append(f.Tables, monitorBudget(b, m))
		f.Tables = append(f.Tables, monitorIndicators(byUnit[b.s("unit_code")], m))
		if b.s("unit_code") == "ALL" && len(reminders) > 0 {
			f.Tables = append(f.Tables, monitorReminders(reminders))
		}
		f.Notes = []string{
			fmt.Sprintf("全年预计：累计数按 1–%d 月月均线性推算（全年预计 = 1–%d月累计 ÷ %d × 12）；资金到位不超过全年预算；单位成本、满意度等比值以 1–%d 月的值作全年预计；定性指标不推算（marts.projections，看板的预计全年完成率同此口径）。", m, m, m, m),
			fmt.Sprintf("序时进度 = %d ÷ 12 = %.1f%%。灯：落后序时进度（单位成本、满意度为差于目标）不超过 %s 为绿灯，%s–%s 为黄灯，超过 %s 或单位判断“完全不可能”完成为红灯；定性指标按评价等级（达成绿、部分达成黄、未达成红）。档位见 jixiao.yaml 的 scoring.light_yellow、light_red。",
				m, float64(m)/12*100, points(yellow), points(yellow), points(red), points(red)),
			"偏差原因分析、完成目标可能性和纠偏措施取自各单位当月月报中对应的工作要点指标（资金指标目录的“计划指标”列）；落后而未填写的显示“未填写”，并列入催报；没有对应月报指标的行由主管科室填写。",
			"完成目标可能性标 * 的，单位未填报，按全年预计推断（达到年度指标值为确定能，差距在红灯档位以内为有可能，否则为完全不可能）；全市各行均按全年预计推断。",
		}
		forms = append(forms, f)
	}
	return forms, nil
}

// points writes a band as percentage points: 0.05 -> 5 个百分点.
func points(v float64) string { return FormatNumber(v*100, 0) + " 个百分点" }

func monitorBudget(b rec, m int) formTable {
	h := func(s string, c, r int) formCell { return headCell(s, c, r) }
	light := formCell{Text: b.s("light"), Value: b.s("light"), Light: b.s("light")}
	gap := valueCell(b["pace_gap"], fmtPercent)
	if b["pace_gap"] != nil {
		gap.Text = fmt.Sprintf("%+.1f 个百分点", b.f("pace_gap")*100)
	}
	return formTable{
		Caption: "预算执行（万元）",
		Head: [][]formCell{
			{h("项目资金（万元）", 3, 2), h("年初预算数", 1, 2), h("全年预算数", 1, 2), h(fmt.Sprintf("1–%d月执行情况", m), 3, 1),
				h("全年预计", 4, 1), h("序时进度", 2, 2), h("偏离序时进度", 2, 2), h("灯", 1, 2)},
			{h("执行数", 1, 1), h("执行率", 2, 1), h("执行数", 3, 1), h("执行率", 1, 1)},
		},
		Body: [][]formCell{{labelCell("年度资金总额", 3), valueCell(b["budget_wan"], fmtWanYuanWan), valueCell(b["planned_wan"], fmtWanYuanWan),
			valueCell(b["spent_wan"], fmtWanYuanWan), withSpan(valueCell(b["execution_rate"], fmtPercent), 2),
			withSpan(valueCell(b["projected_wan"], fmtWanYuanWan), 3), valueCell(b["projected_rate"], fmtPercent),
			withSpan(valueCell(b["pace"], fmtPercent), 2), withSpan(gap, 2), light}},
	}
}

func monitorIndicators(items []rec, m int) formTable {
	h := func(s string, c, r int) formCell { return headCell(s, c, r) }
	t := formTable{
		Caption: "绩效指标",
		Head: [][]formCell{
			{h("一级指标", 1, 2), h("二级指标", 1, 2), h("三级指标", 1, 2), h("年度指标值", 1, 2), h(fmt.Sprintf("1–%d月实际完成值", m), 1, 2),
				h("全年预计完成值", 1, 2), h("偏差原因分析", 6, 1), h("完成目标可能性", 3, 1), h("纠偏措施", 1, 2), h("灯", 1, 2)},
			append(append(headCells(deviationCategories), h("原因说明", 1, 1)), headCells(likelihoods)...),
		},
	}
	levels := levelCells(items)
	for i, it := range items {
		measure := it.s("measure")
		target := textCell(it.s("indicator_value"))
		actual := measureCell(it["actual"], measure)
		projected := measureCell(it["projected"], measure)
		if it.s("nature") == "定性" {
			actual, projected = textCell(orDash(it.s("actual_text"))), centered(textCell("—"))
		} else if it.s("unit_code") != "ALL" && it.s("data_source") == "services" {
			target = measureCell(it["annual_target"], measure) // the unit's part of the city's target
		}
		row := []formCell{textCell(it.s("indicator_name")), target, actual, projected}
		for _, c := range deviationCategories {
			row = append(row, tick(strings.Contains(it.s("deviation_category"), c), false))
		}
		why := textCell(it.s("deviation_reason"))
		if it.s("unit_code") != "ALL" && it.s("deviation_category") != "" {
			why = textCell(strings.TrimSuffix(it.s("deviation_category")+"："+it.s("deviation_reason"), "："))
		}
		if it.s("unit_code") != "ALL" && it.s("reason_status") == "未填写" {
			why = formCell{Text: "未填写", Value: "未填写", Warn: true}
		}
		if why.Text == "" {
			why = centered(textCell("—"))
		}
		row = append(row, why)
		inferred := it.s("likelihood_basis") == "按全年预计推断"
		for _, l := range likelihoods {
			row = append(row, tick(it.s("likelihood") == l, inferred))
		}
		row = append(row, textCell(orDash(it.s("corrective_action"))),
			formCell{Text: orDash(it.s("light")), Value: it.s("light"), Light: it.s("light"), Align: "center"})
		t.Body = append(t.Body, withLevels(levels[i], row...))
	}
	return t
}

func headCells(names []string) []formCell {
	out := make([]formCell, len(names))
	for i, n := range names {
		out[i] = headCell(n, 1, 1)
	}
	return out
}

// tick is a checked box of the form: ✓, or ✓* where jixiao inferred it.
func tick(on, inferred bool) formCell {
	switch {
	case on && inferred:
		return formCell{Text: "✓*", Value: "✓*", Align: "center"}
	case on:
		return formCell{Text: "✓", Value: "✓", Align: "center"}
	}
	return formCell{Align: "center"}
}

func monitorReminders(reminders []rec) formTable {
	t := formTable{Caption: "催报：落后但未填写偏差原因的单位",
		Head: [][]formCell{{headCell("单位", 2, 1), headCell("工作要点指标", 3, 1), headCell("完成情况", 6, 1), headCell("催报内容", 6, 1)}}}
	for _, r := range reminders {
		t.Body = append(t.Body, []formCell{withSpan(textCell(r.s("unit_name")), 2), withSpan(textCell(r.s("indicator_id")+" "+r.s("indicator_name")), 3),
			withSpan(textCell(r.s("status")+"："+r.s("value_text")), 6), withSpan(textCell(r.s("reminder")), 6)})
	}
	return t
}

// selfEvalForms builds the 自评表 of a fund as of month (the data's newest):
// the city's, then each unit's.
func selfEvalForms(ctx context.Context, w *warehouse.Warehouse, fund string, month time.Time) ([]*form, error) {
	heads, err := queryRecs(ctx, w, `SELECT e.*, f.goal, b.budget_wan, b.planned_wan, b.spent_wan,
			s.weight AS execution_weight, s.score AS execution_score
		FROM marts.fund_self_eval e
		JOIN staging.stg_funds f USING (fund_id)
		JOIN marts.fund_monitor_budget b ON b.fund_id = e.fund_id AND b.unit_code = e.unit_code AND b.month = $2
		LEFT JOIN (SELECT s.group_id, s.unit_code, sum(s.weight) AS weight, sum(s.score) AS score FROM marts.indicator_scores s
			JOIN staging.stg_fund_indicators fi ON fi.fund_id = s.group_id AND fi.indicator_name = s.item_id AND fi.data_source = 'execution_rate'
			WHERE s.context = 'fund' GROUP BY s.group_id, s.unit_code) s ON s.group_id = e.fund_id AND s.unit_code = e.unit_code
		WHERE e.fund_id = $1 ORDER BY e.unit_code = 'ALL' DESC, e.unit_code`, fund, month)
	if err != nil {
		return nil, err
	}
	items, err := queryRecs(ctx, w, `SELECT * FROM marts.fund_self_eval_items WHERE fund_id = $1 ORDER BY unit_code, row_no`, fund)
	if err != nil {
		return nil, err
	}
	byUnit := map[string][]rec{}
	for _, it := range items {
		byUnit[it.s("unit_code")] = append(byUnit[it.s("unit_code")], it)
	}
	m := int(month.Month())
	var forms []*form
	for _, e := range heads {
		f := &form{Sheet: e.s("unit_name"), unit: e.s("unit_code"), Title: "项目支出绩效自评表",
			Subtitle: fmt.Sprintf("（%d年1–%d月，数据截至%s）", month.Year(), m, FormatMonth(month)),
			Widths:   []float64{7, 9, 24, 16, 14, 7, 7, 42}}
		f.Tables = append(f.Tables, formTable{Body: [][]formCell{
			{labelCell("项目名称", 2), withSpan(textCell(e.s("fund_name")), 2), labelCell("主管部门", 1), withSpan(textCell(e.s("department")), 3)},
			{labelCell("实施单位", 2), withSpan(textCell(e.s("unit_name")), 2), labelCell("评价期间", 1), withSpan(textCell(fmt.Sprintf("%d年1–%d月", month.Year(), m)), 3)},
		}})
		f.Tables = append(f.Tables, formTable{Caption: "项目资金（万元）",
			Head: [][]formCell{{headCell("项目资金（万元）", 2, 1), headCell("年初预算数", 1, 1), headCell("全年预算数", 1, 1),
				headCell(fmt.Sprintf("1–%d月执行数", m), 1, 1), headCell("执行率", 1, 1), headCell("分值", 1, 1), headCell("得分", 1, 1)}},
			Body: [][]formCell{{labelCell("年度资金总额", 2), valueCell(e["budget_wan"], fmtWanYuanWan), valueCell(e["planned_wan"], fmtWanYuanWan),
				valueCell(e["spent_wan"], fmtWanYuanWan), valueCell(e["execution_rate"], fmtPercent), valueCell(e["execution_weight"], fmtNumber),
				valueCell(e["execution_score"], fmtNumber)}},
		})
		t := formTable{Caption: "绩效指标",
			Head: [][]formCell{
				{headCell("绩效指标", 5, 1), headCell("评分", 3, 1)},
				headCells([]string{"一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "扣分原因"}),
			}}
		rows := byUnit[e.s("unit_code")]
		levels := levelCells(rows)
		weights := 0.0
		for i, it := range rows {
			actual := measureCell(it["actual"], it.s("measure"))
			if it["actual"] == nil {
				actual = centered(textCell(orDash(it.s("actual_text"))))
			}
			target := textCell(orDash(it.s("indicator_value")))
			if it.s("level1") == "扣分" {
				target, actual = centered(textCell("—")), centered(textCell("—"))
			}
			t.Body = append(t.Body, withLevels(levels[i], textCell(it.s("indicator_name")), target, actual,
				valueCell(it["weight"], fmtNumber), valueCell(it["score"], fmtNumber), textCell(orDash(it.s("deduction_reason")))))
			weights += it.f("weight")
		}
		grade := e.s("grade")
		t.Body = append(t.Body, []formCell{labelCell("总分", 5),
			{Text: FormatNumber(weights, 2), Value: weights, Format: fmtNumber, Align: "right", Kind: "total"},
			{Text: FormatNumber(e.f("total"), 2), Value: e.f("total"), Format: fmtNumber, Align: "right", Kind: "total"},
			{Text: "等级：" + grade, Value: "等级：" + grade, Kind: "total", Align: "center"}})
		f.Tables = append(f.Tables, t)
		f.Tables = append(f.Tables, formTable{Body: [][]formCell{
			{labelCell("年度总体目标", 2), withSpan(textCell(e.s("goal")), 6)},
			{labelCell("评价结论", 2), withSpan(textCell(e.s("conclusion")), 6)},
		}})
		f.Notes = []string{
			"得分按 marts.indicator_scores 的计分规则（与专项资金页相同）：定量指标按比例、反向指标按超出比例扣减、定性指标按评价等级分档；扣分原因由失分的规则写出。",
			"年中自评：服务人数的计分目标为全年目标 × 已过月份 ÷ 12；预算执行率的计分口径见 jixiao.yaml 的 scoring.execution_basis。等级：优 ≥ 90，良 ≥ 80，中 ≥ 60，差 < 60。",
			"评价结论由上列数字按模板写成，请核对后签署。",
		}
		forms = append(forms, f)
	}
	return forms, nil
}
