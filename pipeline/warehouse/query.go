package warehouse

import (
	"context"
	"database/sql"
	"fmt"
)

// Result is a query's columns and rows, as Go values.
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// Query runs a query and reads at most limit rows (0: all).
func (w *Warehouse) Query(ctx context.Context, query string, limit int, args ...any) (*Result, error) {
	rows, err := w.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return readRows(rows, limit)
}

func readRows(rows *sql.Rows, limit int) (*Result, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	for _, t := range types {
		res.Types = append(res.Types, t.DatabaseTypeName())
	}
	for rows.Next() {
		if limit > 0 && len(res.Rows) >= limit {
			break
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read row %d: %w", len(res.Rows)+1, err)
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// ExportParquet writes a table or view to a Parquet file with DuckDB's own
// writer (built in, no extension to download).
func (w *Warehouse) ExportParquet(ctx context.Context, schema, name, path string) error {
	return w.Exec(ctx, "COPY (SELECT * FROM "+QuoteTable(schema, name)+") TO "+QuoteString(path)+" (FORMAT parquet)")
}
