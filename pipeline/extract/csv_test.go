package extract

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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

// rows reads a load's stream as "col=value" strings, one per row, with
// _file as the warehouse stores it: from the load when the stream has none.
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
				if rec.ColumnName(c) == RowColumn && l.File != "" {
					if rec.Schema().HasField(FileColumn) {
						t.Fatalf("a load of one file (%s) also streams a _file column", l.File)
					}
					cells = append(cells, FileColumn+"="+l.File)
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

// extractErr runs a kind and reads its loads through, returning the first
// error: a file that cannot be parsed fails when its stream is read.
func extractErr(k Kind, env Env, src *project.Source) error {
	res, err := k.Extract(context.Background(), env, src, State{})
	if err != nil {
		return err
	}
	for _, l := range res.Loads {
		for l.Reader.Next() {
		}
		err := l.Reader.Err()
		l.Reader.Release()
		if err != nil {
			return err
		}
	}
	return nil
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
	st := l.Stats()
	want := []string{
		"unit_code=371002 month=2017-01-01 actual=12 amount=1234.5 _file=data/a.csv _row=3",
		"unit_code=371071 month=2017-02-01 actual=15 amount=3.5 _file=data/a.csv _row=4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st.RowsRead != 5 {
		t.Errorf("RowsRead = %d, want 5 (blank and 合计 rows are not data)", st.RowsRead)
	}
	var rejects []string
	for _, r := range st.Rejected {
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
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0].String(), `column "新增栏目" is not declared`) ||
		st.Warnings[0].Pos != (diag.Pos{File: "data/a.csv", Row: 2}) {
		t.Errorf("want a schema-change warning at the header row, got %v", st.Warnings)
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
			if tt.wantErr != "" {
				if err := extractErr(CSV{}, env, src); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error %q, got %v", tt.wantErr, err)
				}
				return
			}
			res, err := CSV{}.Extract(context.Background(), env, src, State{})
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
			err := extractErr(CSV{}, env, src)
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

func TestCSVCursorValidate(t *testing.T) {
	tests := []struct{ decl, want string }{
		{"cursor: updated_at\nload: append\n", ""},
		{"cursor: updated_at\n", "sources/s.yaml:3:9: a cursor reads only the rows added to the file: use load: append or load: merge"},
		{"cursor: nope\nload: append\n", `sources/s.yaml:3:9: cursor "nope" is not among the declared columns`},
		{"cursor: a\nload: append\n", "sources/s.yaml:3:9: cursor a must be an integer, date or timestamp column, not text"},
	}
	for _, tt := range tests {
		decl := "kind: csv\npath: data/x.csv\n" + tt.decl + "columns:\n  - {name: a, type: text}\n  - {name: updated_at, type: timestamp}\n"
		m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/s.yaml": {Data: []byte(decl)}}
		p, _ := project.Load(m)
		var diags diag.List
		CSV{}.Validate(p.Sources[0], &diags)
		if got := fmt.Sprint(diags); (tt.want == "") != (len(diags) == 0) || !strings.Contains(got, tt.want) {
			t.Errorf("%q: got %s, want %q", tt.decl, got, tt.want)
		}
	}
}

// A growing export read whole or from where it grew gives the same rows,
// held in memory or read from disk in parts, in UTF-8 or GBK; a file that
// did not end its last line is read whole again.
func TestCSVGrownFileReadsOnlyTheAddedRows(t *testing.T) {
	for _, stream := range []int64{0, 16} {
		for _, enc := range []string{"utf-8", "gbk"} {
			decl := "kind: csv\npath: data/s.csv\nload: append\ncursor: n\nheader_row: 2\nencoding: " + enc + "\ncolumns:\n  - {name: n, type: integer}\n  - {name: name, type: text}\n"
			encode := func(s string) []byte {
				if enc == "gbk" {
					b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
					return b
				}
				return []byte(s)
			}
			old := "标题\nn,name\n1,甲\n2,乙\n"
			fsys := fstest.MapFS{"data/s.csv": {Data: encode(old)}}
			src, env := source(t, fsys, decl)
			env.StreamFileBytes = stream
			first, err := CSV{}.Extract(context.Background(), env, src, State{})
			if err != nil {
				t.Fatal(err)
			}
			drain(t, first.Loads[0].Reader)
			hash := first.Loads[0].ContentHash
			fsys["data/s.csv"] = &fstest.MapFile{Data: encode(old + "3,丙\n4,丁\n")}
			res, err := CSV{}.Extract(context.Background(), env, src, State{Hashes: map[string]string{"data/s.csv": hash}})
			if err != nil {
				t.Fatal(err)
			}
			l := res.Loads[0]
			got := drain(t, l.Reader)
			if !l.Appends || l.ReplacesLocation || got != "3/丙/5 4/丁/6" || l.Stats().RowsRead != 2 {
				t.Errorf("stream %d, %s: appends %v, replaces %v, rows %q", stream, enc, l.Appends, l.ReplacesLocation, got)
			}
			// Without a line break at its end, the next file cannot be told
			// from a changed one: it loads whole.
			fsys["data/s.csv"] = &fstest.MapFile{Data: encode(old + "3,丙")}
			res, _ = CSV{}.Extract(context.Background(), env, src, State{Hashes: map[string]string{"data/s.csv": hash}})
			next := res.Loads[0].ContentHash
			drain(t, res.Loads[0].Reader)
			fsys["data/s.csv"] = &fstest.MapFile{Data: encode(old + "3,丙\n4,丁\n")}
			res, _ = CSV{}.Extract(context.Background(), env, src, State{Hashes: map[string]string{"data/s.csv": next}})
			if l := res.Loads[0]; l.Appends || !l.ReplacesLocation || drain(t, l.Reader) != "1/甲/3 2/乙/4 3/丙/5 4/丁/6" {
				t.Errorf("stream %d, %s: after a file without a last line break, want the whole file", stream, enc)
			}
		}
	}
}

// drain reads a load's stream as "n/name/_row" words.
func drain(t *testing.T, r array.RecordReader) string {
	t.Helper()
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		sc := rec.Schema()
		col := func(name string) arrow.Array { return rec.Column(sc.FieldIndices(name)[0]) }
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, fmt.Sprintf("%v/%v/%v", col("n").GetOneForMarshal(i), col("name").GetOneForMarshal(i), col("_row").GetOneForMarshal(i)))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// A large quote-free file is parsed in parts on several goroutines; rows
// must keep their file order and their exact line numbers across the cuts.
// The parts' buffers are read into again once parsed: a rejected row's
// text must survive that (one in the header's part, one after it).
func TestCSVParallelPartsKeepOrderAndLines(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("标题行\n单位,月份,本月完成\n")
	const n = 700_000 // over five parts of partLines
	for i := 0; i < n; i++ {
		unit := "环翠区"
		if i%2 == 1 {
			unit = "高区"
		}
		if i == 70_000 {
			sb.WriteString("\r\n,,\n") // a blank line and a blank row in the middle
		}
		v := fmt.Sprint(i)
		switch i {
		case 99_999:
			v = "九"
		case 150_000:
			v = "十五万"
		}
		fmt.Fprintf(&sb, "%s,2017-%02d,%s\r\n", unit, i%12+1, v)
	}
	if n < 5*partLines {
		t.Fatalf("fixture too small: %d bytes", sb.Len())
	}
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: []byte(sb.String())}}, progressDecl)
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, res.Loads[0])
	st := res.Loads[0].Stats()
	if len(got) != n-2 || st.RowsRead != n {
		t.Fatalf("%d rows, %d read", len(got), st.RowsRead)
	}
	for _, i := range []int{0, 1, 69_999, 70_000, 99_998, 99_999, 149_998, 149_999, 167_000, 199_999, 333_333, 654_321, n - 3} {
		want := i
		if i >= 99_999 {
			want = i + 1 // the rejected rows are not in the output
		}
		if want >= 150_000 {
			want++
		}
		line := want + 3
		if want >= 70_000 {
			line += 2
		}
		if !strings.Contains(got[i], fmt.Sprintf("actual=%d ", want)) || !strings.HasSuffix(got[i], fmt.Sprintf("_row=%d", line)) {
			t.Errorf("row %d: %s, want actual=%d on line %d", i, got[i], want, line)
		}
	}
	if len(st.Rejected) != 2 || st.Rejected[0].Pos.Row != 99_999+3+2 || st.Rejected[0].RawValue != "九" ||
		st.Rejected[1].Pos.Row != 150_000+3+2 || st.Rejected[1].RawValue != "十五万" {
		t.Errorf("rejected %+v", st.Rejected)
	}
}

