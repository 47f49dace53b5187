package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// Describe binds a query without running it (DuckDB prepares it: every
// table, column, function and type is resolved) and returns the names of
// its result columns. Parameters ($1, $2) may stay unbound. Errors are
// explained as Query's are.
func (w *Warehouse) Describe(ctx context.Context, query string) ([]string, error) {
	if err := w.RequireSelect(ctx, query); err != nil {
		return nil, err
	}
	if w.pg != nil {
		return w.describePostgres(ctx, query)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var cols []string
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the DuckDB driver cannot prepare statements")
		}
		st, err := pc.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("unexpected statement type %T", st)
		}
		n, err := ds.ColumnCount()
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			name, err := ds.ColumnName(i)
			if err != nil {
				return err
			}
			cols = append(cols, name)
		}
		return nil
	})
	return cols, Explain(err)
}

// CreateEmptyTable creates schema.name with these columns and no rows (and
// the schema when missing): check builds the declared shape of a project's
// tables this way, in an in-memory database, to bind its SQL against.
func (w *Warehouse) CreateEmptyTable(ctx context.Context, schema, name string, cols []Column) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		typ := c.Type
		if w.pg != nil {
			typ = pgDDLType(typ)
		}
		defs[i] = QuoteIdent(c.Name) + " " + typ
	}
	w.UseSchema(schema)
	return w.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(schema)+";\n"+w.replaceTableDDL(schema, name)+" ("+strings.Join(defs, ", ")+")")
}

// replaceTableDDL starts a statement that makes schema.name anew:
// CREATE OR REPLACE TABLE on DuckDB; on PostgreSQL, which has none, a drop
// first (both in one statement text, which it runs as one transaction).
func (w *Warehouse) replaceTableDDL(schema, name string) string {
	if w.pg != nil {
		return "DROP TABLE IF EXISTS " + QuoteTable(schema, name) + ";\nCREATE TABLE " + QuoteTable(schema, name)
	}
	return "CREATE OR REPLACE TABLE " + QuoteTable(schema, name)
}

// CreateEmptyModel creates schema.name with the columns the model's SQL
// would give it and no rows, binding the SQL as a build would. The SQL
// starts on the statement's second line, as in BuildModel, so ModelLine
// maps DuckDB's line back to the model's file.
func (w *Warehouse) CreateEmptyModel(ctx context.Context, schema, name, query string) error {
	if err := w.RequireSelect(ctx, query); err != nil {
		return err
	}
	w.UseSchema(schema)
	if err := w.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(schema)); err != nil {
		return err
	}
	// A newline before the bracket keeps a trailing -- comment from eating it.
	return Explain(w.Exec(ctx, w.replaceTableDDL(schema, name)+" AS SELECT * FROM (\n"+query+"\n) AS jixiao_model LIMIT 0"))
}
