//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/duckdb/duckdb-go/v2"
)

// A Parquet export of a PostgreSQL warehouse: the table's rows are read
// through the warehouse's read-only connection as Arrow record batches,
// which an in-memory DuckDB scans (RegisterView, as a load does) and
// writes with the same COPY as on a DuckDB warehouse. The in-memory DuckDB
// is sandboxed like every DuckDB jixiao opens and may write only the
// export's output (Options.WriteFiles, WriteDirs).

// exportBatchRows is the most rows an Arrow batch of an export holds.
const exportBatchRows = 16384

// exportFromPostgres calls fn with an export source whose COPY runs on an
// in-memory DuckDB and reads schema.name from PostgreSQL.
func (w *Warehouse) exportFromPostgres(ctx context.Context, schema, name string, fn func(*exportSource) error) error {
	cols, err := w.Columns(ctx, schema, name)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("export %s.%s: no such table", schema, name)
	}
	if cols, err = w.resolveNumerics(ctx, schema, name, cols); err != nil {
		return err
	}
	pgCols := make([]pgExportColumn, len(cols))
	fields := make([]arrow.Field, len(cols))
	selects := make([]string, len(cols))
	for i, c := range cols {
		pgCols[i] = newPGExportColumn(c)
		cols[i].Type = pgCols[i].typ
		fields[i] = arrow.Field{Name: c.Name, Type: pgCols[i].arrow, Nullable: true}
		selects[i] = pgCols[i].expr
	}
	arrowSchema := arrow.NewSchema(fields, nil)
	query := "SELECT " + strings.Join(selects, ", ") + " FROM " + QuoteTable(schema, name)

	// w.exportOpts let it write the export's output and nothing else.
	duck, err := openDuckDB(ctx, "", w.exportOpts)
	if err != nil {
		return fmt.Errorf("open the export's DuckDB: %w", err)
	}
	defer duck.Close()
	conn, err := duck.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	var streams []*pgBatches
	var views []string
	var releases []func()
	defer func() {
		// Views before their streams: a view left over a released stream
		// would crash a query of it (see LoadAll).
		for _, v := range views {
			conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+QuoteIdent(v))
		}
		for _, r := range releases {
			r()
		}
		for _, s := range streams {
			s.close()
		}
	}()
	src := &exportSource{
		cols: cols,
		exec: func(ctx context.Context, stmt string) (int64, error) {
			res, err := conn.ExecContext(ctx, stmt)
			// A failed read of PostgreSQL ends the stream early: it is the
			// error, whatever DuckDB made of the end.
			for _, s := range streams {
				if s.err != nil {
					return 0, s.err
				}
			}
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		from: func(ctx context.Context) (string, error) {
			rows, err := w.reader().QueryContext(ctx, query)
			if err != nil {
				return "", Explain(err)
			}
			s := &pgBatches{rows: rows, schema: arrowSchema, cols: pgCols}
			s.refs.Store(1)
			streams = append(streams, s)
			view := fmt.Sprintf("jixiao_export_%d", len(streams))
			var release func()
			err = conn.Raw(func(dc any) error {
				ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
				if err != nil {
					return err
				}
				release, err = ar.RegisterView(s, view)
				return err
			})
			if err != nil {
				return "", fmt.Errorf("register the rows of %s.%s: %w", schema, name, err)
			}
			releases = append(releases, release)
			views = append(views, view)
			return QuoteIdent(view), nil
		},
	}
	return fn(src)
}

