package workbook

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jixiao/internal/benchenv"
	"jixiao/internal/xlsxtest"
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
	// A person key: more digits than Excel keeps, so text; 15 digits a number.
	must(t, w.Row([]any{int64(6773016697377189337), int64(-999_999_999_999_999), int64(1_000_000_000_000_000)}))
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
		{"2 资金", "A2", "6773016697377189337", excelize.CellTypeInlineString},
		{"2 资金", "B2", "-999999999999999", excelize.CellTypeUnset},
		{"2 资金", "C2", "1000000000000000", excelize.CellTypeInlineString},
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

// TestWorkbookStylesAndLayout writes a form: a merged two-row header,
// number formats, fills and borders, column widths, A4 landscape with the
// header repeated on every printed page; excelize reads each back.
func TestWorkbookStylesAndLayout(t *testing.T) {
	var buf bytes.Buffer
	w := New(&buf)
	pct := w.AddStyle(Style{NumFmt: "0.0%", Border: true})
	money := w.AddStyle(Style{NumFmt: "#,##0.00", Border: true})
	month := w.AddStyle(Style{NumFmt: `yyyy"年"m"月"`})
	head := w.AddStyle(Style{Bold: true, Fill: "EEF2F7", Border: true, Align: "center", Wrap: true})
	red := w.AddStyle(Style{Fill: "F8D7DA", Color: "C62828", Bold: true, Border: true, Align: "center"})
	if again := w.AddStyle(Style{NumFmt: "0.0%", Border: true}); again != pct {
		t.Errorf("equal styles got %d and %d", pct, again)
	}
	if w.AddStyle(Style{}) != 0 {
		t.Error("the zero style is not the default")
	}
	must(t, w.StartSheetWith("运行监控表", SheetOptions{Columns: 4, Widths: []float64{20, 0, 12.5}, Landscape: true, RepeatRows: [2]int{2, 3}}))
	must(t, w.RowStyled([]any{"预算执行", nil, nil, nil}, []int{head, head, head, head}))
	must(t, w.RowStyled([]any{"项目", "金额", nil, "灯"}, []int{head, head, head, head}))
	must(t, w.RowStyled([]any{nil, "执行数（万元）", "执行率", nil}, []int{head, head, head, head}))
	w.Merge(1, 0, 1, 3)
	w.Merge(2, 1, 2, 2)
	w.Merge(2, 0, 3, 0)
	w.Merge(2, 3, 3, 3)
	if w.NextRow() != 4 {
		t.Errorf("next row %d", w.NextRow())
	}
	june := time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC)
	w.SetRowHeight(30)
	must(t, w.RowStyled([]any{june, 1381.82, 0.7404, "红"}, []int{month, money, pct, red}))
	must(t, w.Close())

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sh = "运行监控表"
	merged, err := f.GetMergeCells(sh)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, m := range merged {
		refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis()+"="+m.GetCellValue())
	}
	if got := strings.Join(refs, " "); got != "A1:D1=预算执行 B2:C2=金额 A2:A3=项目 D2:D3=灯" {
		t.Errorf("merged %s", got)
	}
	for cell, want := range map[string]string{"A4": "2017年6月", "B4": "1,381.82", "C4": "74.0%", "D4": "红"} {
		if got, _ := f.GetCellValue(sh, cell); got != want {
			t.Errorf("%s shows %q, want %q", cell, got, want)
		}
	}
	// The raw values stay numbers, so formulas still work.
	for cell, want := range map[string]string{"B4": "1381.82", "C4": "0.7404", "A4": "42887"} {
		if got, _ := f.GetCellValue(sh, cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("%s holds %q, want %q", cell, got, want)
		}
	}
	st := styleOf(t, f, sh, "D4")
	if st.Font == nil || st.Font.Color != "C62828" || len(st.Border) != 4 {
		t.Errorf("light style %+v font %+v", st, st.Font)
	}
	if fill := xlsxtest.Fill(t, buf.Bytes(), sh, "D4"); fill != "F8D7DA" {
		t.Errorf("light fill %q", fill)
	}
	if fill := xlsxtest.Fill(t, buf.Bytes(), sh, "C4"); fill != "" {
		t.Errorf("percent cell fill %q", fill)
	}
	if hs := styleOf(t, f, sh, "B3"); hs.Alignment == nil || hs.Alignment.Horizontal != "center" || !hs.Alignment.WrapText || !hs.Font.Bold {
		t.Errorf("header style %+v", hs)
	}
	for col, want := range map[string]float64{"A": 20, "B": ColumnWidth, "C": 12.5, "D": ColumnWidth} {
		if got, _ := f.GetColWidth(sh, col); got != want {
			t.Errorf("column %s width %v, want %v", col, got, want)
		}
	}
	if h, _ := f.GetRowHeight(sh, 4); h != 30 {
		t.Errorf("row 4 height %v, want 30", h)
	}
	ps, err := f.GetPageLayout(sh)
	if err != nil || ps.Orientation == nil || *ps.Orientation != "landscape" || ps.Size == nil || *ps.Size != 9 || ps.FitToWidth == nil || *ps.FitToWidth != 1 {
		t.Errorf("page layout %+v: %v", ps, err)
	}
	names := f.GetDefinedName()
	if len(names) != 1 || names[0].Name != "_xlnm.Print_Titles" || names[0].RefersTo != "'运行监控表'!$2:$3" {
		t.Errorf("print titles %+v", names)
	}
}

