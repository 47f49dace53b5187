//go:build duckdb_arrow

package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/pipeline/project"
)

// A period outside the plan year, a negative monthly figure and a report
// date in the future are rejected rows with their reason, not a failed run
// or a silent load.
func TestDeclaredBoundsQuarantineTheRow(t *testing.T) {
	decl := `kind: csv
path: data/*.csv
columns:
  - {name: unit_code, type: unit, required: true, aliases: [单位]}
  - {name: period, type: date, required: true, within: plan_year, aliases: [月份]}
  - {name: reported_on, type: date, required: true, not_future: true, aliases: [报送日期]}
  - {name: done, type: number, required: true, min: 0, aliases: [本月完成]}
  - {name: rate, type: number, max: 1, aliases: [比例]}
`
	report := "单位,月份,报送日期,本月完成,比例\n" +
		"环翠区,2017-06,2017-07-04,12,0.5\n" + // fits
		"环翠区,2018-01,2018-02-03,3,\n" + // next year's report
		"高区,2017-06,2017-07-04,-2,\n" + // a monthly figure below zero
		"高区,2017-07,2018-12-01,1,\n" + // dated after the run's day
		"高区,2017-08,2017-09-04,0,1.2\n" // above the maximum
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: []byte(report)}}, decl)
	env.PlanYear = 2017
	env.Today = time.Date(2018, 3, 1, 15, 0, 0, 0, time.UTC)
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Loads[0]
	got := rows(t, l)
	if len(got) != 1 || !strings.Contains(got[0], "done=12") {
		t.Errorf("rows: %v", got)
	}
	var rejects []string
	for _, r := range l.Stats().Rejected {
		rejects = append(rejects, fmt.Sprintf("%s|%s|%s", r.Pos, r.RawValue, r.Reason))
	}
	want := []string{
		"data/a.csv:row 3:column 月份(period)|2018-01|2018-01-01 不在计划年度 2017 年内",
		"data/a.csv:row 4:column 本月完成(done)|-2|-2 小于允许的最小值 0",
		"data/a.csv:row 5:column 报送日期(reported_on)|2018-12-01|2018-12-01 晚于今天（2018-03-01）",
		"data/a.csv:row 6:column 比例(rate)|1.2|1.2 大于允许的最大值 1",
	}
	if len(rejects) != len(want) {
		t.Fatalf("rejections:\n%s", strings.Join(rejects, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(rejects[i], w) {
			t.Errorf("rejection %d = %q, want prefix %q", i, rejects[i], w)
		}
	}
}

// Bounds only fit the column types they mean something for.
func TestDeclaredBoundsAreChecked(t *testing.T) {
	for _, c := range []struct{ col, want string }{
		{"{name: a, type: text, min: 0}", "min and max bound integer and number columns"},
		{"{name: a, type: number, min: 2, max: 1}", "min 2 is above max 1"},
		{"{name: a, type: date, within: last_year}", "within takes plan_year"},
		{"{name: a, type: number, not_future: true}", "not_future applies to date"},
	} {
		fsys := fstest.MapFS{
			"jixiao.yaml":           {Data: []byte("name: t\nplan_year: 2017\n")},
			"sources/progress.yaml": {Data: []byte("kind: csv\npath: a.csv\ncolumns:\n  - " + c.col + "\n")},
		}
		_, d := project.Load(fsys)
		if diags := fmt.Sprint(d.Err()); !strings.Contains(diags, c.want) {
			t.Errorf("%s: diagnostics %q lack %q", c.col, diags, c.want)
		}
	}
}
