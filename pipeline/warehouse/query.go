package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// Result is a query's columns and rows, as Go values.
type Result struct {
	Columns []string
	Types   []string
	Rows    [][]any
}

// Type is column i's type, or "" for a Result built by hand without them.
func (r *Result) Type(i int) string {
	if i < len(r.Types) {
		return r.Types[i]
	}
	return ""
}

// Query runs a query and reads at most limit rows (0: all).
func (w *Warehouse) Query(ctx context.Context, query string, limit int, args ...any) (*Result, error) {
	rows, err := w.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, Explain(err)
	}
	defer rows.Close()
	return w.readRows(rows, limit)
}

// QueryRow runs a query of one row and scans it into dest, like Query for
// a single value (a count, a setting).
func (w *Warehouse) QueryRow(ctx context.Context, query string, args []any, dest ...any) error {
	return Explain(w.reader().QueryRowContext(ctx, query, args...).Scan(dest...))
}

// CountRows counts the rows of a user's SELECT (a data test's failing rows),
// after checking that it is one SELECT and nothing more.
func (w *Warehouse) CountRows(ctx context.Context, query string) (int64, error) {
	if err := w.RequireSelect(ctx, query); err != nil {
		return 0, err
	}
	var n int64
	// A newline before the bracket keeps a trailing -- comment from eating it.
	query = strings.TrimRight(strings.TrimSpace(query), ";")
	err := w.reader().QueryRowContext(ctx, "SELECT count(*) FROM ("+query+"\n) AS jixiao_rows").Scan(&n)
	return n, Explain(err)
}

func (w *Warehouse) readRows(rows *sql.Rows, limit int) (*Result, error) {
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
		name := t.DatabaseTypeName()
		if w.pg != nil {
			name = pgResultType(name)
		}
		res.Types = append(res.Types, name)
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
		for i := range vals {
			if w.pg != nil {
				vals[i] = pgValue(vals[i], res.Types[i])
			} else {
				vals[i] = displayValue(vals[i], res.Types[i])
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// ExportParquet writes a table or view to a Parquet file with DuckDB's own
// writer (built in, no extension to download); on PostgreSQL, an in-memory
// DuckDB writes the rows it reads (see ExportHive).
func (w *Warehouse) ExportParquet(ctx context.Context, schema, name, path string) error {
	return w.withExportSource(ctx, schema, name, func(src *exportSource) error {
		from, err := src.from(ctx)
		if err != nil {
			return err
		}
		_, err = src.exec(ctx, "COPY (SELECT * FROM "+from+") TO "+QuoteString(path)+" (FORMAT parquet)")
		return err
	})
}

// StmtCache prepares each distinct query once and reuses it: a dashboard
// panel repeated on 57 pages is parsed and planned once, not 57 times. It is
// safe for concurrent use.
type StmtCache struct {
	w     *Warehouse
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// NewStmtCache starts an empty cache on w; Close it when done.
func (w *Warehouse) NewStmtCache() *StmtCache {
	return &StmtCache{w: w, stmts: map[string]*sql.Stmt{}}
}

// Query runs query with args, preparing it the first time.
func (c *StmtCache) Query(ctx context.Context, query string, limit int, args ...any) (*Result, error) {
	c.mu.Lock()
	stmt, ok := c.stmts[query]
	if !ok {
		// Panel SQL is the user's: one SELECT, checked once when prepared.
		if err := c.w.RequireSelect(ctx, query); err != nil {
			c.mu.Unlock()
			return nil, err
		}
		var err error
		if stmt, err = c.w.reader().PrepareContext(ctx, query); err != nil {
			c.mu.Unlock()
			return nil, Explain(err)
		}
		c.stmts[query] = stmt
	}
	c.mu.Unlock()
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return nil, Explain(err)
	}
	defer rows.Close()
	return c.w.readRows(rows, limit)
}

// Close releases the prepared statements.
func (c *StmtCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = map[string]*sql.Stmt{}
}
