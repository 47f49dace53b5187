//go:build duckdb_arrow

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jixiao/internal/require"
	"jixiao/internal/xlsxtest"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
)

// The finance forms (绩效目标表, 运行监控表, 自评表) over the small plan, every
// figure worked out by hand. Fund G3 (testdata/projects/plan) has a ledger
// month by month:
//
//	环翠区: Jan budget 120, arrived 60, spent 10; Mar spent 14;
//	        Jun adjustment 30, arrived 40, spent 12; Dec spent 40
//	文登区: Jan budget 80, arrived 40, spent 6; Jun spent 9
//
// and three indicators: 预算执行率 (20), 康复服务人数 (50, citywide 10, read
// from the 康复 service records, explained by plan indicator S1) and
// 服务对象满意度 (30, from a survey that holds no answers).

// TestPlanMonitorProjection: the 运行监控表 as of June (month 6 of 12,
// 序时进度 50%), 全年预计 = 1–6月累计 ÷ 6 × 12.
func TestPlanMonitorProjection(t *testing.T) {
	w := planWarehouse(t)
	// 全年预计执行数. 环翠区: budget 120 + 30 = 150, spent 10 + 14 + 12 = 36,
	// 36/150 = 24%, projected 36 ÷ 6 × 12 = 72, 72/150 = 48%. 文登区: 80, 6 + 9
	// = 15, 18.75%, 30, 37.5%. The city: 230, 51, 51/230 = 22.17%, projected
	// 51 ÷ 6 × 12 = 102, 102/230 = 44.35%, 27.83 points behind 序时进度: beyond
	// the 15-point red band, so every row is 红.
	expectRows(t, w, `SELECT unit_code, planned_wan, spent_wan, execution_rate, projected_wan, projected_rate, pace_gap, light
		FROM marts.fund_monitor_budget WHERE fund_id = 'G3' AND month(month) = 6 ORDER BY unit_code`,
		"371002|150|36|0.24|72|0.48|-0.26|红",
		"371003|80|15|0.1875|30|0.375|-0.3125|红",
		"ALL|230|51|0.221739|102|0.4435|-0.2783|红")
	// 全年预计完成值 of 康复服务人数. Each unit's part of the city's 10 is its
	// share, 0.4 × 10 = 4. 环翠区 has served person A (March) by June: 1,
	// projected 1 ÷ 6 × 12 = 2; 1/4 = 25% against 50% is 25 points behind:
	// 红. Its June report explains S1 (经费保障, 有可能). 文登区 has served B
	// (May) and A (June): 2, projected 4, on pace: 绿, nothing to explain; it
	// said nothing, so its likelihood is read from the projection (4 ≥ 4:
	// 确定能). The city counts A once: 2, projected 4 of 10, 30 points
	// behind: 红; 4 is below 10 × (1 − 0.15), so 完全不可能.
	expectRows(t, w, `SELECT unit_code, annual_target, actual, projected, light, deviation_category, deviation_reason, likelihood, likelihood_basis, reason_status
		FROM marts.fund_monitor WHERE fund_id = 'G3' AND indicator_name = '康复服务人数' AND month(month) = 6 ORDER BY unit_code`,
		"371002|4|1|2|红|经费保障|康复补贴资金6月底才下达|有可能|单位填报|已填写",
		"371003|4|2|4|绿|<nil>|<nil>|确定能|按全年预计推断|<nil>",
		"ALL|10|2|4|红|经费保障|环翠区：经费保障，康复补贴资金6月底才下达|完全不可能|按全年预计推断|已填写")
	// A fund counts the plan year's people: 环翠区 also served A in December
	// 2016, which counts neither in January nor as A's first month (March).
	expectRows(t, w, `SELECT month(month), numerator FROM marts.fund_month_figures
		WHERE fund_id = 'G3' AND unit_code = '371002' AND indicator_name = '康复服务人数' AND month(month) IN (1, 2, 3) ORDER BY month`,
		"1|0", "2|0", "3|1")
	// The same projection serves the plan's own indicators: P1 (target 10 a
	// unit) by June, 环翠区 5 → 10, on course; 文登区 4 → 8, will miss.
	expectRows(t, w, `SELECT unit_code, actual, projected, will_miss FROM marts.projections
		WHERE context = 'indicator' AND group_id = 'P1' AND month(month) = 6 AND unit_code IN ('371002', '371003') ORDER BY unit_code`,
		"371002|5|10|false", "371003|4|8|true")
	// At the last month the monitor's figures are the evaluation's own.
	expectRows(t, w, `SELECT count(*) FROM marts.fund_month_figures m JOIN marts.fund_indicator_values v USING (fund_id, unit_code, indicator_name)
		WHERE month(m.month) = 12 AND coalesce(m.actual <> v.actual, (m.actual IS NULL) <> (v.actual IS NULL))`, "0")
	expectRows(t, w, `SELECT count(*) FROM marts.fund_monitor_budget b JOIN marts.fund_performance p USING (fund_id, unit_code)
		WHERE month(b.month) = 12 AND (round(b.spent_wan, 2) <> p.spent_wan OR round(b.planned_wan, 2) <> p.planned_wan OR b.execution_rate <> p.execution_rate)`, "0")
}

