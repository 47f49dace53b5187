//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Load ingests req.Reader into schema.table in one transaction, together with
// its meta.source_loads row and its quarantined rows: a failed load leaves
// the raw table and the metadata as they were. It returns the rows loaded.
func (w *Warehouse) Load(ctx context.Context, req LoadRequest) (int64, error) {
	if w.readOnly {
		return 0, errors.New("the warehouse is open read-only")
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()

	view := "jixiao_ingest_" + strings.ReplaceAll(req.LoadID, "-", "_")
	var release func()
	err = conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(req.Reader, view)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("register arrow stream for %s: %w", req.Source, err)
	}
	// Statements must run after Raw returns (running them inside deadlocks),
	// and the stream must be released once they are done.
	defer release()

	target := QuoteTable(req.Schema, req.Table)
	selectNew := fmt.Sprintf("SELECT *, %s AS %s FROM %s", QuoteString(req.LoadID), QuoteIdent(LoadColumn), QuoteIdent(view))
	var loaded int64
	run := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := run("BEGIN TRANSACTION"); err != nil {
		return 0, err
	}
	err = func() error {
		if err := run("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(req.Schema)); err != nil {
			return err
		}
		exists, err := tableExistsOn(ctx, conn, req.Schema, req.Table)
		if err != nil {
			return err
		}
		before := int64(0)
		switch {
		case req.Mode == ModeReplace || !exists:
			if err := run("CREATE OR REPLACE TABLE " + target + " AS " + selectNew); err != nil {
				return err
			}
		case req.Mode == ModeMerge:
			// The stream can be read once: stage it, then delete and insert.
			stage := QuoteIdent(view + "_stage")
			if err := run("CREATE TEMP TABLE " + stage + " AS " + selectNew); err != nil {
				return err
			}
			keys := make([]string, len(req.Key))
			for i, k := range req.Key {
				keys[i] = QuoteIdent(k)
			}
			keyList := strings.Join(keys, ", ")
			if err := run(fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT (%s) FROM %s)", target, keyList, keyList, stage)); err != nil {
				return err
			}
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&before); err != nil {
				return err
			}
			if err := run("INSERT INTO " + target + " BY NAME SELECT * FROM " + stage); err != nil {
				return err
			}
			if err := run("DROP TABLE " + stage); err != nil {
				return err
			}
		default: // append
			if len(req.ReplaceFiles) > 0 {
				quoted := make([]string, len(req.ReplaceFiles))
				for i, f := range req.ReplaceFiles {
					quoted[i] = QuoteString(f)
				}
				if err := run("DELETE FROM " + target + " WHERE _file IN (" + strings.Join(quoted, ", ") + ")"); err != nil {
					return err
				}
			}
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&before); err != nil {
				return err
			}
			if err := run("INSERT INTO " + target + " BY NAME " + selectNew); err != nil {
				return err
			}
		}
		var after int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&after); err != nil {
			return err
		}
		if req.Mode == ModeReplace || !exists {
			loaded = after
		} else {
			loaded = after - before
		}
		if req.Late != nil {
			late := req.Late()
			req.RowsRead, req.RowsRejected, req.Quarantine, req.CursorValue = late.RowsRead, late.RowsRejected, late.Quarantine, late.CursorValue
		}
		now := time.Now().UTC()
		for _, q := range req.Quarantine {
			if err := run(`INSERT INTO meta.quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				req.LoadID, req.Source, q.File, nullString(q.Sheet), q.Row, nullString(q.Column), q.RawValue, q.Reason, now); err != nil {
				return fmt.Errorf("quarantine: %w", err)
			}
		}
		return run(`INSERT INTO meta.source_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
			req.LoadID, nullString(req.RunID), req.Source, req.Kind, nullString(req.Location), nullString(req.ContentHash),
			nullString(req.CursorValue), req.RowsRead, loaded, req.RowsRejected, req.StartedAt.UTC(), now, StatusSuccess)
	}()
	if err != nil {
		if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			err = errors.Join(err, rbErr)
		}
		return 0, fmt.Errorf("load %s into %s.%s: %w", req.Source, req.Schema, req.Table, err)
	}
	if err := run("COMMIT"); err != nil {
		return 0, fmt.Errorf("commit load of %s: %w", req.Source, err)
	}
	return loaded, nil
}
