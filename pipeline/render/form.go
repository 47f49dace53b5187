package render

import (
	"bufio"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"strings"
	"time"

	"jixiao/pipeline/workbook"
)

// form is a finance office's form (绩效目标表, 运行监控表, 自评表) as one
// layout that is written both as a printable page section and as a
// workbook sheet: a title, an information block, tables whose headers span
// rows and columns, and notes under them. Every table of a form shares one
// grid of columns, so the sheet's merged cells line up as the page's do.
type form struct {
	// Sheet names the workbook sheet (a unit's name, 全市); unit is the
	// unit's code (ALL for the city).
	Sheet    string
	unit     string
	Title    string
	Subtitle string
	Widths   []float64 // each grid column's width, in characters
	Tables   []formTable
	Notes    []string
}

// formTable is one block of a form: header rows (ths) and body rows (tds).
type formTable struct {
	Caption string
	Head    [][]formCell
	Body    [][]formCell
}

// formCell is one cell; ColSpan and RowSpan of 0 mean 1. Value is what the
// workbook holds (a number keeps its raw value), Text what the page shows;
// Format is the column format (percent, wanyuan_wan, integer...) the
// workbook's number format and the page's text follow.
type formCell struct {
	Text    string
	Value   any
	Format  string
	ColSpan int
	RowSpan int
	// Kind: "" a value, "label" a shaded label (an information block's
	// field name), "total" a bold value.
	Kind  string
	Light string // 绿, 黄 or 红: the cell is filled with the light's colour
	Align string // "center", "right"; numbers are right-aligned anyway
	Warn  bool   // shown in red (未填写)
	// Unit is the unit of measure a number is shown with (人, 万元/人): in
	// the page's text and in the cell's number format, not its value.
	Unit string
}

// lightColours are the fills and text colours of the monitoring lights.
var lightColours = map[string][2]string{"绿": {"C8E6C9", "1B5E20"}, "黄": {"FFE082", "6D4C00"}, "红": {"EF9A9A", "B71C1C"}}

// gradeFills colour a total's grade as the pages colour grades.
func gradeFill(grade string) string { return statusFills[statusClass(grade)] }

// valueCell is a cell holding v in format f: the page's text, the
// workbook's raw value; nil reads —.
func valueCell(v any, f string) formCell {
	if v == nil {
		return formCell{Text: "—", Align: "center"}
	}
	if s, ok := v.(string); ok {
		return formCell{Text: s, Value: s}
	}
	c := formCell{Text: FormatCell(v, f), Value: excelValue(v), Format: f, Align: "right"}
	if f == fmtWanYuanWan {
		c.Text = FormatNumber(toFloatOr(v), 2) // the header says 万元
	}
	return c
}

// measureCell is a figure counted in measure (%, 人, 例, 万元/人): a rate
// as a percentage, money per head with two decimals, a count whole.
func measureCell(v any, measure string) formCell {
	switch {
	case measure == "%":
		return valueCell(v, fmtPercent)
	case strings.HasPrefix(measure, "万元"):
		c := valueCell(v, fmtNumber)
		if v != nil {
			c.Unit, c.Text = measure, c.Text+measure
		}
		return c
	}
	c := valueCell(v, fmtInteger)
	if v != nil {
		c.Unit, c.Text = measure, c.Text+measure
	}
	return c
}

func toFloatOr(v any) float64 {
	f, _ := toFloat(v)
	return f
}

func textCell(s string) formCell { return formCell{Text: s, Value: s} }

func labelCell(s string, colspan int) formCell {
	return formCell{Text: s, Value: s, Kind: "label", ColSpan: colspan}
}

func headCell(s string, colspan, rowspan int) formCell {
	return formCell{Text: s, Value: s, ColSpan: colspan, RowSpan: rowspan}
}

func span(n int) int {
	if n <= 0 {
		return 1
	}
	return n
}

// placed is a cell with its grid position.
type placed struct {
	formCell
	row, col int
}

