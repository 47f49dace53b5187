package render

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
	"jixiao/pipeline/workbook"
)

// The formats a column can take, on the page and in its downloads alike.
const (
	fmtPercent    = "percent"     // 0.7404: 74.0% on the page, 74.04% in CSV, 0.0% in Excel
	fmtWanYuan    = "wanyuan"     // an amount in 元, shown and downloaded in 万元
	fmtWanYuanWan = "wanyuan_wan" // an amount already in 万元
	fmtInteger    = "integer"
	fmtNumber     = "number"
	fmtMonth      = "month" // 2017年9月
	fmtDate       = "date"  // 2017年9月30日
)

// knownFormats are the names a panel's format and formats settings take.
var knownFormats = map[string]bool{fmtPercent: true, fmtWanYuan: true, fmtWanYuanWan: true, fmtInteger: true, fmtNumber: true, fmtMonth: true, fmtDate: true}

// excelFormats are the Excel number formats of each format: the cell keeps
// its raw value (0.7404, 1381.82) and shows as the page does.
var excelFormats = map[string]string{
	fmtPercent:    "0.0%",
	fmtWanYuan:    "#,##0.00",
	fmtWanYuanWan: "#,##0.00",
	fmtInteger:    "#,##0",
	fmtNumber:     "#,##0.00",
	fmtMonth:      `yyyy"年"m"月"`,
	fmtDate:       `yyyy"年"m"月"d"日"`,
}

// tableFormat is how a panel's (or an exported model's) columns read: the
// same decisions make the page's table, its CSV and its workbook, so a
// download shows what the page shows.
type tableFormat struct {
	columns []string
	// format is each column's format; rowFormat, where >= 0, the column
	// that holds each row's format instead (a table mixing rates, counts
	// and money in one column).
	format    []string
	rowFormat []int
	// hidden columns only say another column's format: not shown, not downloaded.
	hidden []bool
	header []string
	// status is the column whose 完成/正常/滞后 or 优/良/中/差 colours the row, or -1.
	status int
}

// newTableFormat decides each column's format: the panel's formats setting
// first, then its format for its value fields, then the column's name
// (rates and 序时进度 as %, *_wan as 万元, months as 2017年9月).
func newTableFormat(pn project.Panel, data *warehouse.Result, labels map[string]string) (*tableFormat, error) {
	n := len(data.Columns)
	tf := &tableFormat{columns: data.Columns, format: make([]string, n), rowFormat: make([]int, n), hidden: make([]bool, n), header: make([]string, n),
		status: indexOf(data.Columns, pn.Status)}
	for j, c := range data.Columns {
		tf.rowFormat[j] = -1
		label := seriesLabel(labels, c)
		f, set := pn.Formats[c]
		switch {
		case set && knownFormats[f]:
		case set:
			k := indexOf(data.Columns, f)
			if k < 0 {
				return nil, fmt.Errorf("formats: %s: %q is neither a format (%s) nor a column of the panel's data", c, f, strings.Join(formatNames(), ", "))
			}
			tf.rowFormat[j], tf.hidden[k], f = k, true, ""
		default:
			f = formatFor(pn, c)
			if f == fmtNumber && strings.HasSuffix(c, "_wan") {
				f = fmtWanYuanWan // money keeps its unit in the header and its two decimals
			}
			if f == "" {
				isTime, isMonth := columnTime(data, j)
				f = formatByName(c, label, isTime, isMonth)
			}
		}
		tf.format[j] = f
		if (f == fmtWanYuan || f == fmtWanYuanWan) && !strings.Contains(label, "万元") {
			label += "（万元）"
		}
		tf.header[j] = label
	}
	return tf, nil
}

// exportFormat is the format of a model's columns when it is exported
// whole (jixiao export): by the columns' names and labels; rows are
// coloured by a status or grade column.
func exportFormat(data *warehouse.Result, labels map[string]string) *tableFormat {
	pn := project.Panel{Status: "status"}
	if indexOf(data.Columns, "status") < 0 {
		pn.Status = "grade"
	}
	tf, _ := newTableFormat(pn, data, labels) // no formats setting: cannot fail
	return tf
}

