package render

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"jixiao/pipeline/warehouse"
)

// WriteXLSX writes rows as a workbook for finance staff: a title row,
// Chinese column headers where the model documents them, numbers as
// numbers (so Excel can add them up) and dates as dates.
func WriteXLSX(path, title string, data *warehouse.Result, labels map[string]string) error {
	b := &workbook{}
	b.add(title, data, labels)
	return b.save(path)
}

// workbook gathers a page's panels, one sheet each, so that a page is one
// download for finance staff and one file to write.
type workbook struct {
	sheets []sheetData
}

type sheetData struct {
	name, title string
	data        *warehouse.Result
	labels      map[string]string
}

// add queues a sheet and returns its name: the title cut to Excel's 31
// characters, without the characters Excel refuses, and unique.
func (b *workbook) add(title string, data *warehouse.Result, labels map[string]string) string {
	name := strings.NewReplacer(":", "：", "/", "／", "\\", "＼", "?", "？", "*", "＊", "[", "（", "]", "）").Replace(title)
	if r := []rune(name); len(r) > 28 {
		name = string(r[:28])
	}
	name = fmt.Sprintf("%d %s", len(b.sheets)+1, name)
	b.sheets = append(b.sheets, sheetData{name: name, title: title, data: data, labels: labels})
	return name
}

func (b *workbook) save(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	// The fastest deflate level: these workbooks are small, and a site
	// writes one per page.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	for i, s := range b.sheets {
		if i == 0 {
			f.SetSheetName("Sheet1", s.name)
		} else if _, err := f.NewSheet(s.name); err != nil {
			return fmt.Errorf("sheet %s: %w", s.name, err)
		}
		writeSheet(f, s.name, s.title, s.data, s.labels)
	}
	if err := f.SaveAs(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeSheet(f *excelize.File, sheet, title string, data *warehouse.Result, labels map[string]string) {
	f.SetCellValue(sheet, "A1", title)
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#EEF2F7"}, Pattern: 1}})
	dateStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: strPtr("yyyy年m月d日")})
	for j, c := range data.Columns {
		cell, _ := excelize.CoordinatesToCellName(j+1, 2)
		f.SetCellValue(sheet, cell, seriesLabel(labels, c))
		f.SetCellStyle(sheet, cell, cell, bold)
		f.SetColWidth(sheet, colName(j+1), colName(j+1), 14)
	}
	for i, row := range data.Rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
			switch t := v.(type) {
			case nil:
			case time.Time:
				f.SetCellValue(sheet, cell, t)
				f.SetCellStyle(sheet, cell, cell, dateStyle)
			default:
				if n, ok := toFloat(v); ok {
					f.SetCellValue(sheet, cell, n)
				} else {
					f.SetCellValue(sheet, cell, FormatCell(v, ""))
				}
			}
		}
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
}

func colName(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

func strPtr(s string) *string { return &s }