func TestCSVPlainReaderDelimiterAndTotals(t *testing.T) {
	text := "单位｜月份｜本月完成\r\n环翠区｜2017-01｜5\r\n\r\n　合计｜｜5\r\n"
	decl := strings.Replace(progressDecl, "header_row: 2", "header_row: 1\ndelimiter: \"｜\"", 1)
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: []byte(text)}}, decl)
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, res.Loads[0])
	if len(got) != 1 || !strings.HasPrefix(got[0], "unit_code=371002 month=2017-01-01 actual=5") || res.Loads[0].Stats().RowsRead != 1 {
		t.Errorf("rows %v", got)
	}
}

// A load that stops reading (DuckDB failed) must stop the parser too.
func TestStreamReleasedEarlyStopsItsProducer(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("t\n单位,月份,本月完成\n")
	for i := 0; i < 300_000; i++ {
		fmt.Fprintf(&sb, "环翠区,2017-01,%d\n", i)
	}
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: []byte(sb.String())}}, progressDecl)
	before := runtime.NumGoroutine()
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Loads[0].Reader
	if !r.Next() {
		t.Fatal("no first batch")
	}
	r.Release()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running after release (%d before)", n, before)
	}
	// A stream never read starts nothing and leaves nothing behind.
	res, _ = CSV{}.Extract(context.Background(), env, src, State{})
	res.Loads[0].Reader.Release()
}

