// Package workbook writes Excel workbooks (Office Open XML) for finance
// staff: a title row, a bold header row, numbers as numbers and dates as
// dates, one sheet after another, streamed into the zip as they are
// written. Cells may carry a style (a number format such as 0.0% or
// #,##0.00, a fill colour, a border) so that a download reads as its page
// does while each cell keeps its raw value; a sheet may merge cells (a
// form's two-row header) and print on A4 landscape. It writes only what
// those downloads need; BenchmarkWorkbook measures it against excelize's
// StreamWriter writing the same cells with the same styles.
package workbook

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Style indexes into the cellXfs of styles.xml: these three always
// exist; AddStyle appends the others.
const (
	styleDefault = 0
	styleHeader  = 1
	styleDate    = 2
)

// Style is how a cell looks. The zero Style is Excel's default.
type Style struct {
	// NumFmt is an Excel number format code: "0.0%", "#,##0.00",
	// `yyyy"年"m"月"`; empty is General.
	NumFmt string
	Bold   bool
	// Size is the font size in points; 0 is 11.
	Size float64
	// Color is the font colour and Fill the background, as RRGGBB.
	Color, Fill string
	// Border draws a thin border round the cell.
	Border bool
	// Align is "", "left", "center" or "right"; Wrap wraps long text.
	Align string
	Wrap  bool
}

// SheetOptions lay out a sheet.
type SheetOptions struct {
	// Columns is how many columns the sheet has; Widths, in characters,
	// sets them one by one (ColumnWidth where missing or 0).
	Columns int
	Widths  []float64
	// FreezeRows stay in view when scrolling.
	FreezeRows int
	// Landscape prints the sheet on A4 landscape, fitted to the page's
	// width; RepeatRows (first and last, 1-based) print on every page.
	Landscape  bool
	RepeatRows [2]int
}

// ColumnWidth is the width, in characters, of every column.
const ColumnWidth = 14

// Excel's limits on a sheet.
const (
	MaxRows    = 1 << 20
	MaxColumns = 1 << 14
)

// ErrTooLarge is returned for rows or columns beyond what Excel opens.
var ErrTooLarge = errors.New("too large for an Excel sheet (1,048,576 rows, 16,384 columns)")

// Fits reports, with ErrTooLarge, whether a sheet of rows by cols exceeds
// Excel's limits: writers can check before writing anything.
func Fits(rows, cols int) error {
	if rows > MaxRows || cols > MaxColumns {
		return fmt.Errorf("%d rows, %d columns: %w", rows, cols, ErrTooLarge)
	}
	return nil
}

// Writer streams a workbook into an io.Writer. Sheets are written one at a
// time: StartSheet, then TitleRow, HeaderRow and Row calls, and Close at
// the end writes the parts that list the sheets.
type Writer struct {
	zw *zip.Writer
	// method is zip.Deflate, or zip.Store for small workbooks, where
	// setting up compression costs more than it saves.
	method uint16
	// deflate is the writer every compressed part goes through, from
	// deflaters when it is set.
	deflate   *flate.Writer
	deflaters *Deflaters
	sheet     *bufio.Writer
	names     []string
	// row is the 1-based number of the next row of the current sheet.
	row  int
	cell []byte
	err  error
	// opts and merges are the current sheet's layout and merged ranges,
	// written when the sheet ends; repeat the print titles of every sheet.
	opts   SheetOptions
	merges []string
	repeat map[int][2]int
	// height is the next row's height in points, 0 for the default.
	height float64
	// styles are the registered styles, their index in cellXfs minus
	// firstCustomStyle.
	styles  []Style
	styleID map[Style]int
}

// firstCustomStyle is the cellXfs index of the first AddStyle style.
const firstCustomStyle = 3

// AddStyle registers s and returns the index RowStyled takes; equal
// styles share one index.
func (w *Writer) AddStyle(s Style) int {
	if s == (Style{}) {
		return styleDefault
	}
	if id, ok := w.styleID[s]; ok {
		return id
	}
	if w.styleID == nil {
		w.styleID = map[Style]int{}
	}
	id := firstCustomStyle + len(w.styles)
	w.styles = append(w.styles, s)
	w.styleID[s] = id
	return id
}

