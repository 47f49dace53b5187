package extract

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding/simplifiedchinese"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

var testUnits = []project.Unit{
	{Code: "371002", Name: "环翠区", Kind: project.UnitDistrict, Aliases: []string{"环翠"}},
	{Code: "371071", Name: "高区", Kind: project.UnitDevZone, Aliases: []string{"火炬高技术产业开发区"}},
}

// source loads a csv source declaration through the project loader.
func source(t *testing.T, fsys fstest.MapFS, decl string) (*project.Source, Env) {
	t.Helper()
	fsys["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: t\nplan_year: 2017\n")}
	fsys["sources/progress.yaml"] = &fstest.MapFile{Data: []byte(decl)}
	p, diags := project.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	CSV{}.Validate(p.Sources[0], &diags)
	if diags.HasErrors() {
		t.Fatalf("validate: %v", diags)
	}
	return p.Sources[0], Env{FS: fsys, Units: NewUnitIndex(testUnits)}
}

const progressDecl = `kind: csv
path: data/*.csv
load: append
header_row: 2
columns:
  - {name: unit_code, type: unit, required: true, aliases: [单位]}
  - {name: month, type: date, required: true, aliases: [月份]}
  - {name: actual, type: integer, required: true, aliases: [本月完成]}
  - {name: amount, type: number, aliases: [金额（万元）]}
`

