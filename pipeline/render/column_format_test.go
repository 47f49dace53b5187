//go:build duckdb_arrow

package render

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xuri/excelize/v2"

	"jixiao/internal/xlsxtest"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// formatsWarehouse holds a fund page's kind of rows: a rate, money in 万元
// and in 元, a month, a date, a count, a status, an empty note, and a
// column mixing a rate, a count and a cost whose unit each row names.
func formatsWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	w := siteWarehouse(t)
	if err := w.Exec(context.Background(), `CREATE TABLE marts.f AS SELECT * FROM (VALUES
		('全市', DATE '2017-09-01', DATE '2017-10-05', 0.7404, 1381.8234, 1234567, 9441::BIGINT, '滞后', NULL, 0.99, '%'),
		('环翠区', DATE '2017-09-01', DATE '2017-10-03', 1.0, 12.5, 25000, 12::BIGINT, '完成', '', 6699, '人'),
		('高区', DATE '2017-08-01', DATE '2017-09-04', 0.5, 0, 0, 0::BIGINT, '正常', '支出超过到位', 0.2135, '万元/人')
	) t(unit_name, month, reported_on, execution_rate, spent_wan, amount, persons, status, warnings, actual, measure)`); err != nil {
		t.Fatal(err)
	}
	return w
}

const formatsPage = `title: 资金
panels:
  - title: 明细
    sql: SELECT unit_name, month, reported_on, execution_rate, spent_wan, amount, persons, status, warnings, actual, measure AS 计量单位, measure FROM marts.f
    chart: table
    status: status
    formats: {amount: wanyuan, actual: measure}
    labels: {unit_name: 单位, month: 月份, reported_on: 报送日期, execution_rate: 预算执行率, spent_wan: 支出, amount: 服务金额, persons: 人数, status: 状态, warnings: 提示, actual: 实际值}
  - {title: 第二, sql: "SELECT 1 AS n", chart: table}
`

