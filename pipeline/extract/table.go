package extract

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// Lineage columns every file source adds, so a raw row names where it came from.
const (
	FileColumn = "_file"
	RowColumn  = "_row"
)

// batchRows is how many rows go into one Arrow record batch.
const batchRows = 64 * 1024

// tableBuilder turns rows of text cells into Arrow record batches typed as
// the source declares, rejecting rows whose cells do not fit.
type tableBuilder struct {
	src     *project.Source
	units   *UnitIndex
	schema  *arrow.Schema
	builder *array.RecordBuilder
	// cellIndex[i] is the position of declared column i among the cells, or -1.
	cellIndex []int
	header    []string
	pending   int
	records   []arrow.RecordBatch
	values    []any
	// filled are declared columns set by fill rules; fillValues holds this
	// file's values for them.
	filled     map[string]bool
	fillValues map[int]string
	// serialDates reads numbers in date columns as Excel day serials.
	serialDates bool
}

// arrowType maps a declared column type to its Arrow type.
func arrowType(t string) arrow.DataType {
	switch t {
	case "integer":
		return arrow.PrimitiveTypes.Int64
	case "number":
		return arrow.PrimitiveTypes.Float64
	case "boolean":
		return arrow.FixedWidthTypes.Boolean
	case "date":
		return arrow.FixedWidthTypes.Date32
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	default: // text, unit
		return arrow.BinaryTypes.String
	}
}

// headerKey normalises a header cell for matching against names and aliases.
func headerKey(s string) string {
	s = normalizeWidth(s)
	s = strings.Join(strings.Fields(s), "")
	return strings.ToLower(s)
}

// newTableBuilder matches the header cells to the declared columns. A missing
// required column is an error; undeclared header cells are reported as
// warnings (a schema change at the source), not silently dropped.
func newTableBuilder(src *project.Source, units *UnitIndex, header []string, at diag.Pos, warnings *diag.List, filled map[string]bool) (*tableBuilder, error) {
	byKey := map[string]int{}
	for i, h := range header {
		k := headerKey(h)
		if k == "" {
			continue
		}
		if _, dup := byKey[k]; !dup {
			byKey[k] = i
		}
	}
	t := &tableBuilder{src: src, units: units, header: header, cellIndex: make([]int, len(src.Columns)), filled: filled}
	used := map[int]bool{}
	var missing []string
	fields := make([]arrow.Field, 0, len(src.Columns)+2)
	for ci, c := range src.Columns {
		t.cellIndex[ci] = -1
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			if i, ok := byKey[headerKey(name)]; ok && !used[i] {
				t.cellIndex[ci] = i
				used[i] = true
				break
			}
		}
		if t.cellIndex[ci] < 0 && !filled[c.Name] {
			if c.Required {
				missing = append(missing, describeColumn(c))
			} else {
				warnings.Warnf(at, "optional column %s is not in the header; it loads as empty", describeColumn(c))
			}
		}
		fields = append(fields, arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true})
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing required column(s) %s; the header row has: %s", at, strings.Join(missing, ", "), strings.Join(nonEmpty(header), ", "))
	}
	for i, h := range header {
		if !used[i] && strings.TrimSpace(h) != "" {
			warnings.Warnf(at, "column %q is not declared in %s: the source has a new or renamed column; declare it to load it", strings.TrimSpace(h), src.File)
		}
	}
	fields = append(fields,
		arrow.Field{Name: FileColumn, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: RowColumn, Type: arrow.PrimitiveTypes.Int64})
	t.schema = arrow.NewSchema(fields, nil)
	t.builder = array.NewRecordBuilder(memory.DefaultAllocator, t.schema)
	t.values = make([]any, len(src.Columns))
	return t, nil
}

func describeColumn(c project.Column) string {
	if len(c.Aliases) == 0 {
		return c.Name
	}
	return fmt.Sprintf("%s (%s)", c.Name, strings.Join(c.Aliases, "/"))
}

