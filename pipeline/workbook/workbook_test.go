package workbook

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestWorkbookReadsBack writes two sheets, compressed and stored, and reads
// them with excelize, as Excel or WPS would open them: names, titles,
// headers, typed cells.
func TestWorkbookReadsBack(t *testing.T) {
	for name, newWriter := range map[string]func(io.Writer) *Writer{"deflate": New, "stored": NewStored} {
		t.Run(name, func(t *testing.T) { testWorkbookReadsBack(t, newWriter) })
	}
}

func testWorkbookReadsBack(t *testing.T, newWriter func(io.Writer) *Writer) {
	var buf bytes.Buffer
	w := newWriter(&buf)
	june := time.Date(2017, 6, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if err := w.StartSheet("1 各单位完成情况", 4, 2); err != nil {
		t.Fatal(err)
	}
	must(t, w.TitleRow("各单位完成情况"))
	must(t, w.HeaderRow([]string{"单位", "完成率", "人数", "月份"}))
	must(t, w.Row([]any{"环翠区", 0.615, int64(1200), june}))
	must(t, w.Row([]any{"A&B <公司>", nil, 3, math.NaN()}))
	must(t, w.StartSheet("2 资金", 1, 0))
	must(t, w.Row([]any{1234567.89}))
	must(t, w.Close())

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, "|") != "1 各单位完成情况|2 资金" {
		t.Fatalf("sheets %v", got)
	}
	tests := []struct {
		sheet, cell, raw string
		typ              excelize.CellType
	}{
		{"1 各单位完成情况", "A1", "各单位完成情况", excelize.CellTypeInlineString},
		{"1 各单位完成情况", "D2", "月份", excelize.CellTypeInlineString},
		{"1 各单位完成情况", "A3", "环翠区", excelize.CellTypeInlineString},
		{"1 各单位完成情况", "B3", "0.615", excelize.CellTypeUnset},
		{"1 各单位完成情况", "C3", "1200", excelize.CellTypeUnset},
		{"1 各单位完成情况", "D3", "42887", excelize.CellTypeUnset},
		{"1 各单位完成情况", "A4", "A&B <公司>", excelize.CellTypeInlineString},
		{"1 各单位完成情况", "B4", "", excelize.CellTypeUnset},
		{"1 各单位完成情况", "C4", "3", excelize.CellTypeUnset},
		{"1 各单位完成情况", "D4", "NaN", excelize.CellTypeInlineString},
		{"2 资金", "A1", "1.23456789e+06", excelize.CellTypeUnset},
	}
	for _, tc := range tests {
		raw, err := f.GetCellValue(tc.sheet, tc.cell, excelize.Options{RawCellValue: true})
		if err != nil || raw != tc.raw {
			t.Errorf("%s!%s = %q (%v), want %q", tc.sheet, tc.cell, raw, err, tc.raw)
		}
		if typ, _ := f.GetCellType(tc.sheet, tc.cell); typ != tc.typ {
			t.Errorf("%s!%s type %v, want %v", tc.sheet, tc.cell, typ, tc.typ)
		}
	}
	// The date carries the Chinese date format; the header the bold style.
	style, _ := f.GetCellStyle("1 各单位完成情况", "D3")
	st, err := f.GetStyle(style)
	if err != nil || st.CustomNumFmt == nil || !strings.Contains(*st.CustomNumFmt, "年") {
		t.Errorf("date style %+v: %v", st, err)
	}
	hstyle, _ := f.GetCellStyle("1 各单位完成情况", "A2")
	if hs, err := f.GetStyle(hstyle); err != nil || hs.Font == nil || !hs.Font.Bold {
		t.Errorf("header style %+v: %v", hs, err)
	}
	panes, err := f.GetPanes("1 各单位完成情况")
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes %+v: %v", panes, err)
	}
	if w, _ := f.GetColWidth("1 各单位完成情况", "C"); w != ColumnWidth {
		t.Errorf("column width %v", w)
	}
}

func TestWorkbookRefusesWhatExcelRefuses(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *Writer) error
		want  string
	}{
		{"no sheet", func(w *Writer) error { return w.Close() }, "at least one sheet"},
		{"row first", func(w *Writer) error { return w.Row([]any{1}) }, "before StartSheet"},
		{"bracket", func(w *Writer) error { return w.StartSheet("a[1]", 1, 0) }, "contains one of"},
		{"too long", func(w *Writer) error { return w.StartSheet(strings.Repeat("指", 32), 1, 0) }, "31 characters"},
		{"empty", func(w *Writer) error { return w.StartSheet("", 1, 0) }, "cannot be empty"},
		{"too many columns", func(w *Writer) error { return w.StartSheet("宽", MaxColumns+1, 0) }, "16,384 columns"},
		{"too many rows", func(w *Writer) error {
			w.StartSheet("长", 1, 0)
			for i := 0; i < MaxRows; i++ {
				w.Row([]any{int64(i)})
			}
			return w.Row([]any{0})
		}, `sheet "长": more than 1048576 rows`},
		{"twice", func(w *Writer) error {
			w.StartSheet("资金", 1, 0)
			return w.StartSheet("资金", 1, 0)
		}, "used twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write(New(&bytes.Buffer{}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAppendColumn(t *testing.T) {
	for col, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := string(appendColumn(nil, col)); got != want {
			t.Errorf("column %d = %s, want %s", col, got, want)
		}
	}
}

// BenchmarkWorkbook writes a page-sized workbook (three sheets of 60 rows)
// with this package and, as the baseline, with excelize.
func BenchmarkWorkbook(b *testing.B) {
	rows := make([][]any, 60)
	for i := range rows {
		rows[i] = []any{"环翠区", float64(i) * 1.5, int64(i), time.Date(2017, time.Month(i%12+1), 1, 0, 0, 0, 0, time.UTC), "正常"}
	}
	header := []string{"单位", "完成率", "人数", "月份", "状态"}
	var ours, base time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		w := New(&bytes.Buffer{})
		for s := 0; s < 3; s++ {
			w.StartSheet(string(rune('1'+s))+" 指标", len(header), 2)
			w.TitleRow("指标")
			w.HeaderRow(header)
			for _, r := range rows {
				w.Row(r)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)

		start = time.Now()
		f := excelize.NewFile()
		for s := 0; s < 3; s++ {
			name := string(rune('1'+s)) + " 指标"
			if s == 0 {
				f.SetSheetName("Sheet1", name)
			} else {
				f.NewSheet(name)
			}
			f.SetCellValue(name, "A1", "指标")
			for j, h := range header {
				c, _ := excelize.CoordinatesToCellName(j+1, 2)
				f.SetCellValue(name, c, h)
			}
			for r, row := range rows {
				for j, v := range row {
					c, _ := excelize.CoordinatesToCellName(j+1, r+3)
					f.SetCellValue(name, c, v)
				}
			}
		}
		if _, err := f.WriteToBuffer(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		base += time.Since(start)
	}
	b.ReportMetric(ours.Seconds()/base.Seconds(), "x_vs_excelize")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
