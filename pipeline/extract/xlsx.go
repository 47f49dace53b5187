package extract

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// XLSX reads Excel workbooks as units fill them in by hand: title rows above
// the header, headers merged over two rows, numbers typed as text, blank
// rows, a 合计 row, notes below the table and extra sheets. It streams the
// sheet's rows instead of loading the workbook's cells into memory.
type XLSX struct{}

// XLSXOptions are the xlsx kind's settings.
type XLSXOptions struct {
	project.SourceFields `yaml:",inline"`
	// Path is a workbook or a glob of them (one per unit and period).
	Path string `yaml:"path"`
	// Sheet is the sheet's name or its 1-based position; the first sheet by default.
	Sheet string `yaml:"sheet"`
	// HeaderRow is the 1-based row where the header starts.
	HeaderRow int `yaml:"header_row"`
	// HeaderMatch finds the header instead: the first row with a cell of this text.
	HeaderMatch string `yaml:"header_match"`
	// HeaderRows is how many rows the header spans (merged headers); cells of
	// the rows are joined with "/": 就业/本月.
	HeaderRows int `yaml:"header_rows"`
	// SkipTotals skips 合计/总计/小计 rows (default true).
	SkipTotals *bool      `yaml:"skip_totals"`
	Fill       []FillRule `yaml:"fill"`
}

// Name implements Kind.
func (XLSX) Name() string { return "xlsx" }

func decodeXLSXOptions(src *project.Source, diags *diag.List) XLSXOptions {
	var o XLSXOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	if o.HeaderRows == 0 {
		o.HeaderRows = 1
	}
	if o.HeaderRow == 0 && o.HeaderMatch == "" {
		o.HeaderRow = 1
	}
	return o
}

// Glob implements FileKind.
func (XLSX) Glob(src *project.Source) string {
	var diags diag.List // reported by Validate
	return decodeXLSXOptions(src, &diags).Path
}

// Validate implements Kind.
func (XLSX) Validate(src *project.Source, diags *diag.List) {
	o := decodeXLSXOptions(src, diags)
	at := func(key string) diag.Pos { return yamlx.At(src.File, yamlx.MappingValue(src.Node, key)) }
	if o.Path == "" {
		diags.Errorf(src.Pos, "path is required: the workbook or a glob such as data/reports/*.xlsx")
	}
	if o.HeaderRow < 0 {
		diags.Errorf(at("header_row"), "header_row counts from 1")
	}
	if o.HeaderRow > 0 && o.HeaderMatch != "" {
		diags.Errorf(at("header_match"), "give header_row or header_match, not both")
	}
	if o.HeaderRows < 1 || o.HeaderRows > 5 {
		diags.Errorf(at("header_rows"), "header_rows must be 1 to 5")
	}
	validateFill(src, o.Fill, diags)
}

// Extract implements Kind.
func (XLSX) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeXLSXOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	fill, err := compileFill(o.Fill)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.File, err)
	}
	return extractFiles(ctx, env, src, o.Path, state, false, func(tb *tableBuilder, in fileInput, fr fileRead) (*tableBuilder, error) {
		// A workbook is a zip archive: excelize needs all of it.
		data, err := in.bytes()
		if err != nil {
			return nil, err
		}
		return xlsxRead{fileRead: fr, o: o, fill: fill}.into(tb, in.name, data)
	})
}

// pickSheet resolves the declared sheet: a name, else a 1-based position.
func pickSheet(f *excelize.File, file, want string) (string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", fmt.Errorf("%s: the workbook has no sheets", file)
	}
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if strings.TrimSpace(s) == strings.TrimSpace(want) {
			return s, nil
		}
	}
	if n, err := strconv.Atoi(want); err == nil && n >= 1 && n <= len(sheets) {
		return sheets[n-1], nil
	}
	return "", fmt.Errorf("%s: no sheet %q (the workbook has: %s)", file, want, strings.Join(sheets, ", "))
}

