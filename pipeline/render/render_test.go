//go:build duckdb_arrow

package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	htmlpkg "html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuri/excelize/v2"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

func siteProject(t *testing.T, page string) *project.Project {
	t.Helper()
	p, diags := project.Load(fstest.MapFS{
		"jixiao.yaml":              {Data: []byte("name: 测试项目\nplan_year: 2017\n")},
		"transforms/marts/c.sql":   {Data: []byte("/* jixiao\ncolumns:\n  rate: 完成率\n  unit: 单位\n*/\nSELECT 1")},
		"dashboards/overview.yaml": {Data: []byte(page)},
		"dashboards/second.yaml":   {Data: []byte("title: 第二页\norder: 2\npanels:\n  - {title: 表, model: marts.c, chart: table}\n")},
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func siteWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Exec(context.Background(), `CREATE SCHEMA marts; CREATE TABLE marts.c AS
		SELECT * FROM (VALUES ('环翠区', DATE '2017-05-01', 0.5), ('环翠区', DATE '2017-06-01', 0.61), ('高区', DATE '2017-06-01', 0.4)) t(unit, month, rate)`); err != nil {
		t.Fatal(err)
	}
	return w
}

const overview = `title: 总览
order: 1
panels:
  - {title: 完成率, model: marts.c, chart: bar, x: unit, y: [rate], format: percent}
  - {title: 走势, model: marts.c, chart: line, x: month, y: [rate], series: unit}
  - {title: 占比, sql: "SELECT unit, sum(rate) AS r FROM marts.c GROUP BY unit", chart: pie, x: unit, y: [r], labels: {r: 合计}}
`

func TestSiteWritesEveryPageOffline(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	out := filepath.Join(t.TempDir(), "site")
	res, err := Site(context.Background(), siteWarehouse(t), siteProject(t, overview), Options{OutDir: out, RunID: "r-1"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Pages, ",") != "index.html,second.html" {
		t.Errorf("pages %v", res.Pages)
	}
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	html := string(page)
	for _, want := range []string{
		`<script src="assets/echarts.min.js">`, `<a href="second.html">第二页</a>`, `class="active">总览`,
		"运行编号 r-1", "完成率", "61.0%", "2017年6月", `"name":"合计"`, `download="总览 - 完成率.csv"`, `download="总览 - 占比.xlsx"`, `href="data/index.xlsx"`, "echarts.init",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "go-echarts.github.io"} {
		if strings.Contains(html, bad) {
			t.Errorf("index.html refers to %s", bad)
		}
	}
	// Small downloads travel inside the page.
	got := inlineDownloads(t, html)
	if len(got) != 6 {
		t.Errorf("inline downloads: %d, want a CSV and a workbook for each of 3 panels", len(got))
	}
	csv := got["总览 - 完成率.csv"]
	// Documented columns get their Chinese label; undocumented keep their name.
	// Months read 2017年5月 and rates 50%: Excel reads both back as values.
	if !strings.HasPrefix(string(csv), "\uFEFF单位,month,完成率\n环翠区,2017年5月,50%\n") {
		t.Errorf("CSV download: %q", csv)
	}
	checkPageWorkbook(t, filepath.Join(out, "data", "index.xlsx"))

	// Each panel's own workbook holds its rows alone.
	f, err := excelize.OpenReader(bytes.NewReader(got["总览 - 占比.xlsx"]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("占比", excelize.Options{RawCellValue: true})
	if sheets := f.GetSheetList(); len(sheets) != 1 || fmt.Sprint(rows) != "[[占比] [unit 合计] [环翠区 1.11] [高区 0.4]]" {
		t.Errorf("panel workbook: sheets %v, rows %v", sheets, rows)
	}
	// A page of one panel has no page workbook: the panel's is the same.
	if _, err := os.Stat(filepath.Join(out, "data", "second.xlsx")); !os.IsNotExist(err) {
		t.Errorf("second.xlsx: %v", err)
	}
}

// inlineDownloads decodes the page's data: download links by the names
// they are saved under.
func inlineDownloads(t *testing.T, html string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, m := range regexp.MustCompile(`href="data:[^;"]+(?:;charset=utf-8)?;base64,([^"]+)" download="([^"]+)"`).FindAllStringSubmatch(html, -1) {
		// html/template writes + as &#43; in attributes; browsers read it back.
		b, err := base64.StdEncoding.DecodeString(htmlpkg.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("download %s: %v", m[2], err)
		}
		out[htmlpkg.UnescapeString(m[2])] = b
	}
	return out
}

// A panel with more rows than travel well inside a page gets its downloads
// as files beside it.
func TestLargeDownloadsAreFiles(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	page := "title: 大表\npanels:\n  - {title: 明细, sql: \"SELECT range AS n, repeat('残', 20) AS note FROM range(3000)\", chart: table}\n"
	out := filepath.Join(t.TempDir(), "site")
	if _, err := Site(context.Background(), siteWarehouse(t), siteProject(t, page), Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	html, _ := os.ReadFile(filepath.Join(out, "index.html"))
	for _, want := range []string{`href="data/index-1.csv" download="大表 - 明细.csv"`, `href="data/index-1.xlsx" download="大表 - 明细.xlsx"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
	csv, err := os.ReadFile(filepath.Join(out, "data", "index-1.csv"))
	if err != nil || bytes.Count(csv, []byte("\n")) != 3001 {
		t.Errorf("CSV file: %d lines, %v", bytes.Count(csv, []byte("\n")), err)
	}
	f, err := excelize.OpenFile(filepath.Join(out, "data", "index-1.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, _ := f.GetRows("明细"); len(rows) != 3002 {
		t.Errorf("workbook: %d rows", len(rows))
	}
}

// checkPageWorkbook opens a page's download as Excel would: a sheet per
// panel holding exactly that panel's rows, numbers as numbers and dates as
// dates under a Chinese header.
func checkPageWorkbook(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != "1 完成率|2 走势|3 占比" {
		t.Errorf("sheets %s", got)
	}
	tests := []struct {
		sheet string
		rows  [][]string
	}{
		{"1 完成率", [][]string{{"完成率"}, {"单位", "month", "完成率"}, {"环翠区", "42856", "0.5"}, {"环翠区", "42887", "0.61"}, {"高区", "42887", "0.4"}}},
		{"3 占比", [][]string{{"占比"}, {"unit", "合计"}, {"环翠区", "1.11"}, {"高区", "0.4"}}},
	}
	for _, tc := range tests {
		rows, err := f.GetRows(tc.sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(rows) != fmt.Sprint(tc.rows) {
			t.Errorf("%s: %v, want %v", tc.sheet, rows, tc.rows)
		}
	}
	if v, _ := f.GetCellValue("1 完成率", "B3"); v != "2017年5月" {
		t.Errorf("dates show as %q", v)
	}
}

func TestFailedRenderKeepsThePreviousSite(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	ctx := context.Background()
	w := siteWarehouse(t)
	out := filepath.Join(t.TempDir(), "site")
	if _, err := Site(ctx, w, siteProject(t, overview), Options{OutDir: out, RunID: "good"}); err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(overview, `sql: "SELECT unit, sum(rate) AS r FROM marts.c GROUP BY unit"`, `sql: "SELECT * FROM marts.gone"`, 1)
	_, err := Site(ctx, w, siteProject(t, broken), Options{OutDir: out, RunID: "bad"})
	if err == nil || !strings.Contains(err.Error(), "dashboards/overview.yaml:6:5: panel \"占比\": query") {
		t.Fatalf("want the panel's file and line, got %v", err)
	}
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(page), "运行编号 good") {
		t.Error("the previous site was not kept")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".site.*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary folders left behind: %v", leftovers)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct{ page, want string }{
		{"title: x\npanels:\n  - {title: a, model: marts.none, chart: table}\n", `dashboards/overview.yaml:3:5: panel "a": unknown model "marts.none"`},
		{"title: x\npanels:\n  - {title: a, model: c, chart: table}\n", `model "c" must be written schema.name`},
		{"title: x\npanels:\n  - {title: a, model: marts.c, chart: donut}\n", `unknown chart "donut" (known charts: bar, bignumber, cards, gauge, heatmap, line, pie, radar, table, text)`},
		{"title: x\npanels:\n  - {title: a, model: marts.c, chart: bar, x: unit}\n", `panel "a": chart bar needs x and y`},
		{"title: x\npanels:\n  - {title: a, model: marts.c, chart: pie, x: unit, y: [a, b]}\n", "chart pie takes exactly one y field"},
		{"title: x\npanels:\n  - {title: a, model: marts.c, chart: line, x: unit, y: [rate, unit], series: unit}\n", "with series, y names exactly one field"},
	}
	for _, tt := range tests {
		var diags diag.List
		Validate(siteProject(t, tt.page), nil, &diags)
		if len(diags) != 1 || !strings.Contains(diags[0].String(), tt.want) {
			t.Errorf("got %v, want %q", diags, tt.want)
		}
	}
}

// A SQL panel's fields are known only when it runs: a wrong one is an
// error naming the panel, not an empty chart.
func TestUnknownFieldIsAnError(t *testing.T) {
	page := "title: x\npanels:\n  - {title: a, sql: \"SELECT * FROM marts.c\", chart: bar, x: unit, y: [nope]}\n"
	_, err := Site(context.Background(), siteWarehouse(t), siteProject(t, page), Options{OutDir: filepath.Join(t.TempDir(), "s")})
	if err == nil || !strings.Contains(err.Error(), `field "nope" is not a column of the panel's data (columns: unit, month, rate)`) {
		t.Fatalf("got %v", err)
	}
}

// A render beside the tests writes the data guide, which shows their
// results, only after TestsDone, and publishes nothing when it fails: the
// previous site stays, and no temporary folder is left.
func TestSiteWaitsForTheTestsBeforeTheGuide(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	ctx := context.Background()
	p, diags := project.Load(fstest.MapFS{
		"jixiao.yaml":              {Data: []byte("name: 测试项目\nplan_year: 2017\n")},
		"transforms/marts/c.sql":   {Data: []byte("/* jixiao\ntests:\n  - not_null: [unit]\n*/\nSELECT 1")},
		"dashboards/overview.yaml": {Data: []byte(overview)},
		"dashboards/guide.yaml":    {Data: []byte("title: 数据说明\nslug: guide\norder: 9\nkind: data_guide\n")},
		"dashboards/history.yaml":  {Data: []byte("title: 检验记录\nslug: history\norder: 8\npanels:\n  - {title: 检验, sql: \"SELECT test_name, status FROM meta.test_results\", chart: table}\n")},
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	w := siteWarehouse(t)
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	if _, err := Site(ctx, w, p, Options{OutDir: out, RunID: "r-1"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "guide.html"))
	if strings.Contains(string(before), "not_null(unit)") && strings.Contains(string(before), "通过") {
		t.Fatal("the guide shows a result before any test ran")
	}
	// Tests that fail: nothing is published.
	failed := errors.New("the data tests failed")
	if _, err := Site(ctx, w, p, Options{OutDir: out, RunID: "r-2", TestsDone: func() error { return failed }}); !errors.Is(err, failed) {
		t.Fatalf("with failed tests: %v", err)
	}
	if index, _ := os.ReadFile(filepath.Join(out, "index.html")); !strings.Contains(string(index), "运行编号 r-1") {
		t.Error("failed tests replaced the site")
	}
	// Tests that pass, recording their result as they end: the guide shows it.
	done := func() error {
		return w.RecordTestResults(ctx, []warehouse.TestResultRecord{{RunID: "r-3", Model: "marts.c", TestName: "not_null(unit)", Kind: "not_null",
			Severity: "error", Status: "pass", Sample: "由模型 SQL 的 GROUP BY 保证（本次运行整表重建），未扫描", RanAt: time.Now()}})
	}
	if _, err := Site(ctx, w, p, Options{OutDir: out, RunID: "r-3", TestsDone: done}); err != nil {
		t.Fatal(err)
	}
	// The guide says why a pass read nothing, and in which run.
	if guide, _ := os.ReadFile(filepath.Join(out, "guide.html")); !strings.Contains(string(guide), "<td>由模型 SQL 的 GROUP BY 保证（本次运行整表重建），未扫描</td>") ||
		!strings.Contains(string(guide), "<td>r-3</td>") {
		t.Error("the guide lacks the result's note or its run")
	}
	for _, page := range []string{"guide.html", "history.html"} {
		html, _ := os.ReadFile(filepath.Join(out, page))
		if !strings.Contains(string(html), "not_null(unit)") || !strings.Contains(string(html), "运行编号 r-3") {
			t.Errorf("%s does not show the result recorded when the tests ended", page)
		}
	}
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".new-") {
			t.Errorf("temporary folder left: %s", e.Name())
		}
	}
}

// A page shows the tests' results when it is the data guide or its SQL
// reads the run history, however the table is written.
func TestShowsTests(t *testing.T) {
	for _, tt := range []struct {
		page project.Page
		want bool
	}{
		{project.Page{Kind: project.PageDataGuide}, true},
		{project.Page{Panels: []project.Panel{{SQL: "SELECT * FROM meta.test_results"}}}, true},
		{project.Page{Panels: []project.Panel{{SQL: `SELECT * FROM "meta"."run_steps"`}}}, true},
		{project.Page{Panels: []project.Panel{{SQL: "select * from META . runs"}}}, true},
		{project.Page{Each: &project.PageEach{SQL: "SELECT DISTINCT model FROM meta.test_results"}}, true},
		{project.Page{Panels: []project.Panel{{SQL: "SELECT * FROM meta.quarantine"}, {Model: "marts.c"}}}, false},
		{project.Page{Panels: []project.Panel{{SQL: "SELECT * FROM meta.runs_archive"}}}, false},
	} {
		if got := showsTests(&tt.page); got != tt.want {
			t.Errorf("%+v: %v, want %v", tt.page, got, tt.want)
		}
	}
}

// A test's note on the guide is one line, cut short.
func TestShortNote(t *testing.T) {
	long := strings.Repeat("字", noteMost+10)
	for in, want := range map[string]string{
		"": "",
		"unit=乙, occurrences=2\nunit=丙, occurrences=3": "unit=乙, occurrences=2；unit=丙, occurrences=3",
		long: strings.Repeat("字", noteMost) + "…",
	} {
		if got := shortNote(in); got != want {
			t.Errorf("shortNote(%q) = %q, want %q", in, got, want)
		}
	}
}
