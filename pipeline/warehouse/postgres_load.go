package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Loads into PostgreSQL send the Arrow batches with the COPY protocol
// (binary, through pgx), in one transaction per source as on DuckDB: a
// source that starts its table over (load: replace, a full refresh, a
// table that was gone) copies into a new table swapped in by renames;
// appends copy into the table; merges copy into a temporary table, then
// delete the keys it holds and insert. The raw table has the same columns
// as on DuckDB: the stream's, _file before _row, and _load_id last.

// loadAllPostgres is LoadAll on PostgreSQL.
func (w *Warehouse) loadAllPostgres(ctx context.Context, reqs []LoadRequest) ([]int64, error) {
	first := reqs[0]
	w.UseSchema(first.Schema)
	var loaded []int64
	err := w.withTx(ctx, func(conn txConn) error {
		var err error
		loaded, err = w.loadPostgresInTx(ctx, conn, reqs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load %s into %s.%s: %w", first.Source, first.Schema, first.Table, err)
	}
	return loaded, nil
}

func (w *Warehouse) loadPostgresInTx(ctx context.Context, conn txConn, reqs []LoadRequest) ([]int64, error) {
	first := reqs[0]
	schema := w.schema(first.Schema)
	target := QuoteTable(first.Schema, first.Table)
	run := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := run("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(first.Schema)); err != nil {
		return nil, err
	}
	exists, err := tableExistsOn(ctx, conn, schema, first.Table)
	if err != nil {
		return nil, err
	}
	if err := deleteReplacedFiles(ctx, conn, reqs, target, exists); err != nil {
		return nil, err
	}
	loaded := make([]int64, len(reqs))
	i := 0
	if first.Mode == ModeReplace || !exists {
		fresh := freshName(first.Table)
		cols, err := copyColumns(reqs[0])
		if err != nil {
			return nil, err
		}
		if err := run("CREATE TABLE " + QuoteTable(first.Schema, fresh) + " (" + columnDefs(cols) + ")"); err != nil {
			return nil, err
		}
		if loaded[0], err = copyInto(ctx, conn, schema, fresh, cols, reqs[0]); err != nil {
			return nil, err
		}
		kind := ""
		if exists {
			kind = "table"
		}
		if err := swapInPostgres(ctx, conn, schema, first.Table, fresh, kind, "table"); err != nil {
			return nil, err
		}
		i = 1
	}
	for ; i < len(reqs); i++ {
		cols, err := copyColumns(reqs[i])
		if err != nil {
			return nil, err
		}
		if reqs[i].Mode != ModeMerge {
			if loaded[i], err = copyInto(ctx, conn, schema, first.Table, cols, reqs[i]); err != nil {
				return nil, err
			}
			continue
		}
		// Merge: the stream can be read once, so stage it, then delete the
		// keys it holds and insert it.
		stage := "jixiao_merge_" + strings.ReplaceAll(reqs[i].LoadID, "-", "_")
		if err := run("CREATE TEMP TABLE " + QuoteIdent(stage) + " (" + columnDefs(cols) + ") ON COMMIT DROP"); err != nil {
			return nil, err
		}
		if loaded[i], err = copyInto(ctx, conn, "", stage, cols, reqs[i]); err != nil {
			return nil, err
		}
		keyList := strings.Join(quoteAll(reqs[i].Key), ", ")
		names := make([]string, len(cols))
		for k, c := range cols {
			names[k] = QuoteIdent(c.name)
		}
		if err := run(fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s)", target, keyList, keyList, QuoteIdent(stage))); err != nil {
			return nil, err
		}
		if err := run("INSERT INTO " + target + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(names, ", ") + " FROM " + QuoteIdent(stage)); err != nil {
			return nil, err
		}
	}
	// Fresh statistics, so that the models reading the table are planned
	// on what it holds now (autovacuum would get to it later).
	if err := run("ANALYZE " + target); err != nil {
		return nil, err
	}
	if err := recordLoads(ctx, conn, reqs, loaded, target, first.Mode == ModeReplace || !exists, nil); err != nil {
		return nil, err
	}
	return loaded, nil
}

// recordLoads writes, inside a load's transaction, what the loads did:
// their cursors, quarantined rows and meta.source_loads rows. loaded is
// the rows each load added to target.
// cursor, when known (see tableCursor), is the table's newest cursor value.
func recordLoads(ctx context.Context, conn txConn, reqs []LoadRequest, loaded []int64, target string, startsOver bool, cursor *sql.NullString) error {
	now := time.Now().UTC()
	var loadRows, quarantine [][]any
	for i := range reqs {
		req := reqs[i]
		st := req.stats()
		if req.CursorColumn != "" && st.CursorValue == "" && cursor != nil {
			st.CursorValue = cursor.String
		} else if req.CursorColumn != "" && st.CursorValue == "" {
			var c *string
			if err := conn.QueryRowContext(ctx, "SELECT max("+QuoteIdent(req.CursorColumn)+")::VARCHAR FROM "+target).Scan(&c); err != nil {
				return fmt.Errorf("cursor %s: %w", req.CursorColumn, err)
			}
			if c != nil {
				st.CursorValue = *c
			}
		}
		for _, q := range st.Quarantine {
			quarantine = append(quarantine, []any{req.LoadID, req.Source, q.File, nullString(q.Sheet), q.Row, nullString(q.Column), q.RawValue, q.Reason, now})
		}
		loadRows = append(loadRows, []any{req.LoadID, nullString(req.RunID), req.Source, req.Kind, nullString(req.Location), nullString(req.ContentHash),
			nullString(st.CursorValue), st.RowsRead, loaded[i], st.RowsRejected, req.StartedAt.UTC(), now, StatusSuccess, nil})
	}
	if err := clearQuarantine(ctx, conn, reqs, startsOver); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if err := insertRows(ctx, conn, "meta.quarantine", quarantine); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if startsOver {
		// The table starts over: the files earlier loads read are in it
		// only if this load read them again. One that failed must not be
		// skipped as loaded next time.
		if _, err := conn.ExecContext(ctx, `UPDATE meta.source_loads SET content_hash = NULL WHERE source = ? AND content_hash IS NOT NULL`, reqs[0].Source); err != nil {
			return fmt.Errorf("record loads: %w", err)
		}
	}
	if err := insertRows(ctx, conn, "meta.source_loads", loadRows); err != nil {
		return fmt.Errorf("record loads: %w", err)
	}
	if declared := reqs[0].Declared; declared != nil {
		if _, err := conn.ExecContext(ctx, `DELETE FROM meta.source_columns WHERE source = ?`, reqs[0].Source); err != nil {
			return fmt.Errorf("record the declared columns: %w", err)
		}
		rows := make([][]any, len(declared))
		for i, c := range declared {
			rows[i] = []any{reqs[0].Source, c.Name, c.Type}
		}
		if err := insertRows(ctx, conn, "meta.source_columns", rows); err != nil {
			return fmt.Errorf("record the declared columns: %w", err)
		}
	}
	return nil
}

// copyColumn is a column of a raw table as a load copies it: from the
// stream (field >= 0) or a constant of the load (_file, _load_id).
type copyColumn struct {
	name, pgType string
	field        int
	constant     string
}

// copyColumns lays out the raw table of a load as DuckDB's does: the
// stream's columns, the load's file as _file before _row when the stream
// has none, and _load_id last.
func copyColumns(req LoadRequest) ([]copyColumn, error) {
	schema := req.Reader.Schema()
	addFile := req.File != "" && !schema.HasField(FileColumn)
	var cols []copyColumn
	fileCol := copyColumn{name: FileColumn, pgType: "TEXT", field: -1, constant: req.File}
	for i, f := range schema.Fields() {
		if addFile && f.Name == RowColumn {
			cols = append(cols, fileCol)
			addFile = false
		}
		t, err := pgColumnType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		cols = append(cols, copyColumn{name: f.Name, pgType: t, field: i})
	}
	if addFile {
		cols = append(cols, fileCol)
	}
	return append(cols, copyColumn{name: LoadColumn, pgType: "TEXT", field: -1, constant: req.LoadID}), nil
}

func columnDefs(cols []copyColumn) string {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = QuoteIdent(c.name) + " " + c.pgType
	}
	return strings.Join(defs, ", ")
}