// resolveNumerics gives each numeric column without a declared precision
// (PostgreSQL's sum of integers, of decimals; DECIMAL(38,10) as pgTypeName
// says it) the type DuckDB's own result would have: BIGINT where every
// value is whole (DuckDB's HUGEINT sums, exported as BIGINT), else
// DECIMAL(38, s) with s the largest scale among the values (a DuckDB sum
// of DECIMAL(18,4) is DECIMAL(38,4)). A column with no values keeps its
// type.
func (w *Warehouse) resolveNumerics(ctx context.Context, schema, name string, cols []Column) ([]Column, error) {
	var scales []string
	var at []int
	for i, c := range cols {
		if c.Type == "DECIMAL(38,10)" {
			scales = append(scales, "max(scale("+QuoteIdent(c.Name)+"))")
			at = append(at, i)
		}
	}
	if len(scales) == 0 {
		return cols, nil
	}
	vals := make([]sql.NullInt64, len(scales))
	ptrs := make([]any, len(scales))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := w.reader().QueryRowContext(ctx, "SELECT "+strings.Join(scales, ", ")+" FROM "+QuoteTable(schema, name)).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("export %s.%s: the scale of its numbers: %w", schema, name, Explain(err))
	}
	cols = append([]Column(nil), cols...)
	for k, i := range at {
		switch v := vals[k]; {
		case !v.Valid:
		case v.Int64 == 0:
			cols[i].Type = "BIGINT"
		default:
			cols[i].Type = fmt.Sprintf("DECIMAL(38,%d)", min(v.Int64, 38))
		}
	}
	return cols, nil
}

// pgExportColumn is how a column is read from PostgreSQL and given to
// DuckDB: the expression selected, the DuckDB type and its Arrow type.
type pgExportColumn struct {
	expr  string
	typ   string
	arrow arrow.DataType
}

var decimalType = regexp.MustCompile(`^DECIMAL\((\d+),(\d+)\)$`)

// newPGExportColumn reads c as its own type where Arrow has it, and as
// text otherwise (the types exportType writes as VARCHAR anyway).
func newPGExportColumn(c Column) pgExportColumn {
	q := QuoteIdent(c.Name)
	if t, ok := arrowOf(c.Type); ok {
		expr := q
		switch {
		case c.Type == "BIGINT":
			expr = q + "::bigint" // a numeric whose values are whole
		case strings.HasSuffix(c.Type, "[]"), strings.HasPrefix(c.Type, "DECIMAL"):
			expr = q + "::text" // parsed here, exactly
		}
		return pgExportColumn{expr: expr + " AS " + q, typ: c.Type, arrow: t}
	}
	return pgExportColumn{expr: q + "::text AS " + q, typ: "VARCHAR", arrow: arrow.BinaryTypes.String}
}

// arrowOf is the Arrow type DuckDB reads as type t.
func arrowOf(t string) (arrow.DataType, bool) {
	if inner, ok := strings.CutSuffix(t, "[]"); ok {
		if strings.HasSuffix(inner, "[]") || strings.HasPrefix(inner, "DECIMAL") || inner == "BLOB" {
			return nil, false
		}
		elem, ok := arrowOf(inner)
		if !ok {
			return nil, false
		}
		return arrow.ListOf(elem), true
	}
	switch t {
	case "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean, true
	case "SMALLINT":
		return arrow.PrimitiveTypes.Int16, true
	case "INTEGER":
		return arrow.PrimitiveTypes.Int32, true
	case "BIGINT":
		return arrow.PrimitiveTypes.Int64, true
	case "FLOAT":
		return arrow.PrimitiveTypes.Float32, true
	case "DOUBLE":
		return arrow.PrimitiveTypes.Float64, true
	case "VARCHAR":
		return arrow.BinaryTypes.String, true
	case "BLOB":
		return arrow.BinaryTypes.Binary, true
	case "DATE":
		return arrow.FixedWidthTypes.Date32, true
	case "TIMESTAMP":
		return &arrow.TimestampType{Unit: arrow.Microsecond}, true
	case "TIMESTAMP WITH TIME ZONE":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, true
	}
	if m := decimalType.FindStringSubmatch(t); m != nil {
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		if p >= 1 && p <= 38 && s <= p {
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, true
		}
	}
	return nil, false
}

// pgBatches is an array.RecordReader over the rows of a query of
// PostgreSQL, read as DuckDB asks for batches, so that a table is never
// held whole in memory.
type pgBatches struct {
	rows   *sql.Rows
	schema *arrow.Schema
	cols   []pgExportColumn
	cur    arrow.RecordBatch
	err    error
	refs   atomic.Int64
	closed bool
}

func (b *pgBatches) Schema() *arrow.Schema { return b.schema }

func (b *pgBatches) Err() error { return b.err }

func (b *pgBatches) RecordBatch() arrow.RecordBatch { return b.cur }

// Deprecated: Use RecordBatch.
func (b *pgBatches) Record() arrow.RecordBatch { return b.cur }

