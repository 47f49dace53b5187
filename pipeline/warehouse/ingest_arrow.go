//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckdb/duckdb-go/v2"
)

// LoadAll ingests several loads in one transaction, all or none: the files
// of a source that changed together, at the cost of one commit instead of
// one per file. It returns the rows each load added.
func (w *Warehouse) LoadAll(ctx context.Context, reqs []LoadRequest) ([]int64, error) {
	if w.readOnly {
		return nil, errors.New("the warehouse is open read-only")
	}
	if w.pg != nil {
		return w.loadAllPostgres(ctx, reqs)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	// RegisterView writes a view of each stream into the catalog; left
	// behind, a query of one would read a released stream and crash the
	// process. So the views are made in the load's transaction and dropped
	// in it before it commits: none ever reaches the file, and they cost
	// no commits of their own (two a load, each a WAL write and an fsync).
	views := make([]string, len(reqs))
	counted := make([]*countingReader, len(reqs))
	var releases []func()
	// The streams are released once no statement reads them: after the
	// views are gone, with the commit or the rollback.
	defer func() {
		for _, release := range releases {
			release()
		}
	}()
	for i, req := range reqs {
		counted[i] = &countingReader{RecordReader: req.Reader}
		views[i] = "jixiao_ingest_" + strings.ReplaceAll(req.LoadID, "-", "_")
		// Statements must run after Raw returns (running them inside
		// deadlocks).
		err = conn.Raw(func(dc any) error {
			ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
			if err != nil {
				return err
			}
			release, err := ar.RegisterView(counted[i], views[i])
			if err == nil {
				releases = append(releases, release)
			}
			return err
		})
		if err != nil {
			err = fmt.Errorf("register arrow stream for %s: %w", req.Source, err)
			break
		}
	}
	var loaded []int64
	if err == nil {
		loaded, err = loadAllInTx(ctx, conn, reqs, views, counted)
	}
	for _, v := range views {
		if err == nil {
			_, err = conn.ExecContext(ctx, "DROP VIEW "+QuoteIdent(v))
		}
	}
	if err != nil {
		if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
			err = errors.Join(err, rbErr)
		}
		return nil, fmt.Errorf("load %s into %s.%s: %w", reqs[0].Source, reqs[0].Schema, reqs[0].Table, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("commit load of %s: %w", reqs[0].Source, err)
	}
	return loaded, nil
}

// loadAllInTx runs the loads' statements inside the caller's transaction,
// with as few statements as it can: the cost of a load of thirty rows is
// the statements, not the rows.
func loadAllInTx(ctx context.Context, conn txConn, reqs []LoadRequest, views []string, counted []*countingReader) ([]int64, error) {
	first := reqs[0]
	target := QuoteTable(first.Schema, first.Table)
	run := func(q string, args ...any) error {
		_, err := conn.ExecContext(ctx, q, args...)
		return err
	}
	if err := run("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(first.Schema)); err != nil {
		return nil, err
	}
	exists, err := tableExistsOn(ctx, conn, first.Schema, first.Table)
	if err != nil {
		return nil, err
	}
	selectOf := func(i int) string {
		return fmt.Sprintf("SELECT %s, %s AS %s FROM %s", selectList(reqs[i]), QuoteString(reqs[i].LoadID), QuoteIdent(LoadColumn), QuoteIdent(views[i]))
	}
	var before *tableCursor
	if first.CursorColumn != "" && exists && onlyAdds(reqs) {
		if before, err = readTableCursor(ctx, conn, target, first.CursorColumn); err != nil {
			return nil, fmt.Errorf("cursor %s: %w", first.CursorColumn, err)
		}
	}
	if err := deleteReplacedFiles(ctx, conn, reqs, target, exists); err != nil {
		return nil, err
	}
	i := 0
	if first.Mode == ModeReplace || !exists {
		if err := run("CREATE OR REPLACE TABLE " + target + " AS " + selectOf(0)); err != nil {
			return nil, err
		}
		i = 1
	}
	var appends []string
	for ; i < len(reqs); i++ {
		if reqs[i].Mode != ModeMerge {
			appends = append(appends, selectOf(i))
			continue
		}
		// The stream can be read once: stage it, then delete and insert.
		stage := QuoteIdent(views[i] + "_stage")
		if err := run("CREATE TEMP TABLE " + stage + " AS " + selectOf(i)); err != nil {
			return nil, err
		}
		keys := make([]string, len(reqs[i].Key))
		for k, name := range reqs[i].Key {
			keys[k] = QuoteIdent(name)
		}
		keyList := strings.Join(keys, ", ")
		if err := run(fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT (%s) FROM %s)", target, keyList, keyList, stage)); err != nil {
			return nil, err
		}
		if err := run("INSERT INTO " + target + " BY NAME SELECT * FROM " + stage + "; DROP TABLE " + stage); err != nil {
			return nil, err
		}
	}
	if len(appends) > 0 {
		if err := run("INSERT INTO " + target + " BY NAME " + strings.Join(appends, " UNION ALL BY NAME ")); err != nil {
			return nil, err
		}
	}
	loaded := make([]int64, len(reqs))
	for i := range reqs {
		// DuckDB read every batch of the stream, and the statement
		// succeeded: every row it read is in the table.
		loaded[i] = counted[i].rows.Load()
	}
	var cursor *sql.NullString
	if before != nil {
		if cursor, err = before.withAdded(ctx, conn, target); err != nil {
			return nil, fmt.Errorf("cursor %s: %w", first.CursorColumn, err)
		}
	}
	if err := recordLoads(ctx, conn, reqs, loaded, target, first.Mode == ModeReplace || !exists, cursor); err != nil {
		return nil, err
	}
	return loaded, nil
}

