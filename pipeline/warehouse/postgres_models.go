package warehouse

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
)

// Models on PostgreSQL are built under a new name and swapped in by
// renames, in one transaction: a failed build leaves the previous version
// and readers see the old model or the new one. Unlike DuckDB, PostgreSQL
// binds a view to the table it reads, not to its name, and refuses to drop
// a table a view reads: the views that read a replaced table or view (a
// view model over a raw table, say) are dropped with it and made again
// from their definitions over the new one, in the same transaction.

// freshName is the name a table or view is built under before the swap:
// derived from its name, so that two models built at once never share it,
// and short enough for PostgreSQL's 63-byte names.
func freshName(name string) string {
	h := fnv.New32a()
	h.Write([]byte(name))
	short := name
	if len(short) > 40 {
		short = short[:40]
	}
	return fmt.Sprintf("%s__jixiao_%08x", short, h.Sum32())
}

// dependentView is a view that reads a table, with its definition.
type dependentView struct {
	schema, name, definition string
}

// dependentViews lists the views that read schema.name, directly or
// through other views, each after the views it reads.
func dependentViews(ctx context.Context, tx txConn, schema, name string) ([]dependentView, error) {
	rows, err := tx.QueryContext(ctx, `WITH RECURSIVE deps(oid, depth) AS (
			SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
			WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = to_regclass(?) AND r.ev_class <> d.refobjid
			UNION
			SELECT r.ev_class, deps.depth + 1 FROM deps JOIN pg_depend d ON d.refobjid = deps.oid
			JOIN pg_rewrite r ON r.oid = d.objid
			WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class <> deps.oid AND deps.depth < 100)
		SELECT n.nspname, c.relname, pg_get_viewdef(c.oid) FROM deps
		JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'v'
		GROUP BY n.nspname, c.relname, c.oid ORDER BY max(deps.depth), n.nspname, c.relname`, QuoteIdent(schema)+"."+QuoteIdent(name))
	if err != nil {
		return nil, fmt.Errorf("find the views that read %s.%s: %w", schema, name, err)
	}
	defer rows.Close()
	var out []dependentView
	for rows.Next() {
		var v dependentView
		if err := rows.Scan(&v.schema, &v.name, &v.definition); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// swapInPostgres replaces schema.name (of kind old: "table", "view" or ""
// when there is none) by schema.fresh, of kind kind, inside tx; schema is
// the name in the database (prefixed). The views that read the old one are
// made again over the new one.
func swapInPostgres(ctx context.Context, tx txConn, schema, name, fresh, old, kind string) error {
	exec := func(q string) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}
	var views []dependentView
	if old != "" {
		var err error
		if views, err = dependentViews(ctx, tx, schema, name); err != nil {
			return err
		}
		if err := exec("DROP " + strings.ToUpper(old) + " " + QuoteIdent(schema) + "." + QuoteIdent(name) + " CASCADE"); err != nil {
			return err
		}
	}
	if err := exec("ALTER " + strings.ToUpper(kind) + " " + QuoteIdent(schema) + "." + QuoteIdent(fresh) + " RENAME TO " + QuoteIdent(name)); err != nil {
		return err
	}
	for _, v := range views {
		if err := exec("CREATE VIEW " + QuoteIdent(v.schema) + "." + QuoteIdent(v.name) + " AS " + v.definition); err != nil {
			return fmt.Errorf("make view %s.%s again over the new %s: %w", v.schema, v.name, name, err)
		}
	}
	return nil
}

// buildModelPostgres is BuildModel on PostgreSQL.
func (w *Warehouse) buildModelPostgres(ctx context.Context, req BuildRequest) (int64, error) {
	w.UseSchema(req.Schema)
	existing, err := w.existing(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("look up %s.%s: %w", req.Schema, req.Name, err)
	}
	fresh := freshName(req.Name)
	kind := "table"
	if req.View {
		kind = "view"
	}
	rows := int64(-1)
	err = w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(req.Schema)); err != nil {
			return err
		}
		// The model's SQL starts on the statement's second line, as on
		// DuckDB, so ModelLine maps a line back to the model's file.
		stmt := "CREATE " + strings.ToUpper(kind) + " " + QuoteTable(req.Schema, fresh) + " AS\n" + req.SQL + "\n"
		res, err := tx.ExecContext(ctx, stmt)
		if err != nil {
			return withLine(w.pg.schemas.prefixed(stmt), err)
		}
		if !req.View {
			if rows, err = res.RowsAffected(); err != nil {
				return err
			}
			// A new table has no statistics until autovacuum gets to it;
			// the models that read it next would be planned blind.
			if _, err := tx.ExecContext(ctx, "ANALYZE "+QuoteTable(req.Schema, fresh)); err != nil {
				return err
			}
		}
		if err := swapInPostgres(ctx, tx, w.schema(req.Schema), req.Name, fresh, existing, kind); err != nil {
			return err
		}
		return req.record(ctx, tx, rows)
	})
	if err != nil {
		return 0, Explain(err)
	}
	return rows, nil
}