// layout places rows of cells on the grid as an HTML table does: a cell
// takes the first column its row has free, skipping those a cell above
// still spans.
func layout(rows [][]formCell, firstRow int) []placed {
	taken := map[[2]int]bool{}
	var out []placed
	for r, row := range rows {
		col := 0
		for _, c := range row {
			for taken[[2]int{r, col}] {
				col++
			}
			out = append(out, placed{formCell: c, row: firstRow + r, col: col})
			for dr := 0; dr < span(c.RowSpan); dr++ {
				for dc := 0; dc < span(c.ColSpan); dc++ {
					taken[[2]int{r + dr, col + dc}] = true
				}
			}
			col += span(c.ColSpan)
		}
	}
	return out
}

// html writes the form as a page section: its tables with their spanning
// headers, lights as coloured cells, and the notes under them.
func (f *form) html() template.HTML {
	var b strings.Builder
	b.WriteString(`<section class="form">`)
	fmt.Fprintf(&b, `<h2 class="form-title">%s</h2>`, html.EscapeString(f.Title))
	if f.Subtitle != "" {
		fmt.Fprintf(&b, `<p class="form-subtitle">%s</p>`, html.EscapeString(f.Subtitle))
	}
	total := 0.0
	for _, w := range f.Widths {
		total += w
	}
	for _, t := range f.Tables {
		b.WriteString(`<table class="form-table">`)
		if t.Caption != "" {
			fmt.Fprintf(&b, `<caption>%s</caption>`, html.EscapeString(t.Caption))
		}
		b.WriteString(`<colgroup>`)
		for _, w := range f.Widths {
			fmt.Fprintf(&b, `<col style="width:%.1f%%">`, w/total*100)
		}
		b.WriteString(`</colgroup>`)
		if len(t.Head) > 0 {
			b.WriteString(`<thead>`)
			for _, row := range t.Head {
				b.WriteString(`<tr>`)
				for _, c := range row {
					writeFormCell(&b, "th", c)
				}
				b.WriteString(`</tr>`)
			}
			b.WriteString(`</thead>`)
		}
		b.WriteString(`<tbody>`)
		for _, row := range t.Body {
			b.WriteString(`<tr>`)
			for _, c := range row {
				tag := "td"
				if c.Kind == "label" {
					tag = "th"
				}
				writeFormCell(&b, tag, c)
			}
			b.WriteString(`</tr>`)
		}
		b.WriteString(`</tbody></table>`)
	}
	if len(f.Notes) > 0 {
		b.WriteString(`<ol class="form-notes">`)
		for _, n := range f.Notes {
			fmt.Fprintf(&b, `<li>%s</li>`, html.EscapeString(n))
		}
		b.WriteString(`</ol>`)
	}
	b.WriteString(`</section>`)
	return template.HTML(b.String())
}

func writeFormCell(b *strings.Builder, tag string, c formCell) {
	b.WriteString("<" + tag)
	if c.ColSpan > 1 {
		fmt.Fprintf(b, ` colspan="%d"`, c.ColSpan)
	}
	if c.RowSpan > 1 {
		fmt.Fprintf(b, ` rowspan="%d"`, c.RowSpan)
	}
	var class []string
	if c.Light != "" {
		class = append(class, "light-"+map[string]string{"绿": "green", "黄": "amber", "红": "red"}[c.Light])
	}
	if c.Align != "" {
		class = append(class, "al-"+c.Align)
	}
	if c.Kind == "total" {
		class = append(class, "total")
	}
	if c.Warn {
		class = append(class, "warn")
	}
	if cls := statusClass(strings.TrimPrefix(c.Text, "等级：")); cls != "" && c.Kind == "total" {
		class = append(class, cls)
	}
	if len(class) > 0 {
		fmt.Fprintf(b, ` class="%s"`, strings.Join(class, " "))
	}
	b.WriteString(">")
	b.WriteString(html.EscapeString(c.Text))
	b.WriteString("</" + tag + ">")
}