// A fund indicator counted in cases (例) counts every record, but only the
// plan year's: G3 given 白内障手术例数 (target 4), 环翠区's two operations
// (March, April) count 1 and 2, and one in December 2016 counts neither in
// January nor later. The same record counted before the fund figures kept
// to the plan year.
func TestPlanCasesCountThePlanYearOnly(t *testing.T) {
	w := planWarehouseWith(t, func(dir string) {
		appendTo := func(name, line string) {
			t.Helper()
			f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString(line); err != nil {
				t.Fatal(err)
			}
		}
		// Its weight of 10 comes from 康复服务人数 (50 → 40): a fund's weights add up to 100.
		catalog := filepath.Join(dir, "data/catalog/fund_indicators.csv")
		text, err := os.ReadFile(catalog)
		if err != nil {
			t.Fatal(err)
		}
		edited := strings.Replace(string(text), "康复服务人数,定量,正向,10,50,", "康复服务人数,定量,正向,10,40,", 1)
		if err := os.WriteFile(catalog, []byte(edited), 0o644); err != nil || edited == string(text) {
			t.Fatalf("reweigh 康复服务人数: %v", err)
		}
		appendTo("data/catalog/fund_indicators.csv", "G3,产出,数量,白内障手术例数,定量,正向,4,10,services,白内障手术,例,,\n")
		appendTo("data/services.csv", "8,37100219800101123241,白内障手术,2016-12-15,环翠区,2000,G3,2016-12-15 09:00:00\n")
	})
	expectRows(t, w, `SELECT month(month), numerator FROM marts.fund_month_figures
		WHERE fund_id = 'G3' AND unit_code = '371002' AND indicator_name = '白内障手术例数' AND month(month) <= 4 ORDER BY month`,
		"1|0", "2|0", "3|1", "4|2")
	expectRows(t, w, `SELECT unit_code, actual FROM marts.fund_indicator_values
		WHERE fund_id = 'G3' AND indicator_name = '白内障手术例数' AND unit_code IN ('371002', 'ALL') ORDER BY unit_code`,
		"371002|2", "ALL|2")
}

