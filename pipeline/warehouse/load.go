package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// Load modes (the same words as a source's load setting).
const (
	ModeReplace = "replace"
	ModeAppend  = "append"
	ModeMerge   = "merge"
)

// LoadRequest is one load of a source into its raw table.
type LoadRequest struct {
	LoadID string
	RunID  string
	Source string
	Kind   string
	Schema string
	Table  string
	Mode   string
	// Key identifies rows for ModeMerge.
	Key []string
	// ReplaceFiles lists files whose earlier rows are removed first (a unit
	// re-sent a corrected report); rows carry their file in _file.
	ReplaceFiles []string
	// Reader streams the rows; it is consumed once.
	Reader array.RecordReader
	// File, when set, is the file every row comes from; the stream then has
	// no _file column and the load adds File as its value.
	File string
	// Appends is true when the rows were added to File since its last load:
	// its earlier rows and their rejects stay.
	Appends bool
	// CursorColumn, when set, makes the newest value of that column in the
	// table, once the load is in, the load's cursor (a file source read past
	// its cursor).
	CursorColumn string
	Location     string
	ContentHash  string
	StartedAt    time.Time
	// Declared are the source's declared columns and types, recorded
	// with the load (meta.source_columns) for the next load to compare.
	// Nil leaves the record as it is.
	Declared []DeclaredColumn
	// Stats gives the load's figures. It is called for every load once
	// Reader has been drained, before commit: a source read as it streams
	// knows its counts, rejected rows and cursor only then. Nil is a load
	// without any (the empty table of a source with nothing to load yet).
	Stats func() LoadStats
}

// DeclaredColumn is a source column as declared: its name and type
// (text, integer, pseudonym, …).
type DeclaredColumn struct {
	Name string
	Type string
}

// DeclaredColumns returns the columns and types recorded with the source's
// last successful load (nil when none was recorded: a load by a jixiao
// before migration 9).
func (w *Warehouse) DeclaredColumns(ctx context.Context, source string) (map[string]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT column_name, declared_type FROM meta.source_columns WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("read the declared columns of %s: %w", source, err)
	}
	defer rows.Close()
	var out map[string]string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = typ
	}
	return out, rows.Err()
}

// LoadStats are a load's figures, final once its rows are read.
type LoadStats struct {
	RowsRead     int64
	RowsRejected int64
	Quarantine   []QuarantineRow
	CursorValue  string
}

// stats calls the request's Stats; only once its Reader is drained.
func (r LoadRequest) stats() LoadStats {
	if r.Stats == nil {
		return LoadStats{}
	}
	return r.Stats()
}

// QuarantineRow is a rejected input row, kept with where it came from.
type QuarantineRow struct {
	File     string
	Sheet    string
	Row      int64
	Column   string
	RawValue string
	Reason   string
}

// LoadColumn is the column every raw table gets: the load that wrote the row,
// so that any number in a mart can be traced to its load.
const LoadColumn = "_load_id"

// The lineage columns extractors write (see extract.FileColumn): the file a
// row came from and its row there.
const (
	FileColumn = "_file"
	RowColumn  = "_row"
)

// RecordFailedLoad notes a load that could not happen at all (an unreadable
// file), so that the failure is in the history, not only in a log.
func (w *Warehouse) RecordFailedLoad(ctx context.Context, req LoadRequest, loadErr error) error {
	return w.Exec(ctx, `INSERT INTO meta.source_loads VALUES (?, ?, ?, ?, ?, ?, NULL, 0, 0, 0, ?, ?, ?, ?)`,
		req.LoadID, nullString(req.RunID), req.Source, req.Kind, nullString(req.Location), nullString(req.ContentHash),
		req.StartedAt.UTC(), time.Now().UTC(), StatusFailed, loadErr.Error())
}