// formCSS lays the forms out for the screen and for A4 landscape printing.
const formCSS = `<style>
  section.form { background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2.form-title { text-align: center; font-size: 18px; margin: 4px 0; }
  p.form-subtitle { text-align: center; margin: 0 0 8px; color: #52606d; }
  table.form-table { table-layout: fixed; border-collapse: collapse; width: 100%; font-size: 12px; margin-bottom: 8px; }
  table.form-table caption { text-align: left; font-weight: bold; padding: 6px 0 4px; }
  table.form-table th, table.form-table td { border: 1px solid #5f6b7a; padding: 3px 4px; vertical-align: middle; overflow-wrap: anywhere; }
  table.form-table th { background: #eef2f7; text-align: center; font-weight: bold; }
  table.form-table td.al-right { text-align: right; white-space: nowrap; }
  table.form-table td.al-center { text-align: center; }
  table.form-table td.total { font-weight: bold; }
  table.form-table td.warn { color: #c62828; font-weight: bold; }
  table.form-table td.light-green { background: #c8e6c9; color: #1b5e20; font-weight: bold; text-align: center; }
  table.form-table td.light-amber { background: #ffe082; color: #6d4c00; font-weight: bold; text-align: center; }
  table.form-table td.light-red { background: #ef9a9a; color: #b71c1c; font-weight: bold; text-align: center; }
  table.form-table td.done { background: #e8f5e9; } table.form-table td.onpace { background: #fff8e1; } table.form-table td.behind { background: #fdecea; }
  ol.form-notes { font-size: 12px; color: #52606d; padding-left: 20px; }
  p.form-links a { margin-right: 12px; }
  @page { size: A4 landscape; margin: 10mm; }
  @media print {
    section.form { border: none; padding: 0; page-break-after: always; }
    section.form:last-of-type { page-break-after: auto; }
    table.form-table { font-size: 10px; }
    table.form-table th, table.form-table td.light-green, table.form-table td.light-amber, table.form-table td.light-red {
      -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    p.form-links, .downloads { display: none; }
  }
</style>`

// writeForms writes forms as one workbook, a sheet each, laid out as the
// forms are: title and information rows, the headers' merged cells, money
// in 万元 with two decimals, rates as 0.0%, lights as fills, borders round
// every cell, A4 landscape fitted to the page width.
func writeForms(out io.Writer, forms []*form, d *workbook.Deflaters) error {
	w := workbook.NewWith(out, d)
	st := formStyles(w)
	for _, f := range forms {
		cols := len(f.Widths)
		if err := w.StartSheetWith(sheetName(f.Sheet, 31), workbook.SheetOptions{Columns: cols, Widths: f.Widths, Landscape: true}); err != nil {
			return err
		}
		blank := make([]any, cols)
		styles := make([]int, cols)
		w.SetRowHeight(24)
		w.RowStyled(append([]any{f.Title}, blank[1:]...), fill(styles, st.title))
		w.Merge(1, 0, 1, cols-1)
		if f.Subtitle != "" {
			r := w.NextRow()
			w.RowStyled(append([]any{f.Subtitle}, blank[1:]...), fill(styles, st.subtitle))
			w.Merge(r, 0, r, cols-1)
		}
		for _, t := range f.Tables {
			if t.Caption != "" {
				r := w.NextRow()
				w.RowStyled(append([]any{t.Caption}, blank[1:]...), fill(styles, st.caption))
				w.Merge(r, 0, r, cols-1)
			}
			first := w.NextRow()
			head := layout(t.Head, first)
			body := layout(t.Body, first+len(t.Head))
			if err := writeFormRows(w, st, head, len(t.Head), first, f.Widths, true); err != nil {
				return err
			}
			if err := writeFormRows(w, st, body, len(t.Body), first+len(t.Head), f.Widths, false); err != nil {
				return err
			}
		}
		total := 0.0
		for _, wd := range f.Widths {
			total += wd
		}
		for i, n := range f.Notes {
			r := w.NextRow()
			w.SetRowHeight(float64(textLines(n, total)) * 14.5)
			w.RowStyled(append([]any{fmt.Sprintf("%d. %s", i+1, n)}, blank[1:]...), fill(styles, st.note))
			w.Merge(r, 0, r, cols-1)
		}
	}
	return w.Close()
}

func fill(styles []int, id int) []int {
	for i := range styles {
		styles[i] = id
	}
	return styles
}