func (b *pgBatches) Retain() { b.refs.Add(1) }

func (b *pgBatches) Release() {
	if b.refs.Add(-1) == 0 && b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
}

// close ends the query, once DuckDB is done with the stream.
func (b *pgBatches) close() {
	if !b.closed {
		b.closed = true
		b.rows.Close()
	}
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
}

func (b *pgBatches) Next() bool {
	if b.cur != nil {
		b.cur.Release()
		b.cur = nil
	}
	if b.err != nil || b.closed {
		return false
	}
	build := array.NewRecordBuilder(memory.DefaultAllocator, b.schema)
	defer build.Release()
	vals := make([]any, len(b.cols))
	ptrs := make([]any, len(b.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for n < exportBatchRows && b.rows.Next() {
		if err := b.rows.Scan(ptrs...); err != nil {
			b.err = err
			return false
		}
		for i, v := range vals {
			if err := appendValue(build.Field(i), v); err != nil {
				b.err = fmt.Errorf("column %s: %w", b.schema.Field(i).Name, err)
				return false
			}
		}
		n++
	}
	if n == 0 {
		if err := b.rows.Err(); err != nil {
			b.err = Explain(err)
		}
		return false
	}
	b.cur = build.NewRecordBatch()
	return true
}

// appendValue appends a value PostgreSQL's driver gave (int64, float64,
// bool, string, time.Time, []byte; text for decimals and arrays) to a
// builder of the column's Arrow type.
func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	if s, ok := v.([]byte); ok {
		if _, binary := b.(*array.BinaryBuilder); !binary {
			v = string(s)
		}
	}
	bad := func() error { return fmt.Errorf("unexpected value %v (%T) for %s", v, v, b.Type()) }
	switch b := b.(type) {
	case *array.BooleanBuilder:
		switch x := v.(type) {
		case bool:
			b.Append(x)
		case string: // an array's item: t or f
			if x != "t" && x != "f" {
				return bad()
			}
			b.Append(x == "t")
		default:
			return bad()
		}
	case *array.Int16Builder:
		n, err := intOf(v, 16)
		if err != nil {
			return bad()
		}
		b.Append(int16(n))
	case *array.Int32Builder:
		n, err := intOf(v, 32)
		if err != nil {
			return bad()
		}
		b.Append(int32(n))
	case *array.Int64Builder:
		n, err := intOf(v, 64)
		if err != nil {
			return bad()
		}
		b.Append(n)
	case *array.Float32Builder:
		f, err := floatOf(v, 32)
		if err != nil {
			return bad()
		}
		b.Append(float32(f))
	case *array.Float64Builder:
		f, err := floatOf(v, 64)
		if err != nil {
			return bad()
		}
		b.Append(f)
	case *array.StringBuilder:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		b.Append(s)
	case *array.BinaryBuilder:
		s, ok := v.([]byte)
		if !ok {
			return bad()
		}
		b.Append(s)
	case *array.Date32Builder:
		switch x := v.(type) {
		case time.Time:
			b.Append(arrow.Date32FromTime(x))
		case string:
			t, err := time.Parse(time.DateOnly, x)
			if err != nil {
				return bad()
			}
			b.Append(arrow.Date32FromTime(t))
		default:
			return bad()
		}
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Timestamp(x.UnixMicro()))
	case *array.Decimal128Builder:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		t := b.Type().(*arrow.Decimal128Type)
		n, err := decimal128.FromString(s, t.Precision, t.Scale)
		if err != nil {
			return fmt.Errorf("%s as %s: %w", s, t, err)
		}
		b.Append(n)
	case *array.ListBuilder:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		items, ok := parsePGArray(s)
		if !ok {
			return bad()
		}
		b.Append(true)
		for _, it := range items {
			var item any
			if it != nil {
				item = *it
			}
			if err := appendValue(b.ValueBuilder(), item); err != nil {
				return err
			}
		}
	default:
		return bad()
	}
	return nil
}

func intOf(v any, bits int) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, bits)
	}
	return 0, errors.New("not an integer")
}

func floatOf(v any, bits int) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case string:
		return strconv.ParseFloat(x, bits)
	}
	return 0, errors.New("not a number")
}