// TestPlanReasonReminders: a target behind with nothing in the report's
// 偏差原因分析 is asked for (催报). 文登区's June report (sent late, on 20
// July) holds only P1; by June it is behind on the counts it has targets
// for and nothing (A1, A2, L1, P1 4 of 10, P3, P4, P5, P6, P7, S2), on M3
// (2 处 due 30 June, 1 built) and P9 (due 30 June, not done). P2 (a ceiling
// at 0), E1, R1 and P8 (nothing owed) are fine; M1 and M2 are not due.
// 环翠区 explained S1, so S1 is not asked for.
func TestPlanReasonReminders(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT string_agg(indicator_id, ',' ORDER BY indicator_id) FROM marts.reason_reminders WHERE unit_code = '371003' AND month(month) = 6`,
		"A1,A2,L1,M3,P1,P3,P4,P5,P6,P7,P9,S2")
	expectRows(t, w, `SELECT count(*) FROM marts.reason_reminders WHERE unit_code = '371002' AND month(month) = 6 AND indicator_id = 'S1'`, "0")
	// No report, nothing to remind of here: 高区 sent none in June.
	expectRows(t, w, `SELECT count(*) FROM marts.reason_reminders WHERE unit_code = '371071' AND month(month) = 6`, "0")
}

// TestPlanDeductionReasons: each point lost says which rule lost it.
func TestPlanDeductionReasons(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT unit_code, indicator_name, weight, score, deduction_reason FROM marts.fund_self_eval_items
		WHERE (fund_id, unit_code, indicator_name) IN (('G1', '371000', '预算执行率'), ('G2', '371003', '项目立项规范性'), ('G2', '371000', '项目立项规范性'),
			('G3', '371003', '康复服务人数'), ('G3', 'ALL', '服务对象满意度')) ORDER BY fund_id, unit_code, indicator_name`,
		// 市本级 spent 59.99 of 100 by December (序时进度 100%): 100 × 59.99% ÷ 100% = 59.99, 40.01 lost.
		"371000|预算执行率|100|59.99|预算执行率 59.99%，低于序时进度 100%；按序时进度折算计分（100 × 59.99% ÷ 100%），扣 40.01 分",
		// 达成 at a ratio of 50%, below the band: raised to its 80%, 40 × 0.8 = 32, 8 lost.
		"371000|项目立项规范性|40|32|评价为“达成”，得分比例 50% 不在该档（80%–100%）内，按该档下限 80% 计，扣 8.00 分",
		// 部分达成 with no ratio: the band's middle, 70%, 40 × 0.7 = 28, 12 lost.
		"371003|项目立项规范性|40|28|评价为“部分达成”，未给得分比例，按该档中值 70% 计，扣 12.00 分",
		// 文登区 served B and A: 2 of its 4 (0.4 × 10 × 12 ÷ 12): 50 × 2/4 = 25, 25 lost.
		"371003|康复服务人数|50|25|完成 2 人，为计分目标 4 人（全年目标 4 人 × 12 ÷ 12，取整）的 50.0%，按比例扣 25.00 分",
		// No survey answers at all: nothing to score, the whole 30 lost.
		"ALL|服务对象满意度|30|0|无实际数据，本项不得分，扣 30.00 分")
	// The total and its conclusion: 20 × 91/230 = 7.91 + 50 × 2/10 = 10 + 0 = 17.91, 差.
	expectRows(t, w, `SELECT total, grade, starts_with(conclusion, '全市进度测试资金截至2017年12月绩效自评得分 17.91 分，等级为“差”：过程 7.91 分、产出 10.00 分、效益 0.00 分。')
		FROM marts.fund_self_eval WHERE fund_id = 'G3' AND unit_code = 'ALL'`, "17.91|差|true")
	// Every point lost anywhere is explained.
	expectRows(t, w, `SELECT count(*) FROM marts.fund_self_eval_items WHERE lost > 0.005 AND deduction_reason IS NULL`, "0")
}

