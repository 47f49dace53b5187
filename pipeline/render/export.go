package render

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"jixiao/pipeline/warehouse"
	"jixiao/pipeline/workbook"
)

// WriteXLSX writes rows as a workbook for finance staff: a title row,
// Chinese column headers where the model documents them (money with its
// unit, 万元), numbers as numbers (so Excel can add them up) shown as the
// pages show them (rates as 74.0%, money with two decimals), months as
// 2017年9月 and rows coloured by their status or grade.
func WriteXLSX(path, title string, data *warehouse.Result, labels map[string]string) error {
	// Say so before writing a million rows into a workbook Excel would refuse.
	if err := workbook.Fits(len(data.Rows)+2, len(data.Columns)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return panelBook(title, data, exportFormat(data, labels)).save(path, false, nil)
}

// panelBook is one panel's (or one model's) rows as a workbook of their own.
func panelBook(title string, data *warehouse.Result, tf *tableFormat) *pageBook {
	return &pageBook{sheets: []sheetData{{name: sheetName(title, 31), title: title, data: data, format: tf}}}
}

// pageBook gathers a page's panels, one sheet each, so that a page is one
// download for finance staff and one file to write.
type pageBook struct {
	sheets []sheetData
}

type sheetData struct {
	name, title string
	data        *warehouse.Result
	format      *tableFormat
	// note, when set, is a last row saying what the rows leave out.
	note string
}

// add queues a sheet and returns its name: the title cut to Excel's 31
// characters, without the characters Excel refuses, and unique.
func (b *pageBook) add(title string, data *warehouse.Result, tf *tableFormat) string {
	name := fmt.Sprintf("%d %s", len(b.sheets)+1, sheetName(title, 28))
	b.sheets = append(b.sheets, sheetData{name: name, title: title, data: data, format: tf})
	return name
}

// sheetNameChars puts the characters Excel refuses in a sheet name as
// their full-width forms. Built once: a Replacer is read-only once made,
// and making one per sheet was 14 ms of the default project's render.
var sheetNameChars = strings.NewReplacer(":", "：", "/", "／", "\\", "＼", "?", "？", "*", "＊", "[", "（", "]", "）", "'", "’")

// sheetName is title as Excel accepts a sheet name: without the characters
// it refuses, and at most max characters.
func sheetName(title string, max int) string {
	name := sheetNameChars.Replace(title)
	if r := []rune(name); len(r) > max {
		name = string(r[:max])
	}
	if name == "" {
		name = "数据"
	}
	return name
}

func (b *pageBook) save(path string, stored bool, d *workbook.Deflaters) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	err = b.write(buf, stored, d)
	if err == nil {
		err = buf.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // half a workbook would not open
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// write streams the sheets: a title row, the header row (frozen with it),
// then the rows, numbers as numbers and dates as dates, each in its
// column's format and its row's status colour.
func (b *pageBook) write(out io.Writer, stored bool, d *workbook.Deflaters) error {
	w := workbook.NewWith(out, d)
	if stored {
		w = workbook.NewStored(out)
	}
	styles := &xlsxStyles{w: w, cache: map[workbook.Style]int{}}
	for _, s := range b.sheets {
		tf := s.format
		cols := tf.visible()
		if err := w.StartSheetWith(s.name, workbook.SheetOptions{Columns: len(cols), FreezeRows: 2, Widths: tf.widths(s.data)}); err != nil {
			return err
		}
		w.TitleRow(s.title)
		header := make([]string, len(cols))
		for i, j := range cols {
			header[i] = tf.header[j]
		}
		w.HeaderRow(header)
		cells := make([]any, len(cols))
		cellStyles := make([]int, len(cols))
		long := longIntegerColumns(s.data.Rows, cols)
		for _, row := range s.data.Rows {
			tf.xlsxRow(row, cols, cells, cellStyles, styles)
			for _, i := range long {
				if n, ok := cells[i].(int64); ok {
					cells[i] = strconv.FormatInt(n, 10)
				}
			}
			if err := w.RowStyled(cells, cellStyles); err != nil {
				return err
			}
		}
		if s.note != "" {
			if err := w.Row([]any{s.note}); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

// longIntegerColumns are the positions in cols of the columns holding an
// integer longer than Excel keeps (person keys): the workbook writes such a
// number as text, and so every integer of these columns, or the rare short
// key would be a number among text and not match in a VLOOKUP.
func longIntegerColumns(rows [][]any, cols []int) []int {
	var long []int
	for i, j := range cols {
		for _, row := range rows {
			if n, ok := row[j].(int64); ok && !workbook.ExactInteger(n) {
				long = append(long, i)
				break
			}
		}
	}
	return long
}

// excelValue is what a cell holds in Excel: numbers (DECIMAL and HUGEINT
// included) as numbers, dates as dates, the rest as the text the pages show.
func excelValue(v any) any {
	switch t := v.(type) {
	case nil, time.Time, string:
		return v
	case int64:
		return t
	}
	if n, ok := toFloat(v); ok {
		return n
	}
	return FormatCell(v, "")
}
