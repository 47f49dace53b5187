package extract

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/xuri/excelize/v2"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// messyReport writes a workbook the way a district office fills it in.
func messyReport(t *testing.T, unit string, month int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "进度表"
	f.SetSheetName("Sheet1", sh)
	set := func(cell string, v any) {
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", fmt.Sprintf("2017年%d月残疾人就业培训工作进度表", month))
	f.MergeCell(sh, "A1", "F1")
	set("A2", "填报单位："+unit+"残联")
	set("E2", "单位：人、万元")
	// Two header rows: 就业 and 培训 span two columns each; 指标 and 备注 span both rows.
	set("A3", "指标")
	f.MergeCell(sh, "A3", "A4")
	set("B3", "报送日期")
	f.MergeCell(sh, "B3", "B4")
	set("C3", "就业")
	f.MergeCell(sh, "C3", "D3")
	set("C4", "本月")
	set("D4", "累计")
	set("E3", "资金")
	set("E4", "金额")
	set("F3", "备注")
	f.MergeCell(sh, "F3", "F4")
	set("A5", "E05-1")
	set("B5", time.Date(2017, time.Month(month), 28, 0, 0, 0, 0, time.UTC))
	set("C5", 12)
	set("D5", "３０") // typed as text, full-width
	set("E5", "1,234.5")
	set("A6", "E06-1")
	set("B6", "2017年1月28日")
	set("C6", "8")
	set("D6", "二十")
	set("E6", 0.5)
	// row 7 left blank
	set("A8", "合计")
	f.SetCellFormula(sh, "C8", "SUM(C5:C6)")
	set("A10", "填表人：张三　联系电话：0631-5200000")
	f.NewSheet("说明")
	f.SetCellValue("说明", "A1", "本表按月报送")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const reportDecl = `kind: xlsx
path: data/reports/*.xlsx
sheet: 进度表
header_match: 指标
header_rows: 2
load: append
fill:
  - {column: unit_code, from: title, pattern: "填报单位[:：]\\s*(\\S+)"}
columns:
  - {name: unit_code, type: unit, required: true}
  - {name: indicator_id, type: text, required: true, aliases: [指标]}
  - {name: reported_on, type: date, required: true, aliases: [报送日期]}
  - {name: actual, type: integer, required: true, aliases: [就业/本月]}
  - {name: cumulative, type: integer, aliases: [就业/累计]}
  - {name: amount, type: number, aliases: [资金/金额]}
  - {name: remark, type: text, aliases: [备注]}
`

func xlsxSource(t *testing.T, files fstest.MapFS, decl string) (*project.Source, Env) {
	t.Helper()
	files["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: t\nplan_year: 2017\n")}
	files["sources/reports.yaml"] = &fstest.MapFile{Data: []byte(decl)}
	p, diags := project.Load(files)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	XLSX{}.Validate(p.Sources[0], &diags)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p.Sources[0], Env{FS: files, Units: NewUnitIndex(testUnits)}
}

func TestXLSXMessyReport(t *testing.T) {
	files := fstest.MapFS{
		"data/reports/huancui-2017-03.xlsx":   {Data: messyReport(t, "环翠区", 3)},
		"data/reports/~$huancui-2017-03.xlsx": {Data: []byte("Excel lock file")},
	}
	src, env := xlsxSource(t, files, reportDecl)
	res, err := XLSX{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 {
		t.Fatalf("loads %d", len(res.Loads))
	}
	got := rows(t, res.Loads[0])
	l := res.Loads[0].Stats()
	if len(l.Warnings) != 0 {
		t.Errorf("warnings %v", l.Warnings)
	}
	want := "unit_code=371002 indicator_id=E05-1 reported_on=2017-03-28 actual=12 cumulative=30 amount=1234.5 remark=NULL _file=data/reports/huancui-2017-03.xlsx _row=5"
	if len(got) != 1 || got[0] != want {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if l.RowsRead != 2 {
		t.Errorf("RowsRead %d, want 2 (the blank, 合计 and 填表人 rows are not data)", l.RowsRead)
	}
	if len(l.Rejected) != 1 {
		t.Fatalf("rejected %v", l.Rejected)
	}
	r := l.Rejected[0]
	if r.Pos != (diag.Pos{File: "data/reports/huancui-2017-03.xlsx", Sheet: "进度表", Row: 6, Column: "就业/累计(cumulative)"}) || r.RawValue != "二十" {
		t.Errorf("rejection %+v at %s", r, r.Pos)
	}
}

func TestXLSXHeaderRowAndSheetIndex(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"封面"})
	f.NewSheet("数据")
	f.SetSheetRow("数据", "A1", &[]any{"标题"})
	f.SetSheetRow("数据", "A3", &[]any{"单位", "本月完成"})
	f.SetSheetRow("数据", "A4", &[]any{"高区", 5})
	f.SetSheetRow("数据", "A5", &[]any{"环翠", 7})
	var buf bytes.Buffer
	f.Write(&buf)
	decl := `kind: xlsx
path: data/a.xlsx
sheet: "2"
header_row: 3
columns:
  - {name: unit_code, type: unit, required: true, aliases: [单位]}
  - {name: actual, type: integer, required: true, aliases: [本月完成]}
`
	src, env := xlsxSource(t, fstest.MapFS{"data/a.xlsx": {Data: buf.Bytes()}}, decl)
	res, err := XLSX{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, res.Loads[0])
	if len(got) != 2 || !strings.HasPrefix(got[0], "unit_code=371071 actual=5") || !strings.HasSuffix(got[1], "_row=5") {
		t.Errorf("rows %v", got)
	}
}

func TestXLSXFileErrors(t *testing.T) {
	good := messyReport(t, "环翠区", 1)
	tests := []struct {
		name string
		data []byte
		decl string
		want string
	}{
		{"corrupt workbook", []byte("PK\x03\x04 this is not a workbook"), reportDecl, "data/reports/r.xlsx: not a readable .xlsx workbook"},
		{"missing sheet", good, strings.Replace(reportDecl, "sheet: 进度表", "sheet: 汇总", 1), `data/reports/r.xlsx: no sheet "汇总" (the workbook has: 进度表, 说明)`},
		{"header not found", good, strings.Replace(reportDecl, "header_match: 指标", "header_match: 项目", 1), `data/reports/r.xlsx[进度表]: no header row: no cell reads "项目"`},
		{"fill finds nothing", good, strings.Replace(reportDecl, "填报单位", "报送单位", 1), "data/reports/r.xlsx[进度表]:row 3: fill unit_code: pattern"},
		{"missing required column", good, strings.Replace(reportDecl, "aliases: [就业/本月]", "aliases: [就业人数]", 1), "data/reports/r.xlsx[进度表]:row 3: missing required column(s) actual (就业人数)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, env := xlsxSource(t, fstest.MapFS{"data/reports/r.xlsx": {Data: tt.data}}, tt.decl)
			err := extractErr(XLSX{}, env, src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
		})
	}
}

func TestCombineHeaderRows(t *testing.T) {
	got := combineHeaderRows([][]string{
		{"指标", "就业", "", "培训", "", "备注"},
		{"", "本月", "累计", "本月", "累计"},
	})
	want := "指标,就业/本月,就业/累计,培训/本月,培训/累计,备注"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestXLSXValidate(t *testing.T) {
	decl := "kind: xlsx\nheader_row: 2\nheader_match: 单位\nheader_rows: 9\nfill:\n  - {column: nope, from: cell, pattern: x}\ncolumns:\n  - {name: a, type: text}\n"
	m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/s.yaml": {Data: []byte(decl)}}
	p, _ := project.Load(m)
	var diags diag.List
	XLSX{}.Validate(p.Sources[0], &diags)
	all := fmt.Sprint(diags)
	for _, want := range []string{"path is required", "sources/s.yaml:3:15: give header_row or header_match", "sources/s.yaml:4:14: header_rows must be 1 to 5",
		`sources/s.yaml:6:5: fill: column "nope" is not declared`, `from must be title, file or sheet, not "cell"`, "the pattern needs a group"} {
		if !strings.Contains(all, want) {
			t.Errorf("want %q in %s", want, all)
		}
	}
}