// tableCursor is a table's newest cursor value before a load that only adds
// rows to it, read so that the load's cursor costs a look at its own rows:
// max() over the table once the rows are in scanned all of them (at scale
// 100, 39M timestamps for September's 4.3M: 0.4 s at the end of a month's
// update), where before them DuckDB reads it from the column's statistics.
type tableCursor struct {
	column string
	rows   int64 // the table's rows before the load
	max    any
	text   sql.NullString
}

// onlyAdds reports whether the loads add rows without removing any.
func onlyAdds(reqs []LoadRequest) bool {
	for _, r := range reqs {
		if r.Mode != ModeAppend || len(r.ReplaceFiles) > 0 {
			return false
		}
	}
	return true
}

func readTableCursor(ctx context.Context, conn txConn, target, column string) (*tableCursor, error) {
	c := &tableCursor{column: column}
	col := QuoteIdent(column)
	err := conn.QueryRowContext(ctx, "SELECT max("+col+"), max("+col+")::VARCHAR, count(*) FROM "+target).Scan(&c.max, &c.text, &c.rows)
	return c, err
}

// withAdded is the table's newest cursor value with the load's rows in:
// the newer of the one before and the newest of the rows added, which a
// load appends after the rows there were (their row ids are past them).
func (c *tableCursor) withAdded(ctx context.Context, conn txConn, target string) (*sql.NullString, error) {
	col := QuoteIdent(c.column)
	var added any
	var text sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT max("+col+"), max("+col+")::VARCHAR FROM "+target+" WHERE rowid >= ?", c.rows).Scan(&added, &text); err != nil {
		return nil, err
	}
	if !text.Valid || c.text.Valid && !cursorLater(added, c.max) {
		return &c.text, nil
	}
	return &text, nil
}

// cursorLater reports whether cursor value a is past b, both as the driver
// gives a column's values: time.Time for dates and timestamps, int64 for
// integers.
func cursorLater(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.After(y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return x > y
		}
	}
	return fmt.Sprint(a) > fmt.Sprint(b)
}

// countingReader counts the rows DuckDB reads from a stream: a load adds
// exactly those, so there is no need to count them in the table afterwards
// (a scan of the whole table when a load appends to a large one).
type countingReader struct {
	array.RecordReader
	rows atomic.Int64
}

func (c *countingReader) Next() bool {
	if !c.RecordReader.Next() {
		return false
	}
	c.rows.Add(c.RecordReader.RecordBatch().NumRows())
	return true
}

// selectList is the stream's columns, with the load's file as the _file
// column (before _row, where the stream would have it) when the stream has
// none: a constant costs DuckDB less to read than a column of one string.
func selectList(req LoadRequest) string {
	if req.File == "" || req.Reader.Schema().HasField(FileColumn) {
		return "*" // the rows carry their own file
	}
	file := QuoteString(req.File) + " AS " + QuoteIdent(FileColumn)
	var cols []string
	for _, f := range req.Reader.Schema().Fields() {
		if f.Name == RowColumn {
			cols = append(cols, file)
			file = ""
		}
		cols = append(cols, QuoteIdent(f.Name))
	}
	if file != "" {
		cols = append(cols, file)
	}
	return strings.Join(cols, ", ")
}