// xlsxRead reads one workbook of an xlsx source.
type xlsxRead struct {
	fileRead
	o    XLSXOptions
	fill []fillRule
}

// into reads the declared sheet of the workbook in data into tb (creating
// it from the sheet's header when nil).
func (r xlsxRead) into(tb *tableBuilder, file string, data []byte) (*tableBuilder, error) {
	o, load := r.o, r.load
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .xlsx workbook (is it an old .xls, or damaged? save it again as .xlsx): %v", file, err)
	}
	defer f.Close()
	sheet, err := pickSheet(f, file, o.Sheet)
	if err != nil {
		return nil, err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%s[%s]: read rows: %w", file, sheet, err)
	}
	defer rows.Close()
	skipTotals := o.SkipTotals == nil || *o.SkipTotals
	var titles []string
	var headerParts [][]string
	headerStart := o.HeaderRow
	row := 0
	for rows.Next() {
		row++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("%s[%s]:row %d: %w", file, sheet, row, err)
		}
		if tb == nil || len(headerParts) < o.HeaderRows {
			// Still above or inside the header.
			if headerStart == 0 && rowHasCell(cells, o.HeaderMatch) {
				headerStart = row
			}
			if headerStart == 0 || row < headerStart {
				titles = append(titles, strings.Join(nonEmpty(cells), " "))
				continue
			}
			if len(headerParts) < o.HeaderRows {
				headerParts = append(headerParts, append([]string(nil), cells...))
				if len(headerParts) < o.HeaderRows {
					continue
				}
			}
			header := combineHeaderRows(headerParts)
			at := diag.Pos{File: file, Sheet: sheet, Row: headerStart}
			if tb, err = r.table(tb, header, at, r.fill, fillContext{file: file, sheet: sheet, titles: titles}); err != nil {
				return nil, err
			}
			// A date cell holds its day number: 42917 is 2017-07-01.
			tb.serialDates = true
			continue
		}
		if blankRow(cells) || (skipTotals && totalsRow(cells)) || noteRow(cells) {
			continue
		}
		load.RowsRead++
		load.Rejected = append(load.Rejected, tb.AddRow(cells, file, diag.Pos{File: file, Sheet: sheet, Row: row})...)
		if tb.emitErr != nil {
			return nil, tb.emitErr
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("%s[%s]: %w", file, sheet, err)
	}
	if len(headerParts) < o.HeaderRows {
		if o.HeaderMatch != "" {
			return nil, fmt.Errorf("%s[%s]: no header row: no cell reads %q", file, sheet, o.HeaderMatch)
		}
		return nil, fmt.Errorf("%s[%s]: no header row (expected it on row %d)", file, sheet, o.HeaderRow)
	}
	return tb, nil
}

func rowHasCell(cells []string, text string) bool {
	if text == "" {
		return false
	}
	want := headerKey(text)
	for _, c := range cells {
		if headerKey(c) == want {
			return true
		}
	}
	return false
}

// combineHeaderRows joins a header spread over several rows into one name
// per column. A merged cell has its text in its first column only, so a
// parent's text carries to the right over the columns its children fill:
//
//	单位 | 就业 |      | 备注        ->  单位 | 就业/本月 | 就业/累计 | 备注
//	     | 本月 | 累计 |
func combineHeaderRows(parts [][]string) []string {
	width := 0
	for _, p := range parts {
		width = max(width, len(p))
	}
	cell := func(r, c int) string {
		if c < len(parts[r]) {
			return strings.TrimSpace(parts[r][c])
		}
		return ""
	}
	names := make([]string, width)
	for c := range names {
		names[c] = cell(0, c)
	}
	for r := 1; r < len(parts); r++ {
		parent := ""
		for c := 0; c < width; c++ {
			top, child := names[c], cell(r, c)
			switch {
			case top != "":
				parent = top
			case child == "":
				parent = ""
			}
			switch {
			case child == "":
				names[c] = top
			case parent != "":
				names[c] = parent + "/" + child
			default:
				names[c] = child
			}
		}
	}
	return names
}
