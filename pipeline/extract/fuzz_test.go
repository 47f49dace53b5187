package extract

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"jixiao/pipeline/project"
)

// fuzzUnits are the units the fuzz targets' unit columns know.
var fuzzUnits = []project.Unit{{Code: "371002", Name: "环翠区", Kind: project.UnitDistrict, Aliases: []string{"环翠"}}}

// fuzzExtract runs one source declaration over files, files of streamBytes
// or more being streamed, and returns its rows as "col=value" lines, its
// rejected rows as "row:column: reason" lines and its first error.
func fuzzExtract(t *testing.T, kind Kind, decl string, files fstest.MapFS, streamBytes int64) (rows, rejected []string, err error) {
	t.Helper()
	fsys := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/s.yaml": {Data: []byte(decl)}}
	for name, f := range files {
		fsys[name] = f
	}
	p, diags := project.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("declaration: %v", diags)
	}
	kind.Validate(p.Sources[0], &diags)
	if diags.HasErrors() {
		t.Fatalf("declaration: %v", diags)
	}
	env := Env{FS: fsys, Units: NewUnitIndex(fuzzUnits), StreamFileBytes: streamBytes}
	res, err := kind.Extract(context.Background(), env, p.Sources[0], State{})
	if err != nil {
		return nil, nil, err
	}
	for _, l := range res.Loads {
		for l.Reader.Next() {
			rec := l.Reader.RecordBatch()
			for r := 0; r < int(rec.NumRows()); r++ {
				var cells []string
				for c := 0; c < int(rec.NumCols()); c++ {
					v := "NULL"
					if !rec.Column(c).IsNull(r) {
						v = rec.Column(c).ValueStr(r)
					}
					cells = append(cells, rec.ColumnName(c)+"="+v)
				}
				rows = append(rows, strings.Join(cells, " "))
			}
		}
		if rerr := l.Reader.Err(); rerr != nil && err == nil {
			err = rerr
		}
		l.Reader.Release()
		for _, r := range l.Stats().Rejected {
			rejected = append(rejected, fmt.Sprintf("%d:%s: %s", r.Pos.Row, r.Pos.Column, r.Reason))
		}
	}
	return rows, rejected, err
}

// widen writes s's ASCII in full-width forms, as hand-typed reports do.
func widen(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteRune('\u3000')
		case r > ' ' && r <= '~':
			b.WriteRune(r + 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// withSeparators puts thousands separators into a plain decimal's whole part.
func withSeparators(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

func closeTo(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b))
}

// FuzzParseNumber feeds number cells as people type them. Parsing never
// panics; a number read is finite; full-width forms read as their ASCII;
// a whole number read as an integer reads as the same number (so no value
// out of range wraps around); and a number read, written back with
// thousands separators, full-width digits, 万元 or as a percent, reads as
// itself.
func FuzzParseNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseNumber(s)
		n, ierr := ParseInteger(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseNumber(%q) = %v", s, v)
		}
		if wv, werr := ParseNumber(widen(s)); (werr == nil) != (err == nil) || err == nil && wv != v && !(math.IsNaN(wv) && math.IsNaN(v)) {
			t.Fatalf("ParseNumber(%q) = %v, %v but its full-width form reads %v, %v", s, v, err, wv, werr)
		}
		if wn, werr := ParseInteger(widen(s)); (werr == nil) != (ierr == nil) || wn != n {
			t.Fatalf("ParseInteger(%q) = %v, %v but its full-width form reads %v, %v", s, n, ierr, wn, werr)
		}
		if ierr == nil && (err != nil || !closeTo(float64(n), v)) {
			t.Fatalf("ParseInteger(%q) = %d but ParseNumber reads %v, %v", s, n, v, err)
		}
		if err != nil {
			return
		}
		plain := strconv.FormatFloat(v, 'f', -1, 64)
		for _, typed := range []string{plain, withSeparators(plain), widen(withSeparators(plain)), " " + plain + " ", plain + "万元"} {
			if got, err := ParseNumber(typed); err != nil || got != v {
				t.Fatalf("%v typed as %q reads %v, %v", v, typed, got, err)
			}
		}
		if pct := v * 100; !math.IsInf(pct, 0) {
			typed := strconv.FormatFloat(pct, 'f', -1, 64) + "%"
			if got, err := ParseNumber(typed); err != nil || !closeTo(got, v) {
				t.Fatalf("%v typed as %q reads %v, %v", v, typed, got, err)
			}
		}
		if ierr == nil {
			plain := strconv.FormatInt(n, 10)
			for _, typed := range []string{plain, withSeparators(plain), widen(withSeparators(plain)), plain + ".0"} {
				if got, err := ParseInteger(typed); err != nil || got != n {
					t.Fatalf("%d typed as %q reads %v, %v", n, typed, got, err)
				}
			}
		}
	})
}

// validCellText reports whether a spreadsheet cell can hold s as it is.
func validCellText(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 1000 {
		return false
	}
	for _, r := range s {
		if r < ' ' && r != '\t' && r != '\n' || r == '\uFFFE' || r == '\uFFFF' || r >= 0xD800 && r < 0xE000 {
			return false
		}
	}
	return true
}