// writeFormRows writes n rows of placed cells from row first: each cell's
// value and style, the cells it spans styled alike (so a merged cell keeps
// its borders) and merged.
func writeFormRows(w *workbook.Writer, st *formStyleSet, cells []placed, n, first int, widths []float64, header bool) error {
	cols := len(widths)
	values := make([][]any, n)
	styles := make([][]int, n)
	for i := range values {
		values[i] = make([]any, cols)
		styles[i] = make([]int, cols)
		for j := range styles[i] {
			styles[i][j] = st.body
		}
	}
	for _, c := range cells {
		r := c.row - first
		id := st.cell(c.formCell, header)
		for dr := 0; dr < span(c.RowSpan); dr++ {
			for dc := 0; dc < span(c.ColSpan); dc++ {
				if r+dr < n && c.col+dc < cols {
					styles[r+dr][c.col+dc] = id
				}
			}
		}
		if c.col < cols {
			v := c.Value
			if v == nil && c.Text != "" && c.Text != "—" {
				v = c.Text
			}
			values[r][c.col] = v
		}
		if span(c.RowSpan) > 1 || span(c.ColSpan) > 1 {
			w.Merge(c.row, c.col, c.row+span(c.RowSpan)-1, min(cols, c.col+span(c.ColSpan))-1)
		}
	}
	// Each row as high as its longest wrapped text, by the width of the
	// columns it spans (a cell spanning rows gives none of them height).
	lines := make([]int, n)
	for _, c := range cells {
		width := 0.0
		for dc := 0; dc < span(c.ColSpan) && c.col+dc < len(widths); dc++ {
			width += widths[c.col+dc]
		}
		if r := c.row - first; span(c.RowSpan) == 1 && r < n {
			lines[r] = max(lines[r], textLines(c.Text, width))
		}
	}
	for i := range values {
		if lines[i] > 1 {
			w.SetRowHeight(float64(lines[i]) * 14.5)
		}
		if err := w.RowStyled(values[i], styles[i]); err != nil {
			return err
		}
	}
	return nil
}

// textLines is how many lines text wraps to in a cell width characters
// wide (a Chinese character is two), as 宋体 11 sets it.
func textLines(text string, width float64) int {
	usable := max(1, width-1)
	lines := 0
	for _, part := range strings.Split(text, "\n") {
		lines += max(1, int(textWidth(part)/usable+0.999))
	}
	return lines
}

// formStyleSet are a form sheet's registered styles.
type formStyleSet struct {
	w                                          *workbook.Writer
	title, subtitle, caption, note, head, body int
}

func formStyles(w *workbook.Writer) *formStyleSet {
	return &formStyleSet{w: w,
		title:    w.AddStyle(workbook.Style{Bold: true, Size: 16, Align: "center"}),
		subtitle: w.AddStyle(workbook.Style{Align: "center"}),
		caption:  w.AddStyle(workbook.Style{Bold: true}),
		note:     w.AddStyle(workbook.Style{Wrap: true}),
		head:     w.AddStyle(workbook.Style{Bold: true, Fill: "EEF2F7", Border: true, Align: "center", Wrap: true}),
		body:     w.AddStyle(workbook.Style{Border: true, Wrap: true}),
	}
}

// cell is the style of a form cell: header, label, number in its format,
// light or grade fill, text.
func (s *formStyleSet) cell(c formCell, header bool) int {
	if header || c.Kind == "label" {
		return s.head
	}
	st := workbook.Style{Border: true, Wrap: true, Align: c.Align, NumFmt: excelFormats[c.Format]}
	if c.Unit != "" && st.NumFmt != "" && c.Format != fmtPercent {
		// The unit of measure shown beside the number, which stays a number.
		st.NumFmt += `"` + strings.ReplaceAll(c.Unit, `"`, "") + `"`
	}
	if _, isTime := c.Value.(time.Time); isTime && st.NumFmt == "" {
		st.NumFmt = excelFormats[fmtDate]
	}
	if lc, ok := lightColours[c.Light]; ok {
		st.Fill, st.Color, st.Bold, st.Align = lc[0], lc[1], true, "center"
	}
	if c.Kind == "total" {
		st.Bold = true
		if f := gradeFill(strings.TrimPrefix(c.Text, "等级：")); f != "" {
			st.Fill = f
		}
	}
	if c.Warn {
		st.Color, st.Bold = "C62828", true
	}
	return s.w.AddStyle(st)
}

// saveForms writes forms as a workbook file, leaving no half-written file
// behind on an error.
func saveForms(path string, forms []*form) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	err = writeForms(buf, forms, nil)
	if err == nil {
		err = buf.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