// Parts of a large file are read into the buffers of parts parsed before
// them, except a part with a rejected row: the rejection holds its text.
func TestCSVPartBuffersReusedExceptUnderRejections(t *testing.T) {
	src, env := source(t, fstest.MapFS{}, progressDecl)
	var sb strings.Builder
	const n, lines, bad = 6000, 100, 1234
	for i := 0; i < n; i++ {
		v := fmt.Sprint(i)
		if i == bad {
			v = "十五万"
		}
		fmt.Fprintf(&sb, "环翠区,2017-%02d,%s\n", i%12+1, v)
	}
	var warnings diag.List
	tb, err := newTableBuilder(src, env.rowRules(), []string{"单位", "月份", "本月完成"}, diag.Pos{File: "a.csv"}, &warnings, nil, "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	parts := &lineParts{r: strings.NewReader(sb.String()), lines: lines, file: "a.csv", enc: encUTF8}
	parts.reuse()
	seen := map[*byte]bool{}
	reused := 0
	var load tally
	quoted, _, err := readPlainParts(tb, func() (textPart, bool, error) {
		p, err := parts.next()
		if p.text != "" {
			if seen[unsafe.StringData(p.text)] {
				reused++
			}
			seen[unsafe.StringData(p.text)] = true
		}
		return p, p.text != "", err
	}, ",", 0, "a.csv", false, &load)
	if err != nil || quoted.text != "" {
		t.Fatal(err, quoted.text)
	}
	r, got, err := tb.Reader()
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if reused == 0 {
		t.Errorf("no part was read into an earlier part's buffer (%d parts)", len(seen))
	}
	if got != n-1 || load.RowsRead != n {
		t.Errorf("%d rows built, %d read", got, load.RowsRead)
	}
	if len(load.Rejected) != 1 || load.Rejected[0].RawValue != "十五万" || load.Rejected[0].Pos.Row != bad+1 {
		t.Errorf("rejected %+v", load.Rejected)
	}
}