func formatNames() []string {
	return []string{fmtPercent, fmtWanYuan, fmtWanYuanWan, fmtInteger, fmtNumber, fmtMonth, fmtDate}
}

// formatByName is a column's format where the panel sets none: money in
// 万元 by its name or label, months and dates by their values.
func formatByName(col, label string, isTime, isMonth bool) string {
	switch {
	case strings.HasSuffix(col, "_wan") || strings.Contains(label, "万元") && !strings.Contains(label, "/"):
		return fmtWanYuanWan
	case isMonth:
		return fmtMonth
	case isTime:
		return fmtDate
	}
	return ""
}

// columnTime reports whether column j holds dates, and whether every one
// is the first of a month at midnight (a month: 2017年9月).
func columnTime(data *warehouse.Result, j int) (isTime, isMonth bool) {
	isMonth = true
	for _, row := range data.Rows {
		t, ok := row[j].(time.Time)
		if !ok {
			if row[j] != nil {
				return false, false
			}
			continue
		}
		isTime = true
		if t.Day() != 1 || t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 {
			isMonth = false
		}
	}
	return isTime, isTime && isMonth
}

// cellFormat is the format of row's cell j.
func (tf *tableFormat) cellFormat(row []any, j int) string {
	if k := tf.rowFormat[j]; k >= 0 {
		return rowFormatName(row[k])
	}
	return tf.format[j]
}

// rowFormatName reads a row's format cell: a format's name, or the unit of
// measure an indicator is counted in (%, 人, 万元/人).
func rowFormatName(v any) string {
	s, _ := v.(string)
	switch {
	case knownFormats[s]:
		return s
	case s == "%":
		return fmtPercent
	case strings.HasPrefix(s, "万元"):
		return fmtWanYuanWan
	case s == "":
		return ""
	}
	return fmtInteger
}

// visible are the indexes of the columns shown and downloaded.
func (tf *tableFormat) visible() []int {
	var out []int
	for j, h := range tf.hidden {
		if !h {
			out = append(out, j)
		}
	}
	return out
}

// html is a cell's text on the page; an empty cell reads —.
func (tf *tableFormat) html(row []any, j int) string {
	text := FormatCell(row[j], tf.cellFormat(row, j))
	if text == "" {
		return "—"
	}
	return text
}

// csvText is a cell as the CSV holds it: what Excel reads back as the same
// value with the page's format (74.04% is 0.7404 shown as a percentage),
// money in 万元 with two decimals, dates as 2017年9月 or 2017年9月30日.
func (tf *tableFormat) csvText(row []any, j int) string {
	v := row[j]
	if v == nil {
		return ""
	}
	f := tf.cellFormat(row, j)
	if t, ok := v.(time.Time); ok {
		if f == fmtMonth {
			return FormatMonth(t)
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
			return FormatDate(t)
		}
		return t.Format("2006-01-02 15:04:05")
	}
	n, ok := toFloat(v)
	if !ok {
		return FormatCell(v, "")
	}
	switch f {
	case fmtPercent:
		return FormatNumberPlain(n*100) + "%"
	case fmtWanYuan:
		return strconv.FormatFloat(n/10000, 'f', 2, 64)
	case fmtWanYuanWan:
		return strconv.FormatFloat(n, 'f', 2, 64)
	}
	return FormatNumberPlain(n)
}