// New starts a workbook written to out. Every part is compressed with one
// reused deflate writer: allocating one per part costs more than
// compressing these small parts does.
func New(out io.Writer) *Writer { return NewWith(out, nil) }

// NewWith is New with its deflate writer lent by d (nil: its own), and
// given back when Close succeeds.
func NewWith(out io.Writer, d *Deflaters) *Writer {
	w := &Writer{zw: zip.NewWriter(out), method: zip.Deflate, deflaters: d}
	w.zw.RegisterCompressor(zip.Deflate, func(to io.Writer) (io.WriteCloser, error) {
		if w.deflate != nil {
			w.deflate.Reset(to)
			return w.deflate, nil
		}
		fw, err := d.get(to)
		w.deflate = fw
		return fw, err
	})
	return w
}

// Deflaters lends deflate writers to the workbooks of one render: setting
// one up (some 300 KB of tables to clear) cost more than compressing a
// page's workbook, and the default project's site writes dozens (48 ms of
// its render's CPU). Safe for concurrent use.
type Deflaters struct{ pool sync.Pool }

// get is a deflate writer at BestSpeed writing to to: one given back
// before, or a new one.
func (d *Deflaters) get(to io.Writer) (*flate.Writer, error) {
	if d != nil {
		if fw, ok := d.pool.Get().(*flate.Writer); ok {
			fw.Reset(to)
			return fw, nil
		}
	}
	return flate.NewWriter(to, flate.BestSpeed)
}

// put gives fw back, to be reset by the next get.
func (d *Deflaters) put(fw *flate.Writer) {
	if d != nil && fw != nil {
		d.pool.Put(fw)
	}
}

// NewStored starts a workbook whose parts are stored uncompressed: for a
// download of a few dozen rows, writing it costs a fraction of compressing
// it, and every spreadsheet program opens it the same.
func NewStored(out io.Writer) *Writer {
	return &Writer{zw: zip.NewWriter(out), method: zip.Store}
}

// create begins a part of the package.
func (w *Writer) create(name string) (io.Writer, error) {
	return w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: w.method})
}

// ValidSheetName reports why Excel would refuse name as a sheet name, or nil.
func ValidSheetName(name string) error {
	switch {
	case name == "":
		return errors.New("a sheet name cannot be empty")
	case utf8.RuneCountInString(name) > 31:
		return fmt.Errorf("sheet name %q is longer than Excel's 31 characters", name)
	case strings.ContainsAny(name, `:\/?*[]`):
		return fmt.Errorf("sheet name %q contains one of : \\ / ? * [ ]", name)
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return fmt.Errorf("sheet name %q starts or ends with an apostrophe", name)
	}
	return nil
}

// StartSheet ends the current sheet, if any, and begins one named name with
// cols columns; the first freezeRows rows stay in view when scrolling.
func (w *Writer) StartSheet(name string, cols, freezeRows int) error {
	return w.StartSheetWith(name, SheetOptions{Columns: cols, FreezeRows: freezeRows})
}