// pgColumnType is the PostgreSQL type of a column of Arrow type t, the
// type DuckDB gives the same column.
func pgColumnType(t arrow.DataType) (string, error) {
	switch t := t.(type) {
	case *arrow.StringType, *arrow.LargeStringType, *arrow.NullType:
		return "TEXT", nil
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.Int32Type:
		return "INTEGER", nil
	case *arrow.Int16Type, *arrow.Int8Type:
		return "SMALLINT", nil
	case *arrow.Float64Type:
		return "DOUBLE PRECISION", nil
	case *arrow.Float32Type:
		return "REAL", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.Date32Type:
		return "DATE", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP WITH TIME ZONE", nil
		}
		return "TIMESTAMP", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale), nil
	}
	return "", fmt.Errorf("Arrow 类型 %s 不能写入 PostgreSQL 仓库", t)
}

// copyInto sends the load's stream into schema.table ("" schema: a
// temporary table) with COPY, and returns the rows sent.
func copyInto(ctx context.Context, conn txConn, schema, table string, cols []copyColumn, req LoadRequest) (int64, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	ident := pgx.Identifier{table}
	if schema != "" {
		ident = pgx.Identifier{schema, table}
	}
	src := &arrowRows{reader: req.Reader, cols: cols}
	var n int64
	err := pgxConn(ctx, conn, func(c *pgx.Conn) error {
		var err error
		n, err = c.CopyFrom(ctx, ident, names, src)
		return err
	})
	if err == nil {
		err = req.Reader.Err()
	}
	return n, err
}

// arrowRows hands the rows of a record stream to pgx's CopyFrom.
type arrowRows struct {
	reader array.RecordReader
	cols   []copyColumn
	rec    arrow.RecordBatch
	row    int
	vals   []any
	err    error
}

func (r *arrowRows) Next() bool {
	r.row++
	for r.rec == nil || r.row >= int(r.rec.NumRows()) {
		if !r.reader.Next() {
			return false
		}
		r.rec, r.row = r.reader.RecordBatch(), 0
	}
	return true
}

func (r *arrowRows) Values() ([]any, error) {
	if r.vals == nil {
		r.vals = make([]any, len(r.cols))
	}
	for i, c := range r.cols {
		if c.field < 0 {
			r.vals[i] = c.constant
			continue
		}
		v, err := arrowValue(r.rec.Column(c.field), r.row)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		r.vals[i] = v
	}
	return r.vals, nil
}

func (r *arrowRows) Err() error { return r.err }

// arrowValue is row i of a column as pgx encodes it.
func arrowValue(col arrow.Array, i int) (any, error) {
	if col.IsNull(i) {
		return nil, nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Int32:
		return a.Value(i), nil
	case *array.Int16:
		return a.Value(i), nil
	case *array.Int8:
		return int16(a.Value(i)), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Float32:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Date32:
		return a.Value(i).ToTime(), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit), nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return pgtype.Numeric{Int: a.Value(i).BigInt(), Exp: -scale, Valid: true}, nil
	case *array.Null:
		return nil, nil
	}
	return nil, errors.New("Arrow 类型 " + col.DataType().String() + " 不能写入 PostgreSQL 仓库")
}
