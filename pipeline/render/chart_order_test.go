//go:build duckdb_arrow

package render

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

func month(m int) time.Time { return time.Date(2017, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }

func TestSortRows(t *testing.T) {
	rows := func() *warehouse.Result {
		return &warehouse.Result{Columns: []string{"month", "unit", "total"}, Rows: [][]any{
			{month(2), "环翠区", 3.0}, {month(3), "高区", nil}, {month(9), "环翠区", 1.0}, {month(1), "高区", 2.0}, {month(2), "高区", 3.0},
		}}
	}
	col := func(d *warehouse.Result, j int) string {
		var out []string
		for _, r := range d.Rows {
			out = append(out, FormatCell(r[j], "month"))
		}
		return strings.Join(out, ",")
	}
	// A chart whose x holds dates is drawn in date order; rows of one date
	// keep the order they came in.
	d := rows()
	if err := sortRows(project.Panel{X: "month"}, d); err != nil {
		t.Fatal(err)
	}
	if got := col(d, 0) + " " + col(d, 1); got != "2017年1月,2017年2月,2017年2月,2017年3月,2017年9月 高区,环翠区,高区,高区,环翠区" {
		t.Errorf("date axis: %s", got)
	}
	// Without dates on x, a panel keeps the query's order.
	d = rows()
	sortRows(project.Panel{X: "unit"}, d)
	if got := col(d, 1); got != "环翠区,高区,环翠区,高区,高区" {
		t.Errorf("x of text must keep the order: %s", got)
	}
	// order: wins, NULLs last whichever the direction.
	d = rows()
	if err := sortRows(project.Panel{X: "month", Order: "total desc, unit"}, d); err != nil {
		t.Fatal(err)
	}
	if got := col(d, 2); got != "3,3,2,1,—" {
		t.Errorf("order total desc: %s", got)
	}
	if err := sortRows(project.Panel{Order: "totl"}, rows()); err == nil || !strings.Contains(err.Error(), `order: "totl" is not a column`) {
		t.Errorf("an unknown order column: %v", err)
	}
}

// A model panel's line chart reads its months in order however the table
// holds them, and a line per unit, eleven of them, takes a colour each.
func TestModelPanelMonthsInOrder(t *testing.T) {
	if _, err := Assets(); err != nil {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	w := siteWarehouse(t)
	var values []string
	for _, m := range []int{2, 3, 9, 1, 5, 4, 8, 6, 7} {
		for u := 1; u <= 11; u++ {
			values = append(values, fmt.Sprintf("('单位%02d', DATE '2017-%02d-01', %d)", u, m, u*m))
		}
	}
	if err := w.Exec(context.Background(), "CREATE TABLE marts.m AS SELECT * FROM (VALUES "+strings.Join(values, ", ")+") t(unit, month, n)"); err != nil {
		t.Fatal(err)
	}
	page := "title: x\npanels:\n  - {title: 走势, model: marts.m, chart: line, x: month, y: [n], series: unit}\n"
	p, diags := project.Load(fstest.MapFS{
		"jixiao.yaml":              {Data: []byte("name: 测试项目\nplan_year: 2017\n")},
		"transforms/marts/m.sql":   {Data: []byte("SELECT 1")},
		"dashboards/overview.yaml": {Data: []byte(page)},
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	out := filepath.Join(t.TempDir(), "site")
	if _, err := Site(context.Background(), w, p, Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "index.html"))
	axis := regexp.MustCompile(`"xAxis":\[\{[^]]*"data":\[([^]]*)\]`).FindSubmatch(html)
	if axis == nil || !strings.HasPrefix(string(axis[1]), `"2017年1月","2017年2月","2017年3月","2017年4月"`) {
		t.Errorf("months out of order: %s", axis)
	}
	if !strings.Contains(string(html), `"#2f4554"`) || !strings.Contains(string(html), `"#c23531"`) {
		t.Errorf("the chart lacks the palette's tenth and eleventh colours")
	}
}