// StartSheetWith ends the current sheet, if any, and begins one named name
// laid out as o says.
func (w *Writer) StartSheetWith(name string, o SheetOptions) error {
	cols, freezeRows := o.Columns, o.FreezeRows
	if w.err != nil {
		return w.err
	}
	if err := ValidSheetName(name); err != nil {
		return err
	}
	if err := Fits(0, cols); err != nil {
		return fmt.Errorf("sheet %q: %w", name, err)
	}
	for _, n := range w.names {
		if strings.EqualFold(n, name) {
			return fmt.Errorf("sheet name %q is used twice", name)
		}
	}
	if err := w.endSheet(); err != nil {
		return err
	}
	part, err := w.create(fmt.Sprintf("xl/worksheets/sheet%d.xml", len(w.names)+1))
	if err != nil {
		return w.fail(err)
	}
	w.names = append(w.names, name)
	if w.sheet == nil {
		w.sheet = bufio.NewWriterSize(part, 32<<10)
	} else {
		w.sheet.Reset(part)
	}
	w.row = 1
	w.opts, w.merges = o, w.merges[:0]
	if o.RepeatRows[0] > 0 {
		if w.repeat == nil {
			w.repeat = map[int][2]int{}
		}
		w.repeat[len(w.names)-1] = o.RepeatRows
	}
	s := w.sheet
	s.WriteString(xml.Header)
	s.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	if o.Landscape {
		s.WriteString(`<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>`)
	}
	s.WriteString(`<sheetViews><sheetView workbookViewId="0"`)
	if len(w.names) == 1 {
		s.WriteString(` tabSelected="1"`)
	}
	s.WriteString(`>`)
	if freezeRows > 0 {
		top := "A" + strconv.Itoa(freezeRows+1)
		fmt.Fprintf(s, `<pane ySplit="%d" topLeftCell="%s" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="%s" sqref="%s"/>`, freezeRows, top, top, top)
	}
	s.WriteString(`</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>`)
	if cols > 0 {
		s.WriteString(`<cols>`)
		for i := 0; i < cols; {
			width := columnWidth(o.Widths, i)
			j := i + 1
			for j < cols && columnWidth(o.Widths, j) == width {
				j++
			}
			fmt.Fprintf(s, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, i+1, j, strconv.FormatFloat(width, 'f', -1, 64))
			i = j
		}
		s.WriteString(`</cols>`)
	}
	s.WriteString(`<sheetData>`)
	return nil
}

func columnWidth(widths []float64, i int) float64 {
	if i < len(widths) && widths[i] > 0 {
		return widths[i]
	}
	return ColumnWidth
}

// Merge merges the cells from (row1, col1) to (row2, col2), 1-based rows
// and 0-based columns as RowStyled counts them, on the current sheet; the
// first cell's value and style show.
func (w *Writer) Merge(row1, col1, row2, col2 int) {
	b := appendColumn(nil, col1)
	b = strconv.AppendInt(b, int64(row1), 10)
	b = append(b, ':')
	b = appendColumn(b, col2)
	b = strconv.AppendInt(b, int64(row2), 10)
	w.merges = append(w.merges, string(b))
}

// NextRow is the 1-based number of the row the next Row call writes.
func (w *Writer) NextRow() int { return w.row }

// SetRowHeight sets the height, in points, of the next row written: rows of
// wrapped text need it, as spreadsheet programs do not all size rows to
// their text when they open a file.
func (w *Writer) SetRowHeight(points float64) { w.height = points }

// TitleRow writes a row holding text in its first cell.
func (w *Writer) TitleRow(text string) error {
	return w.writeRow(func() {
		w.textCell(0, text, styleDefault)
	})
}

// HeaderRow writes column headers in bold on a shaded background.
func (w *Writer) HeaderRow(labels []string) error {
	return w.writeRow(func() {
		for i, l := range labels {
			w.textCell(i, l, styleHeader)
		}
	})
}

// Row writes one row of values: float64, int64 and int become numbers
// (integers of more than 15 digits text, which Excel would round),
// time.Time a date, string text, and nil an empty cell. Anything else is
// written as its fmt text.
func (w *Writer) Row(values []any) error {
	return w.RowStyled(values, nil)
}

// RowStyled writes a row whose cell i takes style styles[i], an index
// AddStyle returned (0, or past the slice's end, is the default; a date
// with the default style reads 2017年6月1日). A styled nil is an empty
// cell that still shows its fill and border.
func (w *Writer) RowStyled(values []any, styles []int) error {
	if err := Fits(0, len(values)); err != nil {
		return w.fail(err)
	}
	return w.writeRow(func() {
		for i, v := range values {
			style := styleDefault
			if i < len(styles) {
				style = styles[i]
			}
			switch t := v.(type) {
			case nil:
				if style != styleDefault {
					w.ref(i, style, "")
					w.sheet.WriteString(`</c>`)
				}
			case float64:
				w.numberCell(i, t, style)
			case int64:
				w.intCell(i, t, style)
			case int:
				w.intCell(i, int64(t), style)
			case string:
				w.textCell(i, t, style)
			case time.Time:
				if style == styleDefault {
					style = styleDate
				}
				w.dateCell(i, t, style)
			default:
				w.textCell(i, fmt.Sprint(t), style)
			}
		}
	})
}