// rows reads a load's stream as "col=value" strings, one per row.
func rows(t *testing.T, l Load) []string {
	t.Helper()
	defer l.Reader.Release()
	var out []string
	for l.Reader.Next() {
		rec := l.Reader.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			var cells []string
			for c := 0; c < int(rec.NumCols()); c++ {
				col := rec.Column(c)
				v := "NULL"
				if !col.IsNull(r) {
					v = col.(interface{ ValueStr(int) string }).ValueStr(r)
				}
				cells = append(cells, rec.ColumnName(c)+"="+v)
			}
			out = append(out, strings.Join(cells, " "))
		}
	}
	if err := l.Reader.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCSVMessyReport(t *testing.T) {
	report := "\uFEFF2017年各单位进度表（单位：人、万元）\n" +
		"单位,月份,本月完成,金额（万元）,新增栏目\n" +
		"环翠,2017-01,12,\"1,234.5\",x\n" +
		"火炬高技术产业开发区,2017年2月,１５,３.５,\n" +
		",,,,\n" +
		"环翠区,2017-03,七,1,\n" +
		"南海,2017-03,1,1,\n" +
		"高区,,3,,\n" +
		"合计,,27,,\n"
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: []byte(report)}}, progressDecl)
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Loads) != 1 {
		t.Fatalf("loads: %d", len(res.Loads))
	}
	l := res.Loads[0]
	got := rows(t, l)
	want := []string{
		"unit_code=371002 month=2017-01-01 actual=12 amount=1234.5 _file=data/a.csv _row=3",
		"unit_code=371071 month=2017-02-01 actual=15 amount=3.5 _file=data/a.csv _row=4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if l.RowsRead != 5 {
		t.Errorf("RowsRead = %d, want 5 (blank and 合计 rows are not data)", l.RowsRead)
	}
	var rejects []string
	for _, r := range l.Rejected {
		rejects = append(rejects, fmt.Sprintf("%s %s %s", r.Pos, r.RawValue, r.Reason))
	}
	wantRejects := []string{
		`data/a.csv:row 6:column 本月完成(actual) 七 "七" 不是数字`,
		`data/a.csv:row 7:column 单位(unit_code) 南海 未知单位 "南海"`,
		`data/a.csv:row 8:column 月份(month)  必填项为空`,
	}
	if len(rejects) != len(wantRejects) {
		t.Fatalf("rejections:\n%s", strings.Join(rejects, "\n"))
	}
	for i, w := range wantRejects {
		if !strings.HasPrefix(rejects[i], w) {
			t.Errorf("rejection %d = %q, want prefix %q", i, rejects[i], w)
		}
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), `column "新增栏目" is not declared`) ||
		res.Warnings[0].Pos != (diag.Pos{File: "data/a.csv", Row: 2}) {
		t.Errorf("want a schema-change warning at the header row, got %v", res.Warnings)
	}
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVEncodings(t *testing.T) {
	text := "标题\n单位,月份,本月完成\n环翠区,2017-05-01,8\n"
	tests := []struct {
		name, encoding string
		data           []byte
		wantErr        string
	}{
		{"gbk declared", "gbk", gbk(t, text), ""},
		{"gbk detected", "auto", gbk(t, text), ""},
		{"gb18030 declared", "gb18030", gbk(t, text), ""},
		{"utf-8 detected", "auto", []byte(text), ""},
		{"utf-8 with BOM", "utf-8", []byte("\uFEFF" + text), ""},
		{"gbk declared as utf-8", "utf-8", gbk(t, text), "data/a.csv: not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			decl := strings.Replace(progressDecl, "load: append", "load: append\nencoding: "+tt.encoding, 1)
			src, env := source(t, fstest.MapFS{"data/a.csv": {Data: tt.data}}, decl)
			res, err := CSV{}.Extract(context.Background(), env, src, State{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := rows(t, res.Loads[0])
			if len(got) != 1 || !strings.HasPrefix(got[0], "unit_code=371002 month=2017-05-01 actual=8") {
				t.Errorf("rows %v", got)
			}
		})
	}
}

func TestCSVFileErrors(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"missing required column", fstest.MapFS{"data/a.csv": {Data: []byte("标题\n单位,本月完成\n环翠区,1\n")}},
			"data/a.csv:row 2: missing required column(s) month (月份); the header row has: 单位, 本月完成"},
		{"no header", fstest.MapFS{"data/a.csv": {Data: []byte("只有标题\n")}}, "data/a.csv: no header row (expected it on line 2)"},
		{"no file", fstest.MapFS{}, `sources/progress.yaml: no file matches path "data/*.csv"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, env := source(t, tt.files, progressDecl)
			_, err := CSV{}.Extract(context.Background(), env, src, State{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want %q, got %v", tt.want, err)
			}
		})
	}
}

func TestCSVIncremental(t *testing.T) {
	files := fstest.MapFS{
		"data/a.csv": {Data: []byte("t\n单位,月份,本月完成\n环翠区,2017-01,1\n")},
		"data/b.csv": {Data: []byte("t\n单位,月份,本月完成\n高区,2017-01,2\n")},
	}
	src, env := source(t, files, progressDecl)
	first, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil || len(first.Loads) != 2 {
		t.Fatalf("first: %v, %v", first, err)
	}
	state := State{Hashes: map[string]string{}}
	for _, l := range first.Loads {
		state.Hashes[l.Location] = l.ContentHash
		l.Reader.Release()
		if l.ReplacesLocation {
			t.Errorf("%s: a first load replaces nothing", l.Location)
		}
	}
	again, err := CSV{}.Extract(context.Background(), env, src, state)
	if err != nil || len(again.Loads) != 0 || strings.Join(again.Skipped, ",") != "data/a.csv,data/b.csv" {
		t.Fatalf("unchanged files must be skipped: %+v, %v", again, err)
	}
	// b.csv is re-sent with a correction.
	files["data/b.csv"] = &fstest.MapFile{Data: []byte("t\n单位,月份,本月完成\n高区,2017-01,3\n")}
	third, err := CSV{}.Extract(context.Background(), env, src, state)
	if err != nil || len(third.Loads) != 1 || third.Loads[0].Location != "data/b.csv" || !third.Loads[0].ReplacesLocation {
		t.Fatalf("changed file: %+v, %v", third, err)
	}
	third.Loads[0].Reader.Release()

	// With load: replace, the source is one load over all files.
	src, env = source(t, files, strings.Replace(progressDecl, "load: append", "load: replace", 1))
	whole, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil || len(whole.Loads) != 1 || whole.Loads[0].Location != "data/*.csv" {
		t.Fatalf("replace: %+v, %v", whole, err)
	}
	if got := rows(t, whole.Loads[0]); len(got) != 2 {
		t.Errorf("replace load has %d rows, want 2", len(got))
	}
	skip, _ := CSV{}.Extract(context.Background(), env, src, State{Hashes: map[string]string{"data/*.csv": whole.Loads[0].ContentHash}})
	if len(skip.Loads) != 0 {
		t.Errorf("unchanged replace source must be skipped")
	}
}

func TestCSVValidate(t *testing.T) {
	decl := "kind: csv\nencoding: big5\ndelimiter: ab\nheader_row: -1\nextra: 1\ncolumns:\n  - {name: a, type: text}\n"
	m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/s.yaml": {Data: []byte(decl)}}
	p, _ := project.Load(m)
	var diags diag.List
	CSV{}.Validate(p.Sources[0], &diags)
	all := fmt.Sprint(diags)
	for _, want := range []string{"path is required", `sources/s.yaml:2:11: encoding "big5"`, "sources/s.yaml:3:12: delimiter must be one character",
		"sources/s.yaml:4:13: header_row counts from 1", `sources/s.yaml:5:1: unknown field "extra"`} {
		if !strings.Contains(all, want) {
			t.Errorf("want %q in %s", want, all)
		}
	}
}
