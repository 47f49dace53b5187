package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// Parquet reads Parquet files, one or a glob of them, such as the cities'
// exports a province rolls up (jixiao export --all). Only the declared
// columns are read; the values of Hive partition folders on a file's path
// (city=371000/month=2017-09-01) are columns too.
type Parquet struct{}

// ParquetOptions are the parquet kind's settings.
type ParquetOptions struct {
	project.SourceFields `yaml:",inline"`
	// Path is a file or a glob, relative to the project folder.
	Path string `yaml:"path"`
	// HivePartitioning reads key=value folders on a file's path as
	// columns (default true).
	HivePartitioning *bool `yaml:"hive_partitioning"`
}

// Name implements Kind.
func (Parquet) Name() string { return "parquet" }

func decodeParquetOptions(src *project.Source, diags *diag.List) ParquetOptions {
	var o ParquetOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	return o
}

// Glob implements FileKind.
func (Parquet) Glob(src *project.Source) string {
	var diags diag.List // reported by Validate
	return decodeParquetOptions(src, &diags).Path
}

// Validate implements Kind.
func (Parquet) Validate(src *project.Source, diags *diag.List) {
	o := decodeParquetOptions(src, diags)
	if o.Path == "" {
		diags.Errorf(src.Pos, "path is required: the Parquet file or a glob such as exports/*/marts/city_completion/*/*.parquet")
	} else if _, err := path.Match(o.Path, ""); err != nil {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "path")), "path %q is not a valid glob: %v", o.Path, err)
	}
}

// Extract implements Kind.
func (Parquet) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeParquetOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	hive := o.HivePartitioning == nil || *o.HivePartitioning
	return extractFiles(ctx, env, src, o.Path, state, false, func(tb *tableBuilder, in fileInput, fr fileRead) (*tableBuilder, error) {
		return readParquet(ctx, tb, fr, hive, in)
	})
}

// hivePartitions are the key=value folders of a file's path, outermost
// first; Hive's name for a missing value reads as empty.
func hivePartitions(name string) (keys, values []string) {
	for _, dir := range strings.Split(path.Dir(name), "/") {
		k, v, ok := strings.Cut(dir, "=")
		if !ok || k == "" {
			continue
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		if v == "__HIVE_DEFAULT_PARTITION__" {
			v = ""
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values
}

// readerAt gives random access to a file, as Parquet's footer needs.
func (in fileInput) readerAt() (parquet.ReaderAtSeeker, io.Closer, error) {
	if in.data != nil {
		return bytes.NewReader(in.data), io.NopCloser(nil), nil
	}
	f, err := in.fsys.Open(in.name)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", in.name, err)
	}
	if ra, ok := f.(parquet.ReaderAtSeeker); ok {
		return ra, f, nil
	}
	f.Close()
	data, err := in.bytes()
	if err != nil {
		return nil, nil, err
	}
	return bytes.NewReader(data), io.NopCloser(nil), nil
}

// readParquet reads one file's declared columns into tb (creating it from
// the file's columns when nil), row by row through the same conversions
// and checks as a database's values, so that a value that does not fit
// goes to quarantine with the file and row.
func readParquet(ctx context.Context, tb *tableBuilder, fileRd fileRead, hive bool, in fileInput) (*tableBuilder, error) {
	src, load := fileRd.src, fileRd.load
	ra, closer, err := in.readerAt()
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	pf, err := file.NewParquetReader(ra)
	if err != nil {
		return nil, fmt.Errorf("%s: not a Parquet file that can be read: %w", in.name, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("%s: not a Parquet file that can be read: %w", in.name, err)
	}

	// The file's columns and partition values a declared column names.
	declared := map[string]bool{}
	for _, c := range src.Columns {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			declared[headerKey(n)] = true
		}
	}
	var all, header, partValues []string
	var leaves []int
	for _, f := range fr.Manifest.Fields {
		all = append(all, f.Field.Name)
		if declared[headerKey(f.Field.Name)] {
			header = append(header, f.Field.Name)
			leaves = append(leaves, leafColumns(f)...)
		}
	}
	fileCols := len(header)
	if hive {
		keys, values := hivePartitions(in.name)
		for i, k := range keys {
			all = append(all, k)
			if declared[headerKey(k)] {
				header = append(header, k)
				partValues = append(partValues, values[i])
			}
		}
	}
	at := diag.Pos{File: in.name}
	have := map[string]bool{}
	for _, h := range header {
		have[headerKey(h)] = true
	}
	var missing []string
	for _, c := range src.Columns {
		found := false
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			found = found || have[headerKey(n)]
		}
		if c.Required && !found {
			missing = append(missing, describeColumn(c))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing required column(s) %s; the file has: %s", in.name, strings.Join(missing, ", "), strings.Join(all, ", "))
	}
	if tb, err = fileRd.table(tb, header, at, nil, fillContext{file: in.name}); err != nil {
		return nil, err
	}

	vals := make([]any, len(header))
	for i, v := range partValues {
		vals[fileCols+i] = v
	}
	row := 0
	addRow := func(rec arrow.RecordBatch, i int) {
		row++
		for c := 0; c < fileCols; c++ {
			vals[c] = arrowValue(rec.Column(c), i)
		}
		load.RowsRead++
		if rejects := tb.AddValues(vals, diag.Pos{File: in.name, Row: row}); len(rejects) > 0 {
			load.Rejected = append(load.Rejected, rejects...)
		}
		if tb.pending >= batchRows {
			tb.flush()
		}
	}
	if fileCols == 0 {
		// Every declared column is a partition's: the file gives the rows.
		for range pf.NumRows() {
			addRow(nil, 0)
		}
		return tb, tb.emitErr
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			addRow(rec, i)
		}
		if tb.emitErr != nil {
			return tb, tb.emitErr
		}
		if err := ctx.Err(); err != nil {
			return tb, err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: row %d: %w", in.name, row+1, err)
	}
	return tb, nil
}

// leafColumns are the Parquet columns a field is stored in.
func leafColumns(f pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return []int{f.ColIndex}
	}
	var out []int
	for _, c := range f.Children {
		out = append(out, leafColumns(c)...)
	}
	return out
}

// arrowValue is row i of a column as the Go value AddValues types: int64,
// float64, bool, time.Time or string, nil when null; anything else as text.
func arrowValue(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Date64:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.Decimal128:
		return a.Value(i).ToFloat64(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Dictionary:
		return arrowValue(a.Dictionary(), a.GetValueIndex(i))
	}
	return col.ValueStr(i)
}