func (w *Writer) writeRow(cells func()) error {
	if w.err != nil {
		return w.err
	}
	if w.sheet == nil || w.row == 0 {
		return errors.New("a row was written before StartSheet")
	}
	if w.row > MaxRows {
		return w.fail(fmt.Errorf("sheet %q: more than %d rows: %w", w.names[len(w.names)-1], MaxRows, ErrTooLarge))
	}
	w.sheet.WriteString(`<row r="`)
	w.cell = strconv.AppendInt(w.cell[:0], int64(w.row), 10)
	w.sheet.Write(w.cell)
	if w.height > 0 {
		w.sheet.WriteString(`" ht="`)
		w.sheet.Write(strconv.AppendFloat(w.cell[:0], w.height, 'f', -1, 64))
		w.sheet.WriteString(`" customHeight="1`)
		w.height = 0
	}
	w.sheet.WriteString(`">`)
	cells()
	w.sheet.WriteString(`</row>`)
	w.row++
	return nil
}

// ref writes a cell's opening tag up to its value: <c r="B7" s="1" t="...">.
func (w *Writer) ref(col int, style int, typ string) {
	b := append(w.cell[:0], `<c r="`...)
	b = appendColumn(b, col)
	b = strconv.AppendInt(b, int64(w.row), 10)
	b = append(b, '"')
	if style != styleDefault {
		b = append(b, ` s="`...)
		b = strconv.AppendInt(b, int64(style), 10)
		b = append(b, '"')
	}
	if typ != "" {
		b = append(b, ` t="`...)
		b = append(b, typ...)
		b = append(b, '"')
	}
	w.cell = append(b, '>')
	w.sheet.Write(w.cell)
}

func (w *Writer) textCell(col int, s string, style int) {
	if s == "" && style == styleDefault {
		return
	}
	w.ref(col, style, "inlineStr")
	w.sheet.WriteString(`<is><t xml:space="preserve">`)
	xml.EscapeText(w.sheet, []byte(s))
	w.sheet.WriteString(`</t></is></c>`)
}

func (w *Writer) numberCell(col int, f float64, style int) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// Excel has no NaN or infinity: say what it was.
		w.textCell(col, strconv.FormatFloat(f, 'g', -1, 64), style)
		return
	}
	w.ref(col, style, "")
	w.sheet.WriteString(`<v>`)
	w.sheet.Write(strconv.AppendFloat(w.cell[:0], f, 'g', -1, 64))
	w.sheet.WriteString(`</v></c>`)
}

// maxExactInteger is the largest integer Excel keeps exactly: it holds 15
// significant digits, and shows a person key or an ID number longer than
// that rounded (6773016697377189337 as 6773016697377180000).
const maxExactInteger = 999_999_999_999_999

// ExactInteger reports whether Excel keeps n as a number without rounding
// it; Row writes any other integer as text.
func ExactInteger(n int64) bool {
	return n <= maxExactInteger && n >= -maxExactInteger
}

func (w *Writer) intCell(col int, n int64, style int) {
	if !ExactInteger(n) {
		// As text, whole, as Excel users enter ID numbers.
		w.textCell(col, strconv.FormatInt(n, 10), style)
		return
	}
	w.ref(col, style, "")
	w.sheet.WriteString(`<v>`)
	w.sheet.Write(strconv.AppendInt(w.cell[:0], n, 10))
	w.sheet.WriteString(`</v></c>`)
}

// excelEpoch is day 0 of Excel's 1900 date system, as Excel counts it
// (its phantom 29 February 1900 included).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (w *Writer) dateCell(col int, t time.Time, style int) {
	// The wall-clock date and time, whatever the zone: a 2017年6月1日 stays one.
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	serial := wall.Sub(excelEpoch).Hours() / 24
	if serial < 61 { // before 1 March 1900 Excel's calendar is off by a day
		w.textCell(col, t.Format("2006-01-02"), styleDefault)
		return
	}
	w.ref(col, style, "")
	w.sheet.WriteString(`<v>`)
	w.sheet.Write(strconv.AppendFloat(w.cell[:0], serial, 'f', -1, 64))
	w.sheet.WriteString(`</v></c>`)
}