// FuzzXLSXHeader writes a report the way units fill them in: title rows of
// any text, a header found by header_match (指标) over one or two rows with
// a column of any name among the declared ones, then one row of data. It
// must never panic. Unless the title rows themselves hold a 指标 cell (then
// they are the header) or the extra column is named as a declared one, the
// header is found below the titles and the row loads as it was written.
func FuzzXLSXHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, title, top, sub, value string, twoRows bool) {
		for _, s := range []string{title, top, sub, value} {
			if !validCellText(s) {
				return // not text a spreadsheet cell holds
			}
		}
		titles := strings.Split(title, "|")
		header := [][]string{{"指标", top, "本月"}}
		if twoRows {
			header = append(header, []string{"", sub, ""})
		}
		wb := excelize.NewFile()
		defer wb.Close()
		sheet := "进度表"
		wb.SetSheetName("Sheet1", sheet)
		rows := append(append([][]string{titles}, header...), []string{"E01", value, "12"})
		for i, r := range rows {
			cells := make([]any, len(r))
			for j, c := range r {
				cells[j] = c
			}
			if err := wb.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &cells); err != nil {
				t.Fatal(err)
			}
		}
		buf, err := wb.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		decl := fmt.Sprintf("kind: xlsx\npath: data/r.xlsx\nsheet: 进度表\nheader_match: 指标\nheader_rows: %d\ncolumns:\n"+
			"  - {name: indicator_id, type: text, required: true, aliases: [指标]}\n"+
			"  - {name: actual, type: integer, required: true, aliases: [本月]}\n", len(header))
		got, rejected, err := fuzzExtract(t, XLSX{}, decl, fstest.MapFS{"data/r.xlsx": {Data: buf.Bytes()}}, 0)
		if err != nil && !strings.Contains(err.Error(), "data/r.xlsx") {
			t.Fatalf("an error that does not name the file: %v", err)
		}
		titleIsHeader := false
		for _, c := range titles {
			titleIsHeader = titleIsHeader || headerKey(c) == headerKey("指标")
		}
		extra := headerKey(combineHeaderRows(header)[1])
		if titleIsHeader || extra == headerKey("本月") || extra == "actual" || extra == "indicator_id" {
			return
		}
		want := []string{fmt.Sprintf("indicator_id=E01 actual=12 _row=%d", len(rows))}
		if err != nil || len(rejected) > 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("titles %q, header %q: got %q, rejected %q, %v; want %q", titles, header, got, rejected, err, want)
		}
	})
}

// gbkText keeps the characters of s that GBK encodes and whose GBK bytes
// cannot be read as UTF-8, so that text of them is told from UTF-8 by any
// rule; and no CSV syntax (quotes, delimiters, line breaks).
func gbkText(s string) (text string, gbk []byte) {
	enc := simplifiedchinese.GBK.NewEncoder()
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || r < ' ' || r == '"' || r == ',' {
			continue
		}
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		e, err := enc.String(string(r))
		if err != nil || e == "" || utf8.FullRuneInString(e) && func() bool { r, n := utf8.DecodeRuneInString(e); return r != utf8.RuneError || n > 1 }() {
			continue
		}
		b.WriteRune(r)
	}
	text = b.String()
	out, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		return "", nil
	}
	return text, []byte(out)
}

// FuzzCSVEncoding feeds a CSV file's bytes to encoding detection (auto).
// Reading never panics; a file read whole and the same file streamed in
// parts give the same rows, rejections and success; loaded text is valid
// UTF-8; and a line of Chinese text saved as GBK loads as that text.
func FuzzCSVEncoding(f *testing.F) {
	const decl = "kind: csv\npath: data/a.csv\nencoding: auto\ncolumns:\n  - {name: note, type: text}\n"
	f.Fuzz(func(t *testing.T, body []byte) {
		file := append([]byte("note\n"), body...)
		files := fstest.MapFS{"data/a.csv": {Data: file}}
		rows, rejected, err := fuzzExtract(t, CSV{}, decl, files, 0)
		srows, srejected, serr := fuzzExtract(t, CSV{}, decl, files, 1)
		if (err == nil) != (serr == nil) || !reflect.DeepEqual(rows, srows) || !reflect.DeepEqual(rejected, srejected) {
			t.Fatalf("read whole: %q %q %v\nstreamed:   %q %q %v", rows, rejected, err, srows, srejected, serr)
		}
		for _, r := range rows {
			if !utf8.ValidString(r) {
				t.Fatalf("loaded text is not UTF-8: %q", r)
			}
		}

		text, gbk := gbkText(string(body))
		value := strings.TrimSpace(text)
		if value == "" || totalsRow([]string{text}) || strings.ContainsAny(text, "\r\n") {
			return
		}
		for _, size := range []int64{0, 1} {
			rows, rejected, err := fuzzExtract(t, CSV{}, decl, fstest.MapFS{"data/a.csv": {Data: append([]byte("note\n"), gbk...)}}, size)
			if want := []string{"note=" + value + " _row=2"}; err != nil || len(rejected) > 0 || !reflect.DeepEqual(rows, want) {
				t.Fatalf("GBK %q (stream from %d bytes): got %q, rejected %q, %v; want %q", text, size, rows, rejected, err, want)
			}
		}
	})
}
