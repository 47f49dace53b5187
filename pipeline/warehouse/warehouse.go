// Package warehouse is the only package that talks to DuckDB: it opens the
// warehouse file offline, ingests Arrow record batches, replaces models
// atomically, parses SQL for table references and keeps the run history in
// the meta schema.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// Warehouse is an open DuckDB database, or a PostgreSQL one (pg set).
type Warehouse struct {
	db       *sql.DB
	path     string
	readOnly bool
	onClose  func()
	pg       *pgState
	// exportOpts are, on PostgreSQL, the settings of the in-memory DuckDB
	// that writes a Parquet export: what it may write, its memory, threads.
	exportOpts Options
	// selects holds the SQL texts RequireSelect passes without asking
	// DuckDB's parser again (see provenSelect).
	selects sync.Map
	// trees holds DuckDB's parse tree of each SQL text parseTree read.
	trees sync.Map
	// forget serializes ForgetPartitionInputs.
	forget sync.Mutex
	// refs is what the parser said before of the SQL texts TableRefs reads
	// (meta.sql_refs), for a binary that names its code (Options.SQLRefsStamp).
	refs sqlRefs
}

// Options say how to open the warehouse.
type Options struct {
	// ReadOnly opens without write access, so that queries cannot change data.
	ReadOnly bool
	// Threads bounds DuckDB's worker threads; 0 keeps DuckDB's default.
	Threads int
	// MemoryLimit caps DuckDB's memory ("2GB"); empty is
	// DefaultMemoryLimit, a share of the machine's, not DuckDB's 80%.
	MemoryLimit string
	// ReadDirs are the folders whose files SQL may read (a model reading the
	// project's own files). DuckDB resolves relative paths in SQL against
	// the working folder. Outside them, SQL reaches no file but the
	// warehouse itself.
	ReadDirs []string
	// WriteFiles are the only files SQL may write (an export's output).
	WriteFiles []string
	// WriteDirs are folders SQL may write anything into (and read): the
	// fresh folder of an export of every table, which DuckDB fills with
	// partition folders and files it names itself. Only the export sets it;
	// queries, models, tests and panels never do.
	WriteDirs []string
	// OnClose runs after the database is closed: a reader gives up its
	// hold on the file (package lock) there.
	OnClose func()
	// SQLRefsStamp names the code that reads tables out of SQL (the binary's
	// version, one commit): TableRefs then keeps what it found of each SQL
	// text in meta.sql_refs under it, and later processes of the same
	// binary read it there instead of asking the parser. Empty (a dev or
	// modified build, whose code its name does not fix) keeps nothing.
	SQLRefsStamp string
	// Postgres, when set, opens a PostgreSQL warehouse instead of the
	// DuckDB file at path (path then only names it in messages). ReadDirs
	// does not apply: PostgreSQL reads no files for SQL it is given.
	// MemoryLimit, Threads, WriteFiles and WriteDirs bound the in-memory
	// DuckDB that writes a Parquet export of its tables.
	Postgres *Postgres
}

// Open opens (creating if needed) the warehouse at path; ":memory:" or ""
// opens a throwaway in-memory database. Extensions are never installed or
// loaded automatically, so nothing ever reaches for the network, and SQL
// reaches no file outside the warehouse but those opts allow (see sandbox).
func Open(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	if opts.Postgres != nil {
		w, err := openPostgres(ctx, path, opts)
		if err == nil {
			w.exportOpts = Options{Threads: opts.Threads, MemoryLimit: opts.MemoryLimit, WriteFiles: opts.WriteFiles, WriteDirs: opts.WriteDirs}
		}
		return w, err
	}
	dsnPath := path
	if path == "" || path == ":memory:" {
		dsnPath = ""
	} else if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("open warehouse %s: %w", path, err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w (run `jixiao run` first to build it)", path, err)
	}
	db, err := openDuckDB(ctx, dsnPath, opts)
	if err != nil {
		return nil, fmt.Errorf("open warehouse %s: %w", displayPath(path), explainOpenError(err))
	}
	w := &Warehouse{db: db, path: path, readOnly: opts.ReadOnly, onClose: opts.OnClose, refs: sqlRefs{stamp: opts.SQLRefsStamp}}
	if !opts.ReadOnly {
		if err := w.migrate(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open warehouse %s: %w", displayPath(path), err)
		}
	}
	return w, nil
}