// appendColumn appends the letters of 0-based column col: A, ..., Z, AA, ...
func appendColumn(b []byte, col int) []byte {
	var tmp [4]byte
	i := len(tmp)
	for col++; col > 0; col = (col - 1) / 26 {
		i--
		tmp[i] = byte('A' + (col-1)%26)
	}
	return append(b, tmp[i:]...)
}

func (w *Writer) endSheet() error {
	if w.sheet == nil || w.row == 0 {
		return nil
	}
	w.sheet.WriteString(`</sheetData>`)
	if len(w.merges) > 0 {
		fmt.Fprintf(w.sheet, `<mergeCells count="%d">`, len(w.merges))
		for _, m := range w.merges {
			w.sheet.WriteString(`<mergeCell ref="` + m + `"/>`)
		}
		w.sheet.WriteString(`</mergeCells>`)
	}
	if w.opts.Landscape {
		w.sheet.WriteString(`<printOptions horizontalCentered="1"/>` +
			`<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>` +
			`<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>`)
	}
	w.sheet.WriteString(`</worksheet>`)
	w.row = 0
	if err := w.sheet.Flush(); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("write workbook: %w", err)
	}
	return w.err
}

// Close ends the last sheet and writes the parts that tie the sheets
// together. A workbook needs at least one sheet.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if len(w.names) == 0 {
		return errors.New("a workbook needs at least one sheet")
	}
	if err := w.endSheet(); err != nil {
		return err
	}
	for _, p := range w.packageParts() {
		part, err := w.create(p.name)
		if err != nil {
			return w.fail(err)
		}
		if _, err := io.WriteString(part, p.body); err != nil {
			return w.fail(err)
		}
	}
	if err := w.zw.Close(); err != nil {
		return w.fail(err)
	}
	// Every part is closed: the writer holds nothing of this workbook.
	w.deflaters.put(w.deflate)
	w.deflate = nil
	return nil
}

