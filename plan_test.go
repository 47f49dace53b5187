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
	dir := fixture.Copy(t, "plan")
	if err := os.CopyFS(filepath.Join(dir, "transforms"), os.DirFS("transforms")); err != nil {
		t.Fatal(err)
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
	// A ceiling (反向): 15 of 10 is behind; a zero target with zero counts is met.
	expectRows(t, w, `SELECT unit_name, target, actual_cum, status FROM marts.indicator_completion
		WHERE indicator_id = 'P2' AND month(month) = 12 ORDER BY unit_code`,
		"环翠区|10|15|滞后", "文登区|10|20|滞后", "高区|0|0|完成", "经区|0|0|完成")
	// A corrected report replaces the earlier one for the same month: 9, not 10 + 9.
	expectRows(t, w, `SELECT actual_cum FROM marts.indicator_completion WHERE indicator_id = 'P3' AND unit_code = '371002' AND month(month) = 12`, "9")
	// A deadline: done in May is on time; not done by the end of June is behind.
	expectRows(t, w, `SELECT unit_name, month(month), status FROM marts.indicator_completion
		WHERE indicator_id = 'P9' AND month(month) IN (5, 6) ORDER BY month, unit_code`,
		"环翠区|5|完成", "文登区|5|正常", "环翠区|6|完成", "文登区|6|滞后")
	// A rate: owed nothing (市本级) is fully met.
	expectRows(t, w, `SELECT unit_name, rate, status FROM marts.indicator_completion WHERE indicator_id = 'P8' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|1|完成", "环翠区|0.7|完成", "文登区|0.35|滞后")
	// Service records count people once: 环翠区's person was served twice.
	expectRows(t, w, `SELECT unit_name, target, actual_cum FROM marts.indicator_completion WHERE indicator_id = 'S1' AND month(month) = 12 ORDER BY unit_code`,
		"市本级|2|0", "环翠区|4|1", "文登区|4|1")
	// Citywide: the units' actuals add up against the summed unit targets.
	expectRows(t, w, `SELECT actual_cum, target, completion_rate FROM marts.city_completion WHERE indicator_id = 'P1' AND month(month) = 12`, "43|40|1.075")
}

func TestPlanScoringRules(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT item_id, unit_code, score, coalesce(rank, 0) FROM marts.indicator_scores WHERE context = 'assessment' ORDER BY item_id, unit_code`,
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
		"S1|371003|1.25|0") //
}

func TestPlanUnitAssessment(t *testing.T) {
	w := planWarehouse(t)
	// 环翠区: 44.25 of 65 points = 68.08, bonus 6 capped at 5.
	// 文登区: 33.75 of 65 = 51.92, bonus 3, one late report -0.5.
	// 高区 and 经区 tie at 39.5 of 40 and share rank 1; the next rank is 3.
	expectRows(t, w, `SELECT unit_name, base_points, bonus, late_reports, deduction, total, rank, tied FROM marts.unit_assessment ORDER BY rank, unit_code`,
		"高区|98.75|0|0|0|98.75|1|true",
		"经区|98.75|0|0|0|98.75|1|true",
		"环翠区|68.08|5|0|0|73.08|3|false",
		"文登区|51.92|3|1|0.5|54.42|4|false",
		"市本级|50|0|0|0|50|5|false")
}

func TestPlanFundGradesAndDeductions(t *testing.T) {
	w := planWarehouse(t)
	expectRows(t, w, `SELECT fund_id, unit_name, total, grade FROM marts.fund_performance ORDER BY fund_id, unit_code`,
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