func styleOf(t *testing.T, f *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// BenchmarkWorkbook writes a page-sized workbook (three sheets of 60 rows,
// a title, a header and rows with percent, money, month and status-fill
// styles) with this package and, as the baseline, with excelize's
// StreamWriter writing the same cells with the same styles: the fastest way
// excelize offers.
func BenchmarkWorkbook(b *testing.B) {
	benchenv.RecordLoad(b)
	rows := make([][]any, 60)
	for i := range rows {
		rows[i] = []any{"环翠区", float64(i) / 70, float64(i) * 12.345, int64(i), time.Date(2017, time.Month(i%12+1), 1, 0, 0, 0, 0, time.UTC), []string{"完成", "正常", "滞后"}[i%3]}
	}
	header := []string{"单位", "完成率", "支出（万元）", "人数", "月份", "状态"}
	fills := []string{"E8F5E9", "FFF8E1", "FDECEA"}
	// write writes the page's workbook through w; a render's pages lend
	// their deflate writers from one Deflaters (lent).
	write := func(w *Writer) {
		var styles [3][]int
		for k, fill := range fills {
			styles[k] = []int{w.AddStyle(Style{Fill: fill}), w.AddStyle(Style{Fill: fill, NumFmt: "0.0%"}), w.AddStyle(Style{Fill: fill, NumFmt: "#,##0.00"}),
				w.AddStyle(Style{Fill: fill, NumFmt: "#,##0"}), w.AddStyle(Style{Fill: fill, NumFmt: `yyyy"年"m"月"`}), w.AddStyle(Style{Fill: fill})}
		}
		for s := 0; s < 3; s++ {
			w.StartSheet(string(rune('1'+s))+" 指标", len(header), 2)
			w.TitleRow("指标")
			w.HeaderRow(header)
			for r, row := range rows {
				w.RowStyled(row, styles[r%3])
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	lent := &Deflaters{}
	var ours, oursLent, base time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		write(New(&bytes.Buffer{}))
		ours += time.Since(start)

		start = time.Now()
		write(NewWith(&bytes.Buffer{}, lent))
		oursLent += time.Since(start)

		start = time.Now()
		if err := excelizeStream(rows, header, fills); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
	}
	benchenv.Ratio(b, "excelize_stream", ours, base)
	b.ReportMetric(float64(ours.Microseconds())/float64(b.N), "us_ours")
	b.ReportMetric(float64(oursLent.Microseconds())/float64(b.N), "us_ours_lent_deflater")
	b.ReportMetric(float64(base.Microseconds())/float64(b.N), "us_excelize_stream")
}

// excelizeStream writes BenchmarkWorkbook's workbook with excelize's
// StreamWriter: the same sheets, frozen header, column widths, cells and
// styles.
func excelizeStream(rows [][]any, header []string, fills []string) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Family: "宋体", Size: 11},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF2F7"}}})
	if err != nil {
		return err
	}
	pct, money, count, month := "0.0%", "#,##0.00", "#,##0", `yyyy"年"m"月"`
	var styles [3][]int
	for k, fill := range fills {
		for _, nf := range []*string{nil, &pct, &money, &count, &month, nil} {
			id, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}}, CustomNumFmt: nf})
			if err != nil {
				return err
			}
			styles[k] = append(styles[k], id)
		}
	}
	for s := 0; s < 3; s++ {
		name := string(rune('1'+s)) + " 指标"
		if s == 0 {
			f.SetSheetName("Sheet1", name)
		} else {
			f.NewSheet(name)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
		sw.SetColWidth(1, len(header), ColumnWidth)
		sw.SetRow("A1", []any{"指标"})
		cells := make([]any, len(header))
		for j, h := range header {
			cells[j] = excelize.Cell{StyleID: bold, Value: h}
		}
		sw.SetRow("A2", cells)
		for r, row := range rows {
			cells := make([]any, len(row))
			for j, v := range row {
				cells[j] = excelize.Cell{StyleID: styles[r%3][j], Value: v}
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+3)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	_, err = f.WriteToBuffer()
	return err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Workbooks that share a Deflaters, one after another and at once, are
// byte for byte the workbooks New writes: a lent writer carries nothing of
// the workbook before it, and Close gives it back for the next.
func TestWorkbooksShareDeflaters(t *testing.T) {
	write := func(newWriter func(io.Writer) *Writer, n int) ([]byte, error) {
		var buf bytes.Buffer
		w := newWriter(&buf)
		if err := w.StartSheet(fmt.Sprintf("表%d", n), 2, 0); err != nil {
			return nil, err
		}
		for i := 0; i < n*200; i++ {
			if err := w.Row([]any{fmt.Sprintf("第%d行", i*n), float64(i) / 3}); err != nil {
				return nil, err
			}
		}
		err := w.Close()
		return buf.Bytes(), err
	}
	d := &Deflaters{}
	lent := func(out io.Writer) *Writer { return NewWith(out, d) }
	var wg sync.WaitGroup
	for round := 0; round < 3; round++ {
		for n := 1; n <= 6; n++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				want, err := write(New, n)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := write(lent, n)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("workbook %d with a lent writer: %d bytes (%v), want the %d bytes New writes", n, len(got), err, len(want))
				}
			}()
		}
		wg.Wait()
	}
	if _, err := write(lent, 1); err != nil {
		t.Fatal(err)
	}
	if fw, ok := d.pool.Get().(*flate.Writer); !ok || fw == nil {
		t.Error("Close did not give its deflate writer back")
	}
}