func nonEmpty(cells []string) []string {
	var out []string
	for _, c := range cells {
		if s := strings.TrimSpace(c); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// AddRow converts one row of cells. A row with any bad cell is rejected
// whole (nothing of it is appended) and every bad cell is reported.
func (t *tableBuilder) AddRow(cells []string, file string, pos diag.Pos) []Rejection {
	var rejects []Rejection
	for ci, c := range t.src.Columns {
		raw := ""
		if i := t.cellIndex[ci]; i >= 0 && i < len(cells) {
			raw = cells[i]
		}
		if v, ok := t.fillValues[ci]; ok && strings.TrimSpace(raw) == "" {
			raw = v
		}
		v, err := t.convert(c, raw)
		if err != nil {
			p := pos
			p.Column = t.columnLabel(ci)
			rejects = append(rejects, Rejection{Pos: p, RawValue: raw, Reason: err.Error()})
			continue
		}
		t.values[ci] = v
	}
	if len(rejects) > 0 {
		return rejects
	}
	for ci := range t.src.Columns {
		appendValue(t.builder.Field(ci), t.values[ci])
	}
	n := len(t.src.Columns)
	t.builder.Field(n).(*array.StringBuilder).Append(file)
	t.builder.Field(n + 1).(*array.Int64Builder).Append(int64(pos.Row))
	t.pending++
	if t.pending >= batchRows {
		t.flush()
	}
	return nil
}

// AddValues converts one row of typed database values (the stream batches
// them itself). Values of the declared Go type are taken as they are; the
// rest are read as text by the same rules as file cells.
func (t *tableBuilder) AddValues(vals []any, pos diag.Pos) []Rejection {
	var rejects []Rejection
	for ci, c := range t.src.Columns {
		var raw any
		if i := t.cellIndex[ci]; i >= 0 && i < len(vals) {
			raw = vals[i]
		}
		v, err := t.convertValue(c, raw)
		if err != nil {
			p := pos
			p.Column = t.columnLabel(ci)
			rejects = append(rejects, Rejection{Pos: p, RawValue: valueText(raw), Reason: err.Error()})
			continue
		}
		t.values[ci] = v
	}
	if len(rejects) > 0 {
		return rejects
	}
	for ci := range t.src.Columns {
		appendValue(t.builder.Field(ci), t.values[ci])
	}
	n := len(t.src.Columns)
	t.builder.Field(n).(*array.StringBuilder).Append(pos.File)
	t.builder.Field(n + 1).(*array.Int64Builder).Append(int64(pos.Row))
	t.pending++
	return nil
}

func (t *tableBuilder) convertValue(c project.Column, raw any) (any, error) {
	switch v := raw.(type) {
	case nil:
		if c.Required {
			return nil, fmt.Errorf("必填项为空")
		}
		return nil, nil
	case int64:
		switch c.Type {
		case "integer":
			return v, nil
		case "number":
			return float64(v), nil
		}
	case int32:
		return t.convertValue(c, int64(v))
	case float64:
		switch c.Type {
		case "number":
			return v, nil
		case "integer":
			if v == math.Trunc(v) {
				return int64(v), nil
			}
		}
	case bool:
		if c.Type == "boolean" {
			return v, nil
		}
	case time.Time:
		switch c.Type {
		case "timestamp":
			return v.UTC(), nil
		case "date":
			return time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	case string:
		if c.Type == "text" {
			return strings.TrimSpace(v), nil
		}
	}
	return t.convert(c, valueText(raw))
}

// valueText renders a database value as text, for conversion and quarantine.
func valueText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(t)
	case string:
		return t
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04:05")
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// columnLabel names a column as the user sees it in the file: its header text
// and the declared name.
func (t *tableBuilder) columnLabel(ci int) string {
	c := t.src.Columns[ci]
	if i := t.cellIndex[ci]; i >= 0 && i < len(t.header) {
		h := strings.TrimSpace(t.header[i])
		if h != "" && h != c.Name {
			return fmt.Sprintf("%s(%s)", h, c.Name)
		}
	}
	return c.Name
}

func (t *tableBuilder) convert(c project.Column, raw string) (any, error) {
	if strings.TrimSpace(raw) == "" {
		if c.Required {
			return nil, fmt.Errorf("必填项为空")
		}
		return nil, nil
	}
	switch c.Type {
	case "integer":
		return ParseInteger(raw)
	case "number":
		return ParseNumber(raw)
	case "boolean":
		return ParseBool(raw)
	case "date":
		if t.serialDates {
			if d, ok := excelSerial(raw); ok {
				return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
			}
		}
		return ParseDate(raw)
	case "timestamp":
		if t.serialDates {
			if d, ok := excelSerial(raw); ok {
				return d, nil
			}
		}
		return ParseTimestamp(raw)
	case "unit":
		code, ok := t.units.Code(raw)
		if !ok {
			return nil, fmt.Errorf("未知单位 %q：如是某单位的别称，请在 jixiao.yaml 中把它加为该单位的 aliases", strings.TrimSpace(raw))
		}
		return code, nil
	default:
		return strings.TrimSpace(raw), nil
	}
}

func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Date32Builder:
		bb.Append(arrow.Date32FromTime(v.(time.Time)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	case *array.StringBuilder:
		bb.Append(v.(string))
	}
}

func (t *tableBuilder) flush() {
	if t.pending == 0 {
		return
	}
	t.records = append(t.records, t.builder.NewRecordBatch())
	t.pending = 0
}

// Reader returns the built batches as a stream and hands their ownership to it.
func (t *tableBuilder) Reader() (array.RecordReader, int64, error) {
	t.flush()
	t.builder.Release()
	var n int64
	for _, r := range t.records {
		n += r.NumRows()
	}
	rdr, err := array.NewRecordReader(t.schema, t.records)
	for _, r := range t.records {
		r.Release() // the reader retains its own reference
	}
	t.records = nil
	return rdr, n, err
}

// rematch maps a later file's header onto the same declared columns: files
// of one source may order their columns differently.
func (t *tableBuilder) rematch(header []string, at diag.Pos, warnings *diag.List) error {
	other, err := newTableBuilder(t.src, t.units, header, at, warnings, t.filled)
	if err != nil {
		return err
	}
	other.builder.Release()
	t.cellIndex, t.header = other.cellIndex, other.header
	return nil
}

// setFill computes this file's values of the fill rules. A rule that finds
// nothing fails the file: its rows would all lack the value.
func (t *tableBuilder) setFill(rules []fillRule, c fillContext, at diag.Pos) error {
	t.fillValues = map[int]string{}
	for _, r := range rules {
		v := r.value(c)
		if v == "" {
			where := map[string]string{"title": "the title lines above the header", "file": "the file name", "sheet": "the sheet name"}[r.From]
			return fmt.Errorf("%s: fill %s: pattern %q finds nothing in %s", at, r.Column, r.Pattern, where)
		}
		for ci, col := range t.src.Columns {
			if col.Name == r.Column {
				t.fillValues[ci] = v
			}
		}
	}
	return nil
}

// excelSerial reads a spreadsheet date stored as its day number (1900 date
// system); plausible dates only, so that 20170630 is not taken for one.
func excelSerial(raw string) (time.Time, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	if err != nil || f < 1 || f > 100000 {
		return time.Time{}, false
	}
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}
