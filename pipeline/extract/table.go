package extract

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// Lineage columns every file source adds, so a raw row names where it came from.
const (
	FileColumn = "_file"
	RowColumn  = "_row"
)

// batchRows is how many rows go into one Arrow record batch: DuckDB's row
// group size, so that a batch becomes one row group as it is.
const batchRows = 122_880

// tableBuilder turns rows of text cells into Arrow record batches typed as
// the source declares, rejecting rows whose cells do not fit.
type tableBuilder struct {
	src     *project.Source
	rules   rowRules
	schema  *arrow.Schema
	builder *array.RecordBuilder
	// cellIndex[i] is the position of declared column i among the cells, or -1.
	cellIndex []int
	header    []string
	pending   int
	records   []arrow.RecordBatch
	// cells hold the current row's converted values, unboxed.
	cells []cell
	// filled are declared columns set by fill rules; fillValues holds this
	// file's values for them.
	filled     map[string]bool
	fillValues map[int]string
	// serialDates reads numbers in date columns as Excel day serials.
	serialDates bool
	// emit, when set, takes each finished batch (a streamed load) instead of
	// keeping it in records; emitErr is its first failure.
	emit    func(arrow.RecordBatch) error
	emitErr error
	// constFile, when set, is the one file every row comes from: the batches
	// carry no _file column (see Load.File).
	constFile string
	// unitCodes remembers spellings already resolved: a file names a few
	// units over and over. Each fork has its own, so no lock is needed.
	unitCodes map[string]string
	// dataWidths[i] is the bytes a row is expected to add to field i's
	// string data (0: not a string field, or not known yet), from a line
	// of the file; reserve sizes string buffers by it.
	dataWidths []int
	// mem allocates the batches' buffers, reusing those of the batches
	// released before (see bufferPool); forks share it.
	mem *bufferPool
	// refill is set when a full batch was flushed: see flush.
	refill bool
}

// arrowType maps a declared column type to its Arrow type.
func arrowType(t string) arrow.DataType {
	switch t {
	case "integer", project.TypePseudonym: // a pseudonym is its PersonKey
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
func newTableBuilder(src *project.Source, rules rowRules, header []string, at diag.Pos, warnings *diag.List, filled map[string]bool, constFile string) (*tableBuilder, error) {
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
	t := &tableBuilder{src: src, rules: rules, header: header, cellIndex: make([]int, len(src.Columns)), filled: filled, constFile: constFile}
	used := map[int]bool{}
	var missing []string
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
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing required column(s) %s; the header row has: %s", at, strings.Join(missing, ", "), strings.Join(nonEmpty(header), ", "))
	}
	for i, h := range header {
		if !used[i] && strings.TrimSpace(h) != "" {
			warnings.Warnf(at, "column %q is not declared in %s: the source has a new or renamed column; declare it to load it", strings.TrimSpace(h), src.File)
		}
	}
	t.schema = schemaFor(src, constFile == "")
	t.mem = newBufferPool()
	t.builder = array.NewRecordBuilder(t.mem, t.schema)
	t.cells = make([]cell, len(src.Columns))
	return t, nil
}

// Schema is the Arrow schema of a source's raw table.
func Schema(src *project.Source) *arrow.Schema { return schemaFor(src, true) }

// schemaFor is the Arrow schema of a source's raw rows: the declared columns
// and the lineage columns, without _file when every row of the load comes
// from one file (the warehouse then adds it as a constant, which costs
// DuckDB less than a column of the same string). It does not depend on any
// file's header, so a stream can announce it before reading.
func schemaFor(src *project.Source, withFile bool) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(src.Columns)+2)
	for _, c := range src.Columns {
		fields = append(fields, arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true})
	}
	if withFile {
		fields = append(fields, arrow.Field{Name: FileColumn, Type: arrow.BinaryTypes.String})
	}
	fields = append(fields, arrow.Field{Name: RowColumn, Type: arrow.PrimitiveTypes.Int64})
	return arrow.NewSchema(fields, nil)
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

func (t *tableBuilder) flush() {
	if t.pending == 0 {
		return
	}
	// A file that filled one batch will likely fill the next: the next
	// row sizes the builders for it. Not before: a part of a large file
	// parsed on its own is one batch, and has no next.
	t.refill = t.pending >= batchRows
	t.keep(t.builder.NewRecordBatch())
	t.pending = 0
}

// reserve sizes the builders for rows more rows, so that appending does not
// copy growing buffers. Sizing for more than a file holds costs more than it
// saves: a monthly report has thirty rows, not a batch's worth.
func (t *tableBuilder) reserve(rows int) {
	rows = min(rows, batchRows)
	if rows <= 0 {
		return
	}
	t.builder.Reserve(rows)
	for i, f := range t.builder.Fields() {
		if sb, ok := f.(*array.StringBuilder); ok {
			width := 8
			if i < len(t.dataWidths) && t.dataWidths[i] > 0 {
				width = t.dataWidths[i]
			}
			sb.ReserveData(rows * width)
		}
	}
}

// sampleWidths sets dataWidths from one row's cells: a string column's
// data grows by about its cell's length a row, and a buffer sized for less
// than that is copied and cleared again each time it doubles (at scale 100,
// growing builder buffers took 0.8 s of the 10 s of CPU a month's service
// records took to load).
func (t *tableBuilder) sampleWidths(cells []string) {
	widths := make([]int, len(t.schema.Fields()))
	for ci, c := range t.src.Columns {
		if arrowType(c.Type) != arrow.BinaryTypes.String {
			continue
		}
		if i := t.cellIndex[ci]; i >= 0 && i < len(cells) {
			// A little over the sample, for the longer values of the rows
			// after it: one more doubling costs more than the slack.
			widths[ci] = len(strings.TrimSpace(cells[i]))*5/4 + 4
		}
	}
	t.dataWidths = widths
}

// keep passes a finished batch on: to the stream, or into records.
func (t *tableBuilder) keep(rec arrow.RecordBatch) {
	switch {
	case t.emit == nil:
		t.records = append(t.records, rec)
	case t.emitErr != nil:
		rec.Release()
	default:
		t.emitErr = t.emit(rec)
	}
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
	other, err := newTableBuilder(t.src, t.rules, header, at, warnings, t.filled, t.constFile)
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

// fork returns an empty builder for the same columns and file, for a part
// of the file parsed on another goroutine.
//
// It reads only what stays the same while the file is read: forks are made
// on other goroutines while t takes in (absorb) the batches of earlier ones.
// A fork keeps its batches (no emit); absorb passes them on in order.
func (t *tableBuilder) fork() *tableBuilder {
	return &tableBuilder{
		src: t.src, rules: t.rules, schema: t.schema,
		builder:   array.NewRecordBuilder(t.mem, t.schema), // the pool is shared
		cellIndex: t.cellIndex, header: t.header,
		cells:  make([]cell, len(t.src.Columns)),
		filled: t.filled, fillValues: t.fillValues, serialDates: t.serialDates,
		constFile: t.constFile, dataWidths: slices.Clone(t.dataWidths), mem: t.mem,
	}
}

// absorb appends a fork's rows after t's own, keeping their order, and
// releases the fork.
func (t *tableBuilder) absorb(f *tableBuilder) {
	t.flush()
	f.flush()
	if f.emitErr != nil && t.emitErr == nil {
		t.emitErr = f.emitErr
	}
	for _, rec := range f.records {
		t.keep(rec)
	}
	f.records = nil
	f.builder.Release()
}
