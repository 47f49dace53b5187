//go:build duckdb_arrow

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
)

// planWarehouse runs the default project's own transforms over the small
// plan in testdata/projects/plan, whose every score is worked out by hand
// in the tests below, and returns the warehouse.
func planWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	return planWarehouseWith(t, nil)
}

// planWarehouseWith is planWarehouse with the copied project's files
// changed by edit first (nil: as they are).
func planWarehouseWith(t *testing.T, edit func(dir string)) *warehouse.Warehouse {
	t.Helper()
	dir := fixture.Copy(t, "plan")
	if err := os.CopyFS(filepath.Join(dir, "transforms"), os.DirFS("transforms")); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(dir)
	}
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "test",
		Stages: []run.Stage{run.StageExtract, run.StageTransform, run.StageTest}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(s.Tests) == 0 {
		t.Fatal("no data tests ran")
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// rowsOf renders a query's rows as "a|b|c" lines.
func rowsOf(t *testing.T, w *warehouse.Warehouse, q string) []string {
	t.Helper()
	res, err := w.Query(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range res.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out
}

func expectRows(t *testing.T, w *warehouse.Warehouse, q string, want ...string) {
	t.Helper()
	got := rowsOf(t, w, q)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s\n got:\n  %s\nwant:\n  %s", q, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestPlanCompletionAndPace(t *testing.T) {
	w := planWarehouse(t)
	// At the end of June 序时进度 is 50%: 5 of 10 is on pace (the boundary),
	// 4 of 10 is behind (more than the 5-point tolerance), and in December
	// 15 of 10 is done and must be explained (>= 130%).
	expectRows(t, w, `SELECT unit_name, month(month), actual_cum, completion_rate, pace, status, over_target FROM marts.indicator_completion
		WHERE indicator_id = 'P1' AND month(month) IN (6, 12) ORDER BY month, unit_code`,
		"环翠区|6|5|0.5|0.5|正常|false", "文登区|6|4|0.4|0.5|滞后|false", "高区|6|0|0|0.5|滞后|false", "经区|6|0|0|0.5|滞后|false",
		"环翠区|12|15|1.5|1|完成|true", "文登区|12|8|0.8|1|滞后|false", "高区|12|10|1|1|完成|false", "经区|12|10|1|1|完成|false")
	// A ceiling (反向): 15 of 10 is over it (超限) and has no completion rate
	// (150% would read as good); a zero target with zero counts is met.
	expectRows(t, w, `SELECT unit_name, target, actual_cum, status, coalesce(completion_rate, -1), value_text FROM marts.indicator_completion
		WHERE indicator_id = 'P2' AND month(month) = 12 ORDER BY unit_code`,
		"环翠区|10|15|超限|-1|累计 15 件，至本月控制数 10.0 件，全年上限 10 件（越少越好）", "文登区|10|20|超限|-1|累计 20 件，至本月控制数 10.0 件，全年上限 10 件（越少越好）",
		"高区|0|0|完成|-1|累计 0 件，至本月控制数 0.0 件，全年上限 0 件（越少越好）", "经区|0|0|完成|-1|累计 0 件，至本月控制数 0.0 件，全年上限 0 件（越少越好）")
	// A corrected report replaces the earlier one for the same month: 9, not 10 + 9.
	expectRows(t, w, `SELECT actual_cum FROM marts.indicator_completion WHERE indicator_id = 'P3' AND unit_code = '371002' AND month(month) = 12`, "9")
	// A deadline: done in May is on time; not done in May is not yet due
	// (未到期), and not done by the end of June is behind.
	expectRows(t, w, `SELECT unit_name, month(month), status FROM marts.indicator_completion
		WHERE indicator_id = 'P9' AND month(month) IN (5, 6) ORDER BY month, unit_code`,
		"环翠区|5|完成", "文登区|5|未到期", "环翠区|6|完成", "文登区|6|滞后")
	// A rate: owed nothing (市本级) is fully met.
	expectRows(t, w, `SELECT unit_name, rate, status FROM marts.indicator_completion WHERE indicator_id = 'P8' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|1|完成", "环翠区|0.7|完成", "文登区|0.35|滞后")
	// Service records count people once: 环翠区's person was served twice
	// there, and once more in 文登区, which counts them too.
	expectRows(t, w, `SELECT unit_name, target, actual_cum FROM marts.indicator_completion WHERE indicator_id = 'S1' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|2|0", "环翠区|4|1", "文登区|4|2")
	// Citywide, people are distinct across the city: 2 people, not 1 + 2.
	expectRows(t, w, `SELECT actual_cum, target FROM marts.city_completion WHERE indicator_id = 'S1' AND month(month) = 12`, "2|10")
	// Citywide: the units' actuals add up against the summed unit targets.
	expectRows(t, w, `SELECT actual_cum, target, completion_rate FROM marts.city_completion WHERE indicator_id = 'P1' AND month(month) = 12`, "43|40|1.075")
}

func TestPlanScoringRules(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT item_id, unit_code, score, coalesce(rank, 0) FROM marts.indicator_scores WHERE context = 'assessment' AND item_id LIKE 'P%' OR item_id LIKE 'S1' ORDER BY item_id, unit_code`,
		"P1|371002|10|0",   // 15 of 10: capped at the weight
		"P1|371003|8|0",    // proportional: 10 x 8/10
		"P1|371071|10|0",   //
		"P1|371072|10|0",   //
		"P2|371002|5|0",    // 反向: 15 against 10 loses half
		"P2|371003|0|0",    // 反向: twice the target scores 0
		"P2|371071|10|0",   // target 0, actual 0: full marks
		"P2|371072|10|0",   //
		"P3|371002|0|0",    // target met or nothing: 9 of 10
		"P3|371003|10|0",   //
		"P4|371002|8|0",    // efficacy: 60 + (0.75-0.5)/(1-0.5) x 40 = 80%
		"P4|371003|0|0",    // below 不允许值
		"P4|371071|10|0",   //
		"P4|371072|10|0",   //
		"P5|371002|10|1",   // rank 1
		"P5|371003|9.5|2",  // ties share rank 2 ...
		"P5|371071|9.5|2",  //
		"P5|371072|9.5|2",  //
		"P6|371002|3|0",    // bonus items
		"P6|371003|3|0",    //
		"P7|371002|3|0",    //
		"P7|371003|0|0",    //
		"P8|371000|5|0",    // a rate with nothing owed
		"P8|371002|5|0",    // 0.7 of target 0.7
		"P8|371003|2.5|0",  // 0.35 of 0.7
		"P9|371002|5|0",    // deadline met on time
		"P9|371003|2.5|0",  // met late: half
		"S1|371000|0|0",    //
		"S1|371002|1.25|0", // 1 of 4
		"S1|371003|2.5|0")  // 2 of 4
}

func TestPlanUnitAssessment(t *testing.T) {
	w := planWarehouse(t)
	// 环翠区: P1-P5 43 of 50, P8 5, P9 5, S1 1.25 of 5, A1 4 of 4, E1 2 of 2,
	// M1 4, M3 4, R1 0 of 3, S2 2 of 2: 60.25 of 84 = 71.73; M2 is not due
	// and counts in neither sum. Bonus P6 3 + P7 3 + L1 0 = 6, capped at 5.
	// Its June report was on time and corrected after the deadline: not late.
	// 文登区: 27.5 of 50, P8 2.5, P9 2.5, S1 2.5, A1 3.2, E1 1.5, M1 0, M3 2,
	// R1 3, S2 0: 44.7 of 84 = 53.21; bonus 3; one late report (June) -0.5.
	// 高区 and 经区 tie at 39.5 of 40 and share rank 1; the next rank is 3.
	// 市本级: P8 5, S1 0 of 5, E1 2, R1 3, S2 0 of 2, D1 0 of 2: 10 of 19 = 52.63.
	expectRows(t, w, `SELECT unit_name, base_points, bonus, late_reports, deduction, total, rank, tied, pending FROM marts.unit_assessment ORDER BY rank, unit_code`,
		"高区|98.75|0|0|0|98.75|1|true|0",
		"经区|98.75|0|0|0|98.75|1|true|0",
		"环翠区|71.73|5|0|0|76.73|3|false|1",
		"文登区|53.21|3|1|0.5|55.71|4|false|1",
		"市本级|52.63|0|0|0|52.63|5|false|0")
	// The total says where it comes from, the bonus cap and the late months included.
	expectRows(t, w, `SELECT explanation FROM marts.unit_assessment WHERE unit_code IN ('371002', '371003') ORDER BY unit_code`,
		"基础分 71.73（已计分指标得分 ÷ 权重 × 100） + 加分 5.00（加分项合计 6.00，上限 5 分） = 76.73；另有 1 项节点性指标未到期，本期不计分；有 7 份月报未收到或被拒收，得分为暂定",
		"基础分 53.21（已计分指标得分 ÷ 权重 × 100） + 加分 3.00 − 迟报扣分 0.50（2017年6月） = 55.71；另有 1 项节点性指标未到期，本期不计分；有 8 份月报未收到或被拒收，得分为暂定")
	// This small plan's units report only in some months: every month with no
	// report is listed, and the scores are provisional.
	expectRows(t, w, `SELECT missing_reports, provisional FROM marts.unit_assessment WHERE unit_code = '371002'`,
		"2017年1月未收到、2017年2月未收到、2017年7月未收到、2017年8月未收到、2017年9月未收到、2017年10月未收到、2017年11月未收到|true")
	expectRows(t, w, `SELECT unit_code, month(month), corrected, late FROM staging.stg_progress WHERE indicator_id = 'P1' AND month(month) = 6 ORDER BY unit_code`,
		"371002|6|true|false", "371003|6|false|true")
}

// TestPlanKindsOfTarget: each kind of target is judged as the plan's words
// mean it (DOMAIN.md, "How offices read each kind of target").
func TestPlanKindsOfTarget(t *testing.T) {
	w := planWarehouse(t)
	// A year-end milestone (M1, 1 处 per 区市): done in March is 完成 at once;
	// not done is 未到期 until December, and only then 滞后.
	expectRows(t, w, `SELECT unit_name, month(month), status, value_text FROM marts.indicator_completion
		WHERE indicator_id = 'M1' AND month(month) IN (3, 11, 12) ORDER BY month, unit_code`,
		"环翠区|3|完成|已完成 1/1 处（2017年3月完成）", "文登区|3|未到期|已完成 0/1 处，2017年12月31日到期",
		"环翠区|11|完成|已完成 1/1 处（2017年3月完成）", "文登区|11|未到期|已完成 0/1 处，2017年12月31日到期",
		"环翠区|12|完成|已完成 1/1 处（2017年3月完成）", "文登区|12|滞后|已完成 0/1 处，2017年12月31日到期")
	// Due after the data ends (M2, 2018-06-30): never 滞后, not scored.
	expectRows(t, w, `SELECT DISTINCT status FROM marts.indicator_completion WHERE indicator_id = 'M2'`, "未到期")
	expectRows(t, w, `SELECT count(*) FROM marts.indicator_scores WHERE item_id = 'M2'`, "0")
	// Met late (M3, 2 处 by 2017-06-30; 文登区's second in August): half
	// marks, and target_met keeps the half: 4 x 0.5 = 2.
	expectRows(t, w, `SELECT unit_name, done_late, score, note FROM marts.indicator_completion i
		JOIN marts.indicator_scores s ON s.item_id = i.indicator_id AND s.unit_code = i.unit_code AND s.context = 'assessment'
		WHERE indicator_id = 'M3' AND month(month) = 12 ORDER BY i.unit_code`,
		"环翠区|false|4|<nil>", "文登区|true|2|逾期完成，得分减半")
	// A floor (R1, 不低于70%): 68.46% is below it, whatever 97.8% of 70%
	// suggests: no completion rate, no tolerance.
	expectRows(t, w, `SELECT unit_name, status, coalesce(completion_rate, -1), value_text FROM marts.indicator_completion
		WHERE indicator_id = 'R1' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|完成|-1|100.0%，底线不低于 70.0%", "环翠区|滞后|-1|68.5%，底线不低于 70.0%", "文登区|完成|-1|70.0%，底线不低于 70.0%")
	// Every case (E1): done when all found are served.
	expectRows(t, w, `SELECT unit_name, status, value_text FROM marts.indicator_completion WHERE indicator_id = 'E1' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|完成|发现（应办）0，已办 0，全部办结", "环翠区|完成|发现（应办）5，已办 5，全部办结", "文登区|滞后|发现（应办）4，已办 3，尚有 1 未办")
	// "A或B" (A1 10人 or A2 20户): scored once on the better route, with A1's weight.
	expectRows(t, w, `SELECT item_id, unit_code, item_name, weight, score, note FROM marts.indicator_scores WHERE item_id IN ('A1', 'A2') ORDER BY unit_code`,
		"A1|371002|带动家庭|4|4|或目标：按“带动家庭”计分（完成较好的一项）",
		"A1|371003|吸纳就业|4|3.2|或目标：按“吸纳就业”计分（完成较好的一项）")
	// 例 counts records (环翠区's person had two operations); 人 counts people.
	expectRows(t, w, `SELECT unit_name, target, actual_cum FROM marts.indicator_completion WHERE indicator_id = 'S2' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|1|0", "环翠区|2|2", "文登区|2|0")
	// 市本级's target for every department: 2 x 3 departments in jixiao.yaml.
	expectRows(t, w, `SELECT unit_code, target, target_origin FROM staging.stg_targets WHERE indicator_id = 'D1'`, "371000|6|按部室（3个）")
	// A citywide 9 divided by shares 0.2/0.4/0.4 (1.8, 3.6, 3.6): whole parts
	// 1+3+3 = 7, the two left go to the largest remainders (市本级 0.8, then
	// the tie at 0.6 to the lower code 环翠区): 2+4+3 = 9. Rounding each
	// share alone would give 2+4+4 = 10.
	expectRows(t, w, `SELECT unit_code, target FROM staging.stg_targets WHERE indicator_id = 'L1' ORDER BY unit_code`,
		"371000|2", "371002|4", "371003|3")
	// L1 is monitored only (method none): shown, never scored.
	expectRows(t, w, `SELECT count(*) FROM marts.indicator_scores WHERE item_id = 'L1'`, "0")
	// A bonus the plan sets for the whole city only (B1, 3) is not divided:
	// every unit with a share earns it with its first one.
	expectRows(t, w, `SELECT unit_code, target FROM staging.stg_targets WHERE indicator_id = 'B1' ORDER BY unit_code`,
		"371000|1", "371002|1", "371003|1")
	// Assumed targets are marked as such.
	expectRows(t, w, `SELECT DISTINCT basis FROM marts.indicator_completion WHERE indicator_id = 'M2'`, "推定")
}

func TestPlanFundGradesAndDeductions(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT fund_id, unit_name, total, grade FROM marts.fund_performance WHERE fund_id IN ('G1', 'G2') ORDER BY fund_id, unit_code`,
		"G1|市本级|59.99|差",
		"G1|环翠区|60|中",
		"G1|文登区|79.99|中",
		"G1|高区|80|良",
		"G1|经区|89.99|良",
		"G1|全市|73.99|中", // 369.97 of 500 spent
		"G2|市本级|92|优",   // 达成 at 50% is raised to the band's 80%
		"G2|环翠区|90|优",   // 部分达成 75% x 40 + 60
		"G2|文登区|58|差",   // 部分达成 without a ratio: 70%; half the budget spent: 30
		"G2|高区|84|良",    // 未达成 at 90% is cut to the band's 60%
		"G2|经区|0|差",     // deductions of 205 floor the total at 0
		"G2|全市|0|差")     // deductions found in any unit count against the fund
	// The citywide qualitative score is the mean of the units': (32+30+28+24+40)/5.
	expectRows(t, w, `SELECT score FROM marts.indicator_scores WHERE group_id = 'G2' AND unit_code = 'ALL' AND method = 'qualitative'`, "30.8")
	expectRows(t, w, `SELECT decision_score, process_score, deduction FROM marts.fund_performance WHERE fund_id = 'G2' AND unit_code = '371072'`, "40|60|205")
	// Every figure names the loads it was built from, and they are in meta.
	expectRows(t, w, `SELECT count(*) FROM marts.fund_performance f, unnest(f.load_ids) AS t(id)
		WHERE id NOT IN (SELECT load_id FROM meta.source_loads WHERE status = 'success')`, "0")
	// The same ledger row re-exported in a second file replaces, never adds:
	// 59.99 spent, not 119.98.
	expectRows(t, w, `SELECT spent_wan, source_file FROM staging.stg_ledger WHERE fund_id = 'G1' AND unit_code = '371000'`, "59.99|data/ledger/2017-12-2.csv")
	// 市本级 reported nothing in this plan, so no load stands behind its score.
	expectRows(t, w, `SELECT unit_code FROM marts.unit_assessment WHERE len(load_ids) = 0`, "371000")
}

// No name, ID number, certificate number or phone number may pass staging.
func TestNoPersonalDataPastStaging(t *testing.T) {
	w := planWarehouse(t)
	cols := rowsOf(t, w, `SELECT table_schema || '.' || table_name, column_name FROM information_schema.columns
		WHERE table_schema IN ('staging', 'marts') AND data_type = 'VARCHAR'`)
	if len(cols) == 0 {
		t.Fatal("no text columns found")
	}
	for _, c := range cols {
		table, col, _ := strings.Cut(c, "|")
		switch col {
		case "name", "id_number", "cert_no", "phone":
			t.Errorf("%s has personal-data column %s", table, col)
		}
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE regexp_matches(%s, '\d{17}[\dX]|1[3-9]\d{9}|张建国|李秀英')`, table, warehouse.QuoteIdent(col))
		if n := rowsOf(t, w, q); len(n) != 1 || n[0] != "0" {
			t.Errorf("%s.%s holds personal data: %v", table, col, n)
		}
	}
	// The raw layer still has it (that is what staging is for).
	if n := rowsOf(t, w, `SELECT count(*) FROM raw.persons WHERE regexp_matches(id_number, '^\d{17}[\dX]$')`); n[0] != "2" {
		t.Errorf("fixture has no ID numbers in raw: %v", n)
	}
}