// TestPlanFormsMatchTheMarts writes G3's three forms as jixiao export does
// and reads every figure back: each cell holds what the marts hold.
func TestPlanFormsMatchTheMarts(t *testing.T) {
	w := planWarehouse(t)
	dir := t.TempDir()
	june := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	monitor := filepath.Join(dir, "monitor.xlsx")
	if _, err := render.WriteFundForm(context.Background(), w, render.FundFormRequest{Export: "fund-monitor", Fund: "G3", Month: june}, monitor); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, monitor)
	// A sheet for the city, then one per unit.
	if got := strings.Join(f.GetSheetList(), ","); got != "全市,环翠区,文登区" {
		t.Fatalf("sheets %s", got)
	}
	sheets := map[string]string{"ALL": "全市", "371002": "环翠区", "371003": "文登区"}
	for _, r := range rowsOf(t, w, `SELECT unit_code, budget_wan, planned_wan, spent_wan, execution_rate, projected_wan, projected_rate, pace, pace_gap, light
		FROM marts.fund_monitor_budget WHERE fund_id = 'G3' AND month = DATE '2017-06-01'`) {
		v := strings.Split(r, "|")
		row := findRow(t, f, sheets[v[0]], "A", "年度资金总额")
		for i, col := range []string{"D", "E", "F", "G", "I", "L", "M", "O", "Q"} {
			if got := raw(f, sheets[v[0]], col+row); got != v[i+1] {
				t.Errorf("%s!%s%s = %s, marts.fund_monitor_budget has %s", sheets[v[0]], col, row, got, v[i+1])
			}
		}
	}
	for _, r := range rowsOf(t, w, `SELECT unit_code, indicator_name, actual, projected, light
		FROM marts.fund_monitor WHERE fund_id = 'G3' AND month = DATE '2017-06-01' AND nature = '定量'`) {
		v := strings.Split(strings.ReplaceAll(r, "<nil>", ""), "|")
		row := findRow(t, f, sheets[v[0]], "C", v[1])
		for i, col := range []string{"E", "F", "Q"} {
			if got := raw(f, sheets[v[0]], col+row); got != v[i+2] {
				t.Errorf("%s!%s%s (%s) = %s, marts.fund_monitor has %s", sheets[v[0]], col, row, v[1], got, v[i+2])
			}
		}
	}
	f.Close()

	self := filepath.Join(dir, "self.xlsx")
	if _, err := render.WriteFundForm(context.Background(), w, render.FundFormRequest{Export: "fund-self-eval", Fund: "G3"}, self); err != nil {
		t.Fatal(err)
	}
	f = openBook(t, self)
	defer f.Close()
	for _, r := range rowsOf(t, w, `SELECT unit_code, indicator_name, weight, score, deduction_reason FROM marts.fund_self_eval_items WHERE fund_id = 'G3'`) {
		v := strings.Split(r, "|")
		row := findRow(t, f, sheets[v[0]], "C", v[1])
		for i, col := range []string{"F", "G", "H"} {
			if got := raw(f, sheets[v[0]], col+row); got != v[i+2] {
				t.Errorf("%s!%s%s (%s) = %s, marts.fund_self_eval_items has %s", sheets[v[0]], col, row, v[1], got, v[i+2])
			}
		}
	}
	for _, r := range rowsOf(t, w, `SELECT unit_code, total, conclusion FROM marts.fund_self_eval WHERE fund_id = 'G3'`) {
		v := strings.Split(r, "|")
		row := findRow(t, f, sheets[v[0]], "A", "总分")
		if got := raw(f, sheets[v[0]], "G"+row); got != v[1] {
			t.Errorf("%s total %s, marts.fund_self_eval has %s", sheets[v[0]], got, v[1])
		}
		if got := raw(f, sheets[v[0]], "C"+findRow(t, f, sheets[v[0]], "A", "评价结论")); got != v[2] {
			t.Errorf("%s conclusion %q", sheets[v[0]], got)
		}
	}
	// A month past the data, or a 自评表 for another month, is refused.
	if _, err := render.WriteFundForm(context.Background(), w, render.FundFormRequest{Export: "fund-self-eval", Fund: "G3", Month: june}, filepath.Join(dir, "x.xlsx")); err == nil || !strings.Contains(err.Error(), "自评表按数据截至的 2017年12月 评分") {
		t.Errorf("self-evaluation for June: %v", err)
	}
}