// TestDownloadsCarryThePageFormats checks a panel's page table, its CSV,
// its workbook and the page's workbook cell by cell: each shows what the
// page shows (74.0%, 1,381.82 with 万元 in the header, 2017年9月, the
// status colour) while the workbook's cells keep their raw values.
func TestDownloadsCarryThePageFormats(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	out := filepath.Join(t.TempDir(), "site")
	if _, err := Site(context.Background(), formatsWarehouse(t), siteProject(t, formatsPage), Options{OutDir: out}); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(out, "index.html"))
	html := string(page)
	for _, want := range []string{
		`<th>单位</th><th>月份</th><th>报送日期</th><th>预算执行率</th><th>支出（万元）</th><th>服务金额（万元）</th><th>人数</th><th>状态</th><th>提示</th><th>实际值</th><th>计量单位</th></tr>`,
		`<tr class="behind"><td>全市</td><td>2017年9月</td><td>2017年10月5日</td><td>74.0%</td><td>1,381.82万元</td><td>123.46万元</td><td>9441</td><td>滞后</td><td>—</td><td>99.0%</td><td>%</td></tr>`,
		`<tr class="done"><td>环翠区</td><td>2017年9月</td><td>2017年10月3日</td><td>100.0%</td><td>12.50万元</td><td>2.50万元</td><td>12</td><td>完成</td><td>—</td><td>6,699</td><td>人</td></tr>`,
		`<td>0.21万元</td>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	got := inlineDownloads(t, html)
	csv := string(got["资金 - 明细.csv"])
	wantCSV := "\uFEFF单位,月份,报送日期,预算执行率,支出（万元）,服务金额（万元）,人数,状态,提示,实际值,计量单位\n" +
		"全市,2017年9月,2017年10月5日,74.04%,1381.82,123.46,9441,滞后,,99%,%\n" +
		"环翠区,2017年9月,2017年10月3日,100%,12.50,2.50,12,完成,,6699,人\n" +
		"高区,2017年8月,2017年9月4日,50%,0.00,0.00,0,正常,支出超过到位,0.21,万元/人\n"
	if csv != wantCSV {
		t.Errorf("CSV\n got %q\nwant %q", csv, wantCSV)
	}
	checkFormattedSheet(t, got["资金 - 明细.xlsx"], "明细")
	book, err := os.ReadFile(filepath.Join(out, "data", "index.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	checkFormattedSheet(t, book, "1 明细")
}

// cellCheck is what one cell of a download shows and holds.
type cellCheck struct {
	cell, shows, holds, numFmt, fill string
}

func checkFormattedSheet(t *testing.T, data []byte, sheet string) {
	t.Helper()
	checkCells(t, data, sheet, []cellCheck{
		{"E2", "支出（万元）", "支出（万元）", "", "EEF2F7"},
		{"A3", "全市", "全市", "", "FDECEA"},
		{"B3", "2017年9月", "42979", `yyyy"年"m"月"`, "FDECEA"},
		{"C3", "2017年10月5日", "43013", `yyyy"年"m"月"d"日"`, "FDECEA"},
		{"D3", "74.0%", "0.7404", "0.0%", "FDECEA"},
		{"E3", "1,381.82", "1381.8234", "#,##0.00", "FDECEA"},
		{"F3", "123.46", "123.4567", "#,##0.00", "FDECEA"},
		{"G3", "9441", "9441", "", "FDECEA"},
		{"I3", "", "", "", "FDECEA"},
		{"J3", "99.0%", "0.99", "0.0%", "FDECEA"},
		{"J4", "6,699", "6699", "#,##0", "E8F5E9"},
		{"J5", "0.21", "0.2135", "#,##0.00", "FFF8E1"},
		{"K5", "万元/人", "万元/人", "", "FFF8E1"},
		{"L5", "", "", "", ""}, // the row-format column is not downloaded
	})
}

func checkCells(t *testing.T, data []byte, sheet string, cells []cellCheck) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range cells {
		shows, _ := f.GetCellValue(sheet, c.cell)
		holds, _ := f.GetCellValue(sheet, c.cell, excelize.Options{RawCellValue: true})
		if shows != c.shows || holds != c.holds {
			t.Errorf("%s!%s shows %q holding %q, want %q holding %q", sheet, c.cell, shows, holds, c.shows, c.holds)
		}
		id, _ := f.GetCellStyle(sheet, c.cell)
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		numFmt := ""
		if st.CustomNumFmt != nil {
			numFmt = *st.CustomNumFmt
		}
		if numFmt != c.numFmt {
			t.Errorf("%s!%s number format %q, want %q", sheet, c.cell, numFmt, c.numFmt)
		}
		if fill := xlsxtest.Fill(t, data, sheet, c.cell); fill != c.fill {
			t.Errorf("%s!%s fill %q, want %q", sheet, c.cell, fill, c.fill)
		}
	}
}

// jixiao export writes a whole model the same way: rates as %, money with
// its unit, rows coloured by grade.
func TestExportCarriesFormats(t *testing.T) {
	w := siteWarehouse(t)
	if err := w.Exec(context.Background(), `CREATE TABLE marts.p AS SELECT * FROM (VALUES
		('F1', 0.7404, 1860.0, '中', DATE '2017-09-01'), ('F2', 0.95, 620.5, '优', DATE '2017-09-01')) t(fund_id, execution_rate, budget_wan, grade, month)`); err != nil {
		t.Fatal(err)
	}
	res, err := w.Query(context.Background(), "SELECT * FROM marts.p", 0)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"execution_rate": "预算执行率", "budget_wan": "年初预算（万元）", "grade": "等级"}
	dir := t.TempDir()
	if err := WriteXLSX(filepath.Join(dir, "p.xlsx"), "专项资金绩效评价", res, labels); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "p.xlsx"))
	checkCells(t, data, "专项资金绩效评价", []cellCheck{
		{"B2", "预算执行率", "预算执行率", "", "EEF2F7"},
		{"C2", "年初预算（万元）", "年初预算（万元）", "", "EEF2F7"},
		{"B3", "74.0%", "0.7404", "0.0%", statusFills["onpace"]},
		{"C3", "1,860.00", "1860", "#,##0.00", statusFills["onpace"]},
		{"E3", "2017年9月", "42979", `yyyy"年"m"月"`, statusFills["onpace"]},
		{"B4", "95.0%", "0.95", "0.0%", statusFills["done"]},
	})
	if err := WriteCSV(filepath.Join(dir, "p.csv"), res, labels); err != nil {
		t.Fatal(err)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "p.csv"))
	if want := "\uFEFFfund_id,预算执行率,年初预算（万元）,等级,month\nF1,74.04%,1860.00,中,2017年9月\nF2,95%,620.50,优,2017年9月\n"; string(csv) != want {
		t.Errorf("CSV %q, want %q", csv, want)
	}
}

// A column of person keys is written as text, every key of it: Excel would
// round a key of 19 digits, and a short key left a number among the text
// would not match in a VLOOKUP. Other integers stay numbers.
func TestExportWritesLongIntegerColumnsAsText(t *testing.T) {
	w := siteWarehouse(t)
	if err := w.Exec(context.Background(), `CREATE TABLE marts.keys AS SELECT * FROM (VALUES
		(6773016697377189337, 3), (123456789012345, 4)) t(person_key, services)`); err != nil {
		t.Fatal(err)
	}
	res, err := w.Query(context.Background(), "SELECT * FROM marts.keys", 0)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.xlsx")
	if err := WriteXLSX(path, "人员", res, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		cell, holds string
		typ         excelize.CellType
	}{
		{"A3", "6773016697377189337", excelize.CellTypeInlineString},
		{"A4", "123456789012345", excelize.CellTypeInlineString},
		{"B3", "3", excelize.CellTypeUnset},
		{"B4", "4", excelize.CellTypeUnset},
	} {
		holds, _ := f.GetCellValue("人员", c.cell, excelize.Options{RawCellValue: true})
		if typ, _ := f.GetCellType("人员", c.cell); holds != c.holds || typ != c.typ {
			t.Errorf("%s holds %q of type %v, want %q of type %v", c.cell, holds, typ, c.holds, c.typ)
		}
	}
}

// The page's row colours are what the workbooks use.
func TestStatusFillsFollowThePage(t *testing.T) {
	for _, class := range []string{"done", "onpace", "behind", "pending"} {
		if len(statusFills[class]) != 6 {
			t.Errorf("no colour read for tr.%s from page.html.tmpl: %v", class, statusFills)
		}
	}
}

// A formats entry naming neither a format nor a column is an error naming the panel.
func TestUnknownFormatIsAnError(t *testing.T) {
	page := "title: x\npanels:\n  - {title: a, sql: \"SELECT 1 AS n\", chart: table, formats: {n: pct}}\n"
	p, diags := project.Load(fstest.MapFS{
		"jixiao.yaml":              {Data: []byte("name: 测试项目\nplan_year: 2017\n")},
		"dashboards/overview.yaml": {Data: []byte(page)},
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := Site(context.Background(), siteWarehouse(t), p, Options{OutDir: filepath.Join(t.TempDir(), "s")})
	if err == nil || !strings.Contains(err.Error(), `panel "a": formats: n: "pct" is neither a format`) {
		t.Fatalf("got %v", err)
	}
}
