package extract

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// CSV reads delimited text files: one file or a glob, UTF-8 (with or
// without BOM) or GBK/GB18030, declared or detected.
type CSV struct{}

// CSVOptions are the csv kind's settings.
type CSVOptions struct {
	project.SourceFields `yaml:",inline"`
	// Path is a file or a glob, relative to the project folder.
	Path string `yaml:"path"`
	// Encoding is utf-8, gbk, gb18030 or auto (the default: UTF-8 when the
	// bytes are valid UTF-8, else GB18030, a superset of GBK).
	Encoding  string `yaml:"encoding"`
	Delimiter string `yaml:"delimiter"`
	// HeaderRow is the 1-based line of the header; lines above it are titles.
	HeaderRow int `yaml:"header_row"`
	// SkipTotals skips rows whose first cell says 合计/总计/小计 (default true).
	SkipTotals *bool `yaml:"skip_totals"`
	// LazyQuotes accepts a quote inside an unquoted field, as some exports write.
	LazyQuotes bool `yaml:"lazy_quotes"`
	// Fill sets columns the rows do not carry, from the title lines or the file name.
	Fill []FillRule `yaml:"fill"`
}

// Name implements Kind.
func (CSV) Name() string { return "csv" }

func decodeCSVOptions(src *project.Source, diags *diag.List) CSVOptions {
	var o CSVOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	if o.Encoding == "" {
		o.Encoding = "auto"
	}
	if o.Delimiter == "" {
		o.Delimiter = ","
	}
	if o.HeaderRow == 0 {
		o.HeaderRow = 1
	}
	return o
}

// Validate implements Kind.
func (CSV) Validate(src *project.Source, diags *diag.List) {
	o := decodeCSVOptions(src, diags)
	if o.Path == "" {
		diags.Errorf(src.Pos, "path is required: the CSV file or a glob such as data/ledger/*.csv")
	} else if _, err := path.Match(o.Path, ""); err != nil {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "path")), "path %q is not a valid glob: %v", o.Path, err)
	}
	switch strings.ToLower(o.Encoding) {
	case "auto", "utf-8", "utf8", "gbk", "gb18030":
	default:
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "encoding")), "encoding %q must be auto, utf-8, gbk or gb18030", o.Encoding)
	}
	if utf8.RuneCountInString(o.Delimiter) != 1 {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "delimiter")), "delimiter must be one character, not %q", o.Delimiter)
	}
	if o.HeaderRow < 1 {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "header_row")), "header_row counts from 1")
	}
	validateFill(src, o.Fill, diags)
}

// Extract implements Kind.
func (CSV) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeCSVOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	fill, err := compileFill(o.Fill)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.File, err)
	}
	return extractFiles(ctx, env, src, o.Path, state, func(tb *tableBuilder, file string, data []byte, load *Load, warnings *diag.List) (*tableBuilder, error) {
		return readCSVInto(tb, env, src, o, fill, file, data, load, warnings)
	})
}

// decodeText turns a file's bytes into UTF-8 as its encoding says.
func decodeText(file string, data []byte, encoding string) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	switch strings.ToLower(encoding) {
	case "utf-8", "utf8":
		if !utf8.Valid(data) {
			return "", fmt.Errorf("%s: not valid UTF-8 (declare encoding: gbk if finance exported it from Excel)", file)
		}
		return string(data), nil
	case "gbk":
		out, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%s: not valid GBK: %w", file, err)
		}
		return string(out), nil
	default: // gb18030, auto
		if strings.EqualFold(encoding, "auto") && utf8.Valid(data) {
			return string(data), nil
		}
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%s: neither UTF-8 nor GB18030: %w", file, err)
		}
		return string(out), nil
	}
}

// readCSVInto parses one file into tb (creating it from the file's header
// when nil), adding rejected rows to load.
func readCSVInto(tb *tableBuilder, env Env, src *project.Source, o CSVOptions, fill []fillRule, file string, data []byte, load *Load, warnings *diag.List) (*tableBuilder, error) {
	text, err := decodeText(file, data, o.Encoding)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, _ = utf8.DecodeRuneInString(o.Delimiter)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.LazyQuotes = o.LazyQuotes
	skipTotals := o.SkipTotals == nil || *o.SkipTotals
	line := 0
	var header, titles []string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// A malformed line is kept in quarantine, and reading goes on
				// from the next line.
				load.Rejected = append(load.Rejected, Rejection{Pos: diag.Pos{File: file, Row: pe.StartLine}, Reason: "CSV 行格式错误：" + pe.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		if line < o.HeaderRow {
			titles = append(titles, strings.Join(rec, " "))
			continue
		}
		if header == nil {
			header = append([]string(nil), rec...)
			at := diag.Pos{File: file, Row: line}
			if tb == nil {
				if tb, err = newTableBuilder(src, env.Units, header, at, warnings, fillColumns(fill)); err != nil {
					return nil, err
				}
			} else if err := tb.rematch(header, at, warnings); err != nil {
				return nil, err
			}
			if err := tb.setFill(fill, fillContext{file: file, titles: titles}, at); err != nil {
				return nil, err
			}
			continue
		}
		if blankRow(rec) || (skipTotals && totalsRow(rec)) {
			continue
		}
		load.RowsRead++
		pos := diag.Pos{File: file, Row: line}
		load.Rejected = append(load.Rejected, tb.AddRow(rec, file, pos)...)
	}
	if header == nil {
		return nil, fmt.Errorf("%s: no header row (expected it on line %d)", file, o.HeaderRow)
	}
	return tb, nil
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// totalsRow recognises 合计/总计/小计 rows, which must not be summed twice.
func totalsRow(cells []string) bool {
	for _, c := range cells {
		s := strings.Join(strings.Fields(normalizeWidth(c)), "")
		if s == "" {
			continue
		}
		switch s {
		case "合计", "总计", "小计", "全市合计", "合计:", "合计：", "总计：":
			return true
		}
		return false
	}
	return false
}