// TestPlanFormsInLibreOffice opens the 运行监控表 in headless LibreOffice and
// saves it again, as an office that edits it would: the merged two-row
// headers, the number formats, the units and the lights survive.
func TestPlanFormsInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		require.Service(t, require.LibreOffice, "headless LibreOffice (apt-get install libreoffice-calc-nogui) opens the forms' workbooks")
		return
	}
	w := planWarehouse(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "monitor.xlsx")
	june := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	if _, err := render.WriteFundForm(context.Background(), w, render.FundFormRequest{Export: "fund-monitor", Fund: "G3", Month: june, Unit: "ALL"}, in); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "lo")
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	f := openBook(t, filepath.Join(out, "monitor.xlsx"))
	defer f.Close()
	merged, _ := f.GetMergeCells("全市")
	got := map[string]string{}
	for _, m := range merged {
		got[m.GetStartAxis()+":"+m.GetEndAxis()] = m.GetCellValue()
	}
	for ref, want := range map[string]string{"A6:C7": "项目资金（万元）", "F6:H6": "1–6月执行情况", "I6:L6": "全年预计", "G7:H7": "执行率",
		"G10:L10": "偏差原因分析", "M10:O10": "完成目标可能性", "A10:A11": "一级指标", "Q10:Q11": "灯"} {
		if got[ref] != want {
			t.Errorf("after LibreOffice, merged %s = %q, want %q (merged: %v)", ref, got[ref], want, got)
		}
	}
	// Values as shown and as held: 51 of 230 spent, 22.2%; 2 people.
	for cell, want := range map[string][2]string{"E8": {"230.00", "230"}, "F8": {"51.00", "51"}, "G8": {"22.2%", "0.221739"}, "I8": {"102.00", "102"},
		"E13": {"2人", "2"}, "F13": {"4人", "4"}, "Q13": {"红", "红"}} {
		shows, _ := f.GetCellValue("全市", cell)
		holds, _ := f.GetCellValue("全市", cell, excelize.Options{RawCellValue: true})
		if shows != want[0] || holds != want[1] {
			t.Errorf("after LibreOffice, %s shows %q holding %q, want %q holding %q", cell, shows, holds, want[0], want[1])
		}
	}
	data, _ := os.ReadFile(filepath.Join(out, "monitor.xlsx"))
	if fill := xlsxtest.Fill(t, data, "全市", "Q13"); fill != "EF9A9A" {
		t.Errorf("after LibreOffice, the red light's fill is %q", fill)
	}
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// findRow is the number of the first row of sheet whose cell in col reads text.
func findRow(t *testing.T, f *excelize.File, sheet, col, text string) string {
	t.Helper()
	rows, _ := f.GetRows(sheet)
	for i := range rows {
		r := strconv.Itoa(i + 1)
		if v, _ := f.GetCellValue(sheet, col+r); v == text {
			return r
		}
	}
	t.Fatalf("%s: no row with %s = %q", sheet, col, text)
	return ""
}

// raw is the value a cell holds, as excelize reads it without formatting.
func raw(f *excelize.File, sheet, cell string) string {
	v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	return v
}

// A certificate listed twice in the roster keeps its newest row (更新时间,
// a blank one last) and, of two rows as new, the later in the file: every
// run keeps the same row. The duplicates are reported by the roster's
// warning, which runs because raw.persons then has more rows than
// stg_persons; the key passes by the model's SQL.
func TestRosterKeepsTheNewestRowThenTheLaterOne(t *testing.T) {
	w := planWarehouseWith(t, func(dir string) {
		f, err := os.OpenFile(filepath.Join(dir, "data/persons.csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, line := range []string{
			"37100299000000000011,甲,男,1980-01-01,,肢体,一级,环翠区,先列,,城镇,,,否,2017-03-01 08:00:00",
			"37100299000000000011,甲,男,1980-01-01,,肢体,一级,环翠区,后列,,城镇,,,否,2017-03-01 08:00:00",
			"37100299000000000022,乙,女,1981-01-01,,视力,二级,文登区,较新,,农村,,,否,2017-03-01 08:00:00",
			"37100299000000000022,乙,女,1981-01-01,,视力,二级,文登区,较旧,,农村,,,否,2017-02-01 08:00:00",
			"37100299000000000033,丙,女,1982-01-01,,听力,三级,文登区,有时间,,农村,,,否,2017-02-01 08:00:00",
			"37100299000000000033,丙,女,1982-01-01,,听力,三级,文登区,无时间,,农村,,,否,",
		} {
			if _, err := f.WriteString(line + "\n"); err != nil {
				t.Fatal(err)
			}
		}
	})
	expectRows(t, w, fmt.Sprintf(`SELECT town FROM staging.stg_persons WHERE person_key IN (%d, %d, %d) ORDER BY birth_year`,
		project.PersonKey("37100299000000000011"), project.PersonKey("37100299000000000022"), project.PersonKey("37100299000000000033")),
		"后列", "较新", "有时间")
	expectRows(t, w, `SELECT test_name, status, failures FROM meta.test_results
		WHERE model = 'staging.stg_persons' AND kind IN ('unique', 'assert') ORDER BY test_name`,
		"duplicate_certificates_in_roster|warn|3", "unique(person_key)|pass|0")
}