// csv writes the rows as CSV for Excel: UTF-8 with a BOM so that Excel
// shows Chinese, the headers with their units, the cells as csvText.
func (tf *tableFormat) csv(data *warehouse.Result) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cols := tf.visible()
	cells := make([]string, len(cols))
	for i, j := range cols {
		cells[i] = tf.header[j]
	}
	cw.Write(cells)
	for _, row := range data.Rows {
		for i, j := range cols {
			cells[i] = tf.csvText(row, j)
		}
		cw.Write(cells)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// statusFills are the backgrounds of the page's coloured rows (the
// tr.<class> td rules of page.html.tmpl, read from it so that the
// workbooks follow the page's colours), by statusClass.
var statusFills = func() map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`tr\.([a-z]+) td \{ background: #([0-9a-fA-F]{6})`).FindAllStringSubmatch(pageTemplateText, -1) {
		out[m[1]] = strings.ToUpper(m[2])
	}
	return out
}()

// xlsxStyles registers a sheet's styles in w: per column and per format,
// plain or filled with a row's status colour.
type xlsxStyles struct {
	w     *workbook.Writer
	cache map[workbook.Style]int
}

func (s *xlsxStyles) id(st workbook.Style) int {
	if id, ok := s.cache[st]; ok {
		return id
	}
	id := s.w.AddStyle(st)
	s.cache[st] = id
	return id
}

// xlsxRow fills values and styles with row's cells as the workbook holds
// them: raw values (money in 元 becomes 万元), the page's number formats,
// the row's status colour.
func (tf *tableFormat) xlsxRow(row []any, cols []int, values []any, styles []int, s *xlsxStyles) {
	fill := ""
	if tf.status >= 0 {
		fill = statusFills[statusClass(FormatCell(row[tf.status], ""))]
	}
	for i, j := range cols {
		f := tf.cellFormat(row, j)
		v := excelValue(row[j])
		if n, ok := v.(float64); ok && f == fmtWanYuan {
			v = n / 10000
		}
		if t, ok := v.(time.Time); ok && f == "" && t.Hour() == 0 && t.Minute() == 0 {
			f = fmtDate
		}
		numFmt := excelFormats[f]
		if n, ok := v.(float64); ok && f == "" {
			// As the page writes a fractional number with no format: whole
			// ones with thousands separators, others with two decimals
			// (integer columns, years and ranks among them, stay plain).
			numFmt = excelFormats[fmtNumber]
			if n == math.Trunc(n) {
				numFmt = excelFormats[fmtInteger]
			}
		}
		values[i] = v
		styles[i] = s.id(workbook.Style{NumFmt: numFmt, Fill: fill})
	}
}

// longest is the widest text of each visible column on the page, in
// characters, for the workbook's column widths.
func (tf *tableFormat) widths(data *warehouse.Result) []float64 {
	cols := tf.visible()
	out := make([]float64, len(cols))
	for i, j := range cols {
		w := textWidth(tf.header[j])
		for r, row := range data.Rows {
			if r >= 200 {
				break
			}
			w = max(w, textWidth(tf.html(row, j)))
		}
		out[i] = min(60, max(8, w+2))
	}
	return out
}

// textWidth counts a Chinese character as two columns, as Excel sizes them.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r < utf8.RuneSelf {
			w++
		} else {
			w += 2
		}
	}
	return w
}

// table is the page's table of the rows: headers, the first rows shown
// (their cells formatted, coloured by status) and how many more the
// downloads hold.
func (tf *tableFormat) table(data *warehouse.Result) (headers []string, rows []rowView, more int) {
	cols := tf.visible()
	for _, j := range cols {
		headers = append(headers, tf.header[j])
	}
	const shown = 200
	for r, row := range data.Rows {
		if r >= shown {
			more = len(data.Rows) - shown
			break
		}
		rv := rowView{Cells: make([]cellView, len(cols))}
		for i, j := range cols {
			text := tf.html(row, j)
			rv.Cells[i] = cellView{Text: text, Long: utf8.RuneCountInString(text) > longCellRunes}
		}
		if tf.status >= 0 {
			rv.Class = statusClass(FormatCell(row[tf.status], ""))
		}
		rows = append(rows, rv)
	}
	return headers, rows, more
}