type part struct{ name, body string }

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// stylesXML is styles.xml: 0 plain; 1 header (bold, shaded); 2 date as
// 2017年6月1日; then the styles AddStyle registered, each with its own
// number format, font, fill and border as needed.
func (w *Writer) stylesXML() string {
	var numFmts, fonts, fills, xfs strings.Builder
	fmtID := map[string]int{`yyyy"年"m"月"d"日"`: 164}
	fontID := map[string]int{}
	fillID := map[string]int{}
	nFonts, nFills := 2, 3
	fonts.WriteString(`<font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>` +
		`<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>`)
	fills.WriteString(`<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
		`<fill><patternFill patternType="solid"><fgColor rgb="FFEEF2F7"/><bgColor indexed="64"/></patternFill></fill>`)
	xfs.WriteString(`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>` +
		`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`)
	numFmts.WriteString(`<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>`)
	for _, st := range w.styles {
		numFmt := 0
		if st.NumFmt != "" {
			id, ok := fmtID[st.NumFmt]
			if !ok {
				id = 164 + len(fmtID)
				fmtID[st.NumFmt] = id
				numFmts.WriteString(`<numFmt numFmtId="` + strconv.Itoa(id) + `" formatCode="`)
				xml.EscapeText(&numFmts, []byte(st.NumFmt))
				numFmts.WriteString(`"/>`)
			}
			numFmt = id
		}
		font := 0
		if st.Bold || st.Size > 0 || st.Color != "" {
			key := fmt.Sprintf("%v|%v|%s", st.Bold, st.Size, st.Color)
			id, ok := fontID[key]
			if !ok {
				id = nFonts
				nFonts++
				fontID[key] = id
				fonts.WriteString(`<font>`)
				if st.Bold {
					fonts.WriteString(`<b/>`)
				}
				size := st.Size
				if size == 0 {
					size = 11
				}
				fonts.WriteString(`<sz val="` + strconv.FormatFloat(size, 'f', -1, 64) + `"/>`)
				if st.Color != "" {
					fonts.WriteString(`<color rgb="FF` + st.Color + `"/>`)
				}
				fonts.WriteString(`<name val="宋体"/><family val="3"/><charset val="134"/></font>`)
			}
			font = id
		}
		fill := 0
		if st.Fill != "" {
			id, ok := fillID[st.Fill]
			if !ok {
				id = nFills
				nFills++
				fillID[st.Fill] = id
				fills.WriteString(`<fill><patternFill patternType="solid"><fgColor rgb="FF` + st.Fill + `"/><bgColor indexed="64"/></patternFill></fill>`)
			}
			fill = id
		}
		border := 0
		if st.Border {
			border = 1
		}
		fmt.Fprintf(&xfs, `<xf numFmtId="%d" fontId="%d" fillId="%d" borderId="%d" xfId="0"`, numFmt, font, fill, border)
		if numFmt != 0 {
			xfs.WriteString(` applyNumberFormat="1"`)
		}
		if font != 0 {
			xfs.WriteString(` applyFont="1"`)
		}
		if fill != 0 {
			xfs.WriteString(` applyFill="1"`)
		}
		if border != 0 {
			xfs.WriteString(` applyBorder="1"`)
		}
		if st.Align != "" || st.Wrap {
			xfs.WriteString(` applyAlignment="1"><alignment`)
			if st.Align != "" {
				xfs.WriteString(` horizontal="` + st.Align + `"`)
			}
			xfs.WriteString(` vertical="center"`)
			if st.Wrap {
				xfs.WriteString(` wrapText="1"`)
			}
			xfs.WriteString(`/></xf>`)
		} else {
			xfs.WriteString(`/>`)
		}
	}
	const thin = `<left style="thin"><color rgb="FF808080"/></left><right style="thin"><color rgb="FF808080"/></right>` +
		`<top style="thin"><color rgb="FF808080"/></top><bottom style="thin"><color rgb="FF808080"/></bottom><diagonal/>`
	return xml.Header + `<styleSheet xmlns="` + nsMain + `">` +
		`<numFmts count="` + strconv.Itoa(len(fmtID)) + `">` + numFmts.String() + `</numFmts>` +
		`<fonts count="` + strconv.Itoa(nFonts) + `">` + fonts.String() + `</fonts>` +
		`<fills count="` + strconv.Itoa(nFills) + `">` + fills.String() + `</fills>` +
		`<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>` + thin + `</border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="` + strconv.Itoa(firstCustomStyle+len(w.styles)) + `">` + xfs.String() + `</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
}

func (w *Writer) packageParts() []part {
	var types, sheets, rels, defined strings.Builder
	if len(w.repeat) > 0 {
		defined.WriteString(`<definedNames>`)
	}
	types.WriteString(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	rels.WriteString(xml.Header + `<Relationships xmlns="` + nsPkg + `">`)
	for i, name := range w.names {
		n := i + 1
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, n, nsRel, n)
		sheets.WriteString(`<sheet name="`)
		xml.EscapeText(&sheets, []byte(name))
		fmt.Fprintf(&sheets, `" sheetId="%d" r:id="rId%d"/>`, n, n)
		if r, ok := w.repeat[i]; ok {
			fmt.Fprintf(&defined, `<definedName name="_xlnm.Print_Titles" localSheetId="%d">'`, i)
			xml.EscapeText(&defined, []byte(strings.ReplaceAll(name, "'", "''")))
			fmt.Fprintf(&defined, `'!$%d:$%d</definedName>`, r[0], r[1])
		}
	}
	if defined.Len() > 0 {
		defined.WriteString(`</definedNames>`)
	}
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/></Relationships>`, len(w.names)+1, nsRel)
	types.WriteString(`</Types>`)
	return []part{
		{"xl/styles.xml", w.stylesXML()},
		{"xl/workbook.xml", xml.Header + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
			`<bookViews><workbookView activeTab="0"/></bookViews><sheets>` + sheets.String() + `</sheets>` + defined.String() + `</workbook>`},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"_rels/.rels", xml.Header + `<Relationships xmlns="` + nsPkg + `">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"[Content_Types].xml", types.String()},
	}
}