// LoadedHashes returns the content hashes of the successful loads of a source
// still present in its table, so file sources can skip unchanged files.
func (w *Warehouse) LoadedHashes(ctx context.Context, source string) (map[string]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT location, content_hash FROM meta.source_loads
		WHERE source = ? AND status = 'success' AND content_hash IS NOT NULL ORDER BY finished_at`, source)
	if err != nil {
		return nil, fmt.Errorf("read load history of %s: %w", source, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var loc, hash string
		if err := rows.Scan(&loc, &hash); err != nil {
			return nil, err
		}
		out[loc] = hash
	}
	return out, rows.Err()
}

// RecordContentHash replaces the content hash recorded for a location's
// successful loads (an earlier jixiao's SHA-256) with its new form, for
// content that was found unchanged: the next run then hashes it once.
func (w *Warehouse) RecordContentHash(ctx context.Context, source, location, old, hash string) error {
	if _, err := w.db.ExecContext(ctx, `UPDATE meta.source_loads SET content_hash = ?
		WHERE source = ? AND location = ? AND content_hash = ? AND status = 'success'`, hash, source, location, old); err != nil {
		return fmt.Errorf("record the content hash of %s: %w", location, err)
	}
	return nil
}

// clearQuarantine removes, inside a load's transaction, the quarantine rows
// that the load supersedes: all of the source's when the load starts its
// raw table over (load: replace, a full refresh, a table that was gone),
// else those of each file the load reads again. A reload then leaves the
// rejects of the file as it is now, not those of every earlier load.
func clearQuarantine(ctx context.Context, conn txConn, reqs []LoadRequest, startsOver bool) error {
	source := reqs[0].Source
	if startsOver {
		_, err := conn.ExecContext(ctx, `DELETE FROM meta.quarantine WHERE source = ?`, source)
		return err
	}
	var files []string
	args := []any{source}
	for _, r := range reqs {
		own := r.File
		if r.Appends {
			own = "" // rows added to the file: its earlier rejects stand
		}
		for _, f := range append([]string{own}, r.ReplaceFiles...) {
			if f != "" {
				files = append(files, "?")
				args = append(args, f)
			}
		}
	}
	if len(files) == 0 {
		return nil
	}
	_, err := conn.ExecContext(ctx, `DELETE FROM meta.quarantine WHERE source = ? AND file IN (`+strings.Join(files, ", ")+`)`, args...)
	return err
}

func tableExistsOn(ctx context.Context, conn txConn, schema, table string) (bool, error) {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`, schema, table).Scan(&n)
	// (schema is the name in the database: on PostgreSQL with its prefix.)
	return n > 0, err
}

// LastCursor returns the cursor the newest successful load of a source
// reached, or "" when it has none.
func (w *Warehouse) LastCursor(ctx context.Context, source string) (string, error) {
	var c sql.NullString
	err := w.db.QueryRowContext(ctx, `SELECT cursor_value FROM meta.source_loads
		WHERE source = ? AND status = 'success' AND cursor_value IS NOT NULL ORDER BY finished_at DESC LIMIT 1`, source).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the cursor of %s: %w", source, err)
	}
	return c.String, nil
}

// Load ingests req.Reader into schema.table in one transaction, together with
// its meta.source_loads row and its quarantined rows: a failed load leaves
// the raw table and the metadata as they were. It returns the rows loaded.
func (w *Warehouse) Load(ctx context.Context, req LoadRequest) (int64, error) {
	n, err := w.LoadAll(ctx, []LoadRequest{req})
	if err != nil {
		return 0, err
	}
	return n[0], nil
}

// insertRows inserts rows with multi-row INSERTs of a few hundred rows each.
func insertRows(ctx context.Context, conn txConn, table string, rows [][]any) error {
	const batch = 200
	for start := 0; start < len(rows); start += batch {
		part := rows[start:min(start+batch, len(rows))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		var args []any
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(r)), ", ") + ")")
			args = append(args, r...)
		}
		if _, err := conn.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteReplacedFiles removes, before a load that appends or merges into
// an existing table, the rows of the files re-sent with corrections: they
// lose the rows they brought before.
func deleteReplacedFiles(ctx context.Context, conn txConn, reqs []LoadRequest, target string, exists bool) error {
	var replaced []string
	for _, r := range reqs {
		for _, f := range r.ReplaceFiles {
			replaced = append(replaced, QuoteString(f))
		}
	}
	if !exists || len(replaced) == 0 || reqs[0].Mode == ModeReplace {
		return nil
	}
	_, err := conn.ExecContext(ctx, "DELETE FROM "+target+" WHERE _file IN ("+strings.Join(replaced, ", ")+")")
	return err
}