// openDuckDB opens the DuckDB database at dsnPath ("": in memory) with
// opts' access mode, threads and memory, offline and sandboxed.
func openDuckDB(ctx context.Context, dsnPath string, opts Options) (*sql.DB, error) {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if opts.ReadOnly {
		q.Set("access_mode", "READ_ONLY")
	}
	if opts.Threads > 0 {
		q.Set("threads", fmt.Sprint(opts.Threads))
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = DefaultMemoryLimit()
	}
	if opts.MemoryLimit != "" {
		q.Set("memory_limit", opts.MemoryLimit)
	}
	connector, err := duckdb.NewConnector(dsnPath+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	if err := sandbox(ctx, db, opts); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func displayPath(p string) string {
	if p == "" {
		return ":memory:"
	}
	return p
}

// explainOpenError turns DuckDB's lock conflict, a damaged warehouse file
// and a full disk into messages an operator can act on.
func explainOpenError(err error) error {
	if strings.Contains(err.Error(), "Could not set lock on file") || strings.Contains(err.Error(), "Conflicting lock") {
		return &BusyError{Err: err}
	}
	return ExplainStorage(err)
}

// Close closes the database, checkpointing it.
func (w *Warehouse) Close() error {
	if w == nil || w.db == nil {
		return nil
	}
	if w.pg != nil && w.pg.writer != nil {
		// Unlocked before the connection goes: the server ends a closed
		// session a moment later, and a writer opening right after this
		// one (the next scheduled run) found the lock still held.
		var released bool
		_ = w.pg.writer.QueryRowContext(context.Background(), `SELECT pg_advisory_unlock(hashtext('jixiao writer ' || ?))`, w.pg.prefix).Scan(&released)
		w.pg.writer.Close()
	}
	err := w.db.Close()
	if w.pg != nil {
		if w.pg.reader != w.db {
			err = errors.Join(err, w.pg.reader.Close())
		}
		err = errors.Join(err, w.pg.parser.Close())
	}
	if w.onClose != nil {
		w.onClose()
		w.onClose = nil
	}
	return err
}

// Path is where the warehouse file is.
func (w *Warehouse) Path() string { return w.path }

// Exec runs statements that return no rows.
func (w *Warehouse) Exec(ctx context.Context, query string, args ...any) error {
	_, err := w.db.ExecContext(ctx, query, args...)
	return err
}

// QuoteIdent quotes a name for DuckDB SQL.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteTable quotes schema.name.
func QuoteTable(schema, name string) string {
	return QuoteIdent(schema) + "." + QuoteIdent(name)
}

// QuoteString writes a SQL string literal.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// withTx runs fn on one dedicated connection inside an explicit
// transaction; fn's error, or a failed commit, rolls everything back.
func (w *Warehouse) withTx(ctx context.Context, fn func(conn txConn) error) (err error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			// Rollback on a fresh context: the caller's may be cancelled.
			if _, rbErr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil && !strings.Contains(rbErr.Error(), "no transaction") {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	if err = fn(conn); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// kindOf is what TableKind and TableKinds say of a table or a view.
const kindOf = `CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END`

// TableKind reports whether schema.name exists as a table or view, and which.
func (w *Warehouse) TableKind(ctx context.Context, schema, name string) (string, error) {
	var kind string
	err := w.db.QueryRowContext(ctx,
		`SELECT `+kindOf+` FROM information_schema.tables WHERE table_schema = ? AND table_name = ?`,
		w.schema(schema), name).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return kind, err
}

// TableKinds lists the tables and views of a schema: each name's kind, as
// TableKind says it, one catalog query for all of them.
func (w *Warehouse) TableKinds(ctx context.Context, schema string) (map[string]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT table_name, `+kindOf+` FROM information_schema.tables WHERE table_schema = ?`, w.schema(schema))
	if err != nil {
		return nil, fmt.Errorf("tables of %s: %w", schema, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return nil, err
		}
		out[name] = kind
	}
	return out, rows.Err()
}

// TableRows returns DuckDB's estimate of each table's rows (schema.name,
// lower case; views have none); deleted rows may count until the next
// checkpoint. On PostgreSQL it returns nothing: the server plans each
// query's memory.
func (w *Warehouse) TableRows(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	if w.pg != nil {
		return out, nil
	}
	rows, err := w.db.QueryContext(ctx, `SELECT lower(schema_name || '.' || table_name), estimated_size FROM duckdb_tables() WHERE NOT temporary`)
	if err != nil {
		return nil, fmt.Errorf("table sizes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Columns lists the columns of schema.name in order with their DuckDB types.
func (w *Warehouse) Columns(ctx context.Context, schema, name string) ([]Column, error) {
	if w.pg == nil {
		// pragma_table_info binds the one table (0.24 ms); the information
		// schema lists every column of every table first (2 ms), and a run
		// asks for some fifty (the sources' raw tables, the guide's models).
		// It fails for a table that does not exist, which the information
		// schema answers with no columns: any error asks it instead.
		if cols, err := w.scanColumns(ctx, `SELECT name, type FROM pragma_table_info(?)`, QuoteTable(schema, name)); err == nil {
			return cols, nil
		}
	}
	query := `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position`
	if w.pg != nil {
		// information_schema says ARRAY and numeric without their element
		// and precision; format_type says them, and pgTypeName puts them
		// in DuckDB's words.
		query = `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
			JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
	}
	cols, err := w.scanColumns(ctx, query, w.schema(schema), name)
	if err != nil {
		return nil, fmt.Errorf("columns of %s.%s: %w", schema, name, err)
	}
	return cols, nil
}

// scanColumns runs query, whose rows are a column's name and type.
func (w *Warehouse) scanColumns(ctx context.Context, query string, args ...any) ([]Column, error) {
	rows, err := w.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		if w.pg != nil {
			c.Type = pgTypeName(c.Type)
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// Column is a column name and its DuckDB type.
type Column struct {
	Name string
	Type string
}

// txConn is the connection a transaction body runs on.
type txConn = *sql.Conn

// BusyError means another process (a run, the scheduler) has the warehouse
// open for writing: DuckDB lets one process write a file and no other read it
// meanwhile.
type BusyError struct{ Err error }

func (e *BusyError) Error() string {
	return "仓库正在写入（另一个 jixiao 进程正在运行或定时任务正在执行），请在它结束后再试"
}

func (e *BusyError) Unwrap() error { return e.Err }
