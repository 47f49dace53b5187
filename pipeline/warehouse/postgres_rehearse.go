package warehouse

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// jixiao check binds every model in an in-memory DuckDB; on a PostgreSQL
// warehouse it also asks PostgreSQL, since a model DuckDB takes may use a
// construct PostgreSQL refuses. A Rehearsal builds the project's tables
// empty in the warehouse's database, inside one transaction that is rolled
// back: under schemas of its own (jixiao_check_<random>_raw, ...), so that
// it neither sees nor locks the warehouse's tables and leaves nothing
// behind, whatever happens to the process.

// Rehearsal is a rolled-back transaction on a PostgreSQL warehouse's
// database in which a project's tables are made empty.
type Rehearsal struct {
	conn    *sql.Conn
	began   bool
	schemas *schemaSet
	n       int
}

// exec runs sql as it is (no translation), on the rehearsal's connection.
func (r *Rehearsal) exec(ctx context.Context, sql string) error {
	return pgxConn(ctx, r.conn, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql)
		return err
	})
}

// Rehearse starts a rehearsal; Close rolls it back. The warehouse must be
// PostgreSQL (open for reading is enough: the rehearsal's transaction asks
// for read-write, so the role needs CREATE on the database).
func (w *Warehouse) Rehearse(ctx context.Context) (*Rehearsal, error) {
	if w.pg == nil {
		return nil, errors.New("only a PostgreSQL warehouse is rehearsed; DuckDB's check binds in memory")
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var b [4]byte
	rand.Read(b[:])
	r := &Rehearsal{conn: conn, schemas: newSchemaSet("jixiao_check_" + hex.EncodeToString(b[:]) + "_")}
	err = pgxConn(ctx, conn, func(c *pgx.Conn) error {
		if _, err := c.Exec(ctx, "BEGIN READ WRITE"); err != nil {
			return err
		}
		r.began = true
		// The meta tables models read, and DuckDB's functions if no run has
		// defined them yet.
		var compat bool
		if err := c.QueryRow(ctx, "SELECT to_regnamespace('"+compatSchema+"') IS NOT NULL").Scan(&compat); err != nil {
			return err
		}
		if !compat {
			if _, err := c.Exec(ctx, "CREATE SCHEMA "+compatSchema+";\n"+strings.Join(compatFunctions, ";\n")); err != nil {
				return err
			}
		}
		for _, m := range migrations {
			if _, err := c.Exec(ctx, r.schemas.prefixed(pgMigration(m))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("rehearse on PostgreSQL: %w", err)
	}
	return r, nil
}

// step runs stmt (written with the project's schema names) under a
// savepoint, so that a statement PostgreSQL refuses leaves the rehearsal
// going; its error points at the line of stmt PostgreSQL names.
func (r *Rehearsal) step(ctx context.Context, stmt string) error {
	r.n++
	sp := fmt.Sprintf("jixiao_step_%d", r.n)
	if err := r.exec(ctx, "SAVEPOINT "+sp); err != nil {
		return err
	}
	sent := r.schemas.prefixed(stmt)
	if err := r.exec(ctx, sent); err != nil {
		if rbErr := r.exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return withLine(sent, err)
	}
	return r.exec(ctx, "RELEASE SAVEPOINT "+sp)
}

// CreateEmptyTable makes schema.name with columns in DuckDB's types.
func (r *Rehearsal) CreateEmptyTable(ctx context.Context, schema, name string, cols []Column) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = QuoteIdent(c.Name) + " " + pgDDLType(c.Type)
	}
	return r.step(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(schema)+";\nCREATE TABLE "+QuoteTable(schema, name)+" ("+strings.Join(defs, ", ")+")")
}

// CreateEmptyModel makes schema.name from a model's SQL with no rows, as
// a build would make it: an error's line maps to the model's file through
// ModelLine, the SQL starting on the statement's second line.
func (r *Rehearsal) CreateEmptyModel(ctx context.Context, schema, name, query string) error {
	r.schemas.add(schema)
	if err := r.step(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(schema)); err != nil {
		return err
	}
	return Explain(r.step(ctx, "CREATE TABLE "+QuoteTable(schema, name)+" AS\n"+query+"\nWITH NO DATA"))
}

// Close rolls the rehearsal back.
func (r *Rehearsal) Close() error {
	if r.conn == nil {
		return nil
	}
	var err error
	if r.began {
		err = r.exec(context.Background(), "ROLLBACK")
	}
	return errors.Join(err, r.conn.Close())
}

// pgDDLType is DuckDB's type t as PostgreSQL spells it in a CREATE TABLE.
func pgDDLType(t string) string {
	if inner, ok := strings.CutSuffix(t, "[]"); ok {
		return pgDDLType(inner) + "[]"
	}
	switch strings.ToUpper(t) {
	case "VARCHAR":
		// A load makes text columns TEXT (not character varying, which
		// PostgreSQL casts to text inside functions: string_agg(DISTINCT x
		// ... ORDER BY x) then no longer sees the same x twice).
		return "TEXT"
	case "DOUBLE":
		return "DOUBLE PRECISION"
	case "FLOAT":
		return "REAL"
	case "HUGEINT", "UBIGINT", "UHUGEINT":
		return "NUMERIC"
	case "UINTEGER":
		return "BIGINT"
	case "USMALLINT", "UTINYINT", "TINYINT":
		return "SMALLINT"
	case "BLOB":
		return "BYTEA"
	case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return "TIMESTAMP"
	}
	return t
}
