package extract

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// Database reads a relational database (the roster and service records):
// a query or a table, incrementally by a cursor column, streamed in batches.
// One type serves PostgreSQL and MySQL/MariaDB; they differ in driver,
// placeholder and quoting only.
type Database struct {
	Dialect string // "postgres" or "mysql"
}

// DatabaseOptions are the postgres and mysql kinds' settings.
type DatabaseOptions struct {
	project.SourceFields `yaml:",inline"`
	// DSNEnv names the environment variable that holds the connection
	// string, so that no password is ever written in a project file.
	DSNEnv string `yaml:"dsn_env"`
	Query  string `yaml:"query"`
	Table  string `yaml:"table"`
	// Cursor is the column that grows with every change (updated_at, or an
	// id): each load reads only rows past the last one loaded.
	Cursor    string `yaml:"cursor"`
	BatchSize int    `yaml:"batch_size"`
	// Timeout bounds the whole extraction, as a Go duration (default 30m).
	Timeout string `yaml:"timeout"`
}

// Name implements Kind.
func (d Database) Name() string { return d.Dialect }

var tableNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

func decodeDatabaseOptions(src *project.Source, diags *diag.List) DatabaseOptions {
	var o DatabaseOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	if o.BatchSize == 0 {
		o.BatchSize = 50_000
	}
	if o.Timeout == "" {
		o.Timeout = "30m"
	}
	return o
}

// Validate implements Kind.
func (d Database) Validate(src *project.Source, diags *diag.List) {
	o := decodeDatabaseOptions(src, diags)
	at := func(key string) diag.Pos { return yamlx.At(src.File, yamlx.MappingValue(src.Node, key)) }
	if o.DSNEnv == "" {
		diags.Errorf(src.Pos, "dsn_env is required: the name of the environment variable that holds the connection string")
	}
	switch {
	case o.Query == "" && o.Table == "":
		diags.Errorf(src.Pos, "give query or table")
	case o.Query != "" && o.Table != "":
		diags.Errorf(at("table"), "give query or table, not both")
	case o.Table != "" && !tableNameRe.MatchString(o.Table):
		diags.Errorf(at("table"), "table %q must be a name or schema.name", o.Table)
	}
	if o.Cursor != "" {
		col := src.Column(o.Cursor)
		switch {
		case col == nil:
			diags.Errorf(at("cursor"), "cursor %q is not among the declared columns", o.Cursor)
		case col.Type != "integer" && col.Type != "timestamp" && col.Type != "date":
			diags.Errorf(at("cursor"), "cursor %s must be an integer, date or timestamp column, not %s", o.Cursor, col.Type)
		}
		if src.Load == project.LoadReplace {
			diags.Errorf(at("cursor"), "a cursor reads only new rows: use load: append or load: merge with it, not replace")
		}
	}
	if o.BatchSize < 1 {
		diags.Errorf(at("batch_size"), "batch_size must be positive")
	}
	if _, err := time.ParseDuration(o.Timeout); err != nil {
		diags.Errorf(at("timeout"), "timeout %q is not a duration such as 30s or 10m", o.Timeout)
	}
}

func (d Database) quote(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if d.Dialect == "mysql" {
			parts[i] = "`" + strings.ReplaceAll(p, "`", "``") + "`"
		} else {
			parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
		}
	}
	return strings.Join(parts, ".")
}

func (d Database) open(dsn string) (*sql.DB, error) {
	if d.Dialect == "mysql" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, err
		}
		// Dates must arrive as time.Time, in UTC, for the cursor to compare.
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		return sql.Open("mysql", cfg.FormatDSN())
	}
	return sql.Open("pgx", dsn)
}

// Extract implements Kind.
func (d Database) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeDatabaseOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	dsn := ""
	if env.Getenv != nil {
		dsn = env.Getenv(o.DSNEnv)
	}
	if dsn == "" {
		return nil, fmt.Errorf("%s: environment variable %s is not set: it must hold the %s connection string", src.File, o.DSNEnv, d.Dialect)
	}
	timeout, _ := time.ParseDuration(o.Timeout)
	db, err := d.open(dsn)
	if err != nil {
		// The DSN may hold a password: never print it.
		return nil, fmt.Errorf("%s: the connection string in %s is not valid for %s", src.File, o.DSNEnv, d.Dialect)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	if err := db.PingContext(ctx); err != nil {
		cancel()
		db.Close()
		return nil, fmt.Errorf("%s: connect to %s (connection string from %s): %w", src.File, d.Dialect, o.DSNEnv, err)
	}

	base := o.Query
	if o.Table != "" {
		base = "SELECT * FROM " + d.quote(o.Table)
	}
	query := base
	var args []any
	location := o.Table
	if location == "" {
		location = "query"
	}
	if o.Cursor != "" {
		col := src.Column(o.Cursor)
		query = "SELECT * FROM (" + base + ") jixiao_src"
		if state.Cursor != "" {
			v, err := parseCursor(col.Type, state.Cursor)
			if err != nil {
				cancel()
				db.Close()
				return nil, fmt.Errorf("%s: stored cursor %q: %w", src.File, state.Cursor, err)
			}
			placeholder := "$1"
			if d.Dialect == "mysql" {
				placeholder = "?"
			}
			query += " WHERE " + d.quote(o.Cursor) + " > " + placeholder
			args = append(args, v)
			location += " " + o.Cursor + " > " + state.Cursor
		}
		query += " ORDER BY " + d.quote(o.Cursor)
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		cancel()
		db.Close()
		return nil, fmt.Errorf("%s: query %s: %w", src.File, d.Dialect, err)
	}
	names, err := rows.Columns()
	if err != nil {
		rows.Close()
		cancel()
		db.Close()
		return nil, err
	}
	var warnings diag.List
	at := diag.Pos{File: src.File}
	tb, err := newTableBuilder(src, env.rowRules(), names, at, &warnings, nil, location)
	if err != nil {
		rows.Close()
		cancel()
		db.Close()
		return nil, fmt.Errorf("the %s result of %s: %w", d.Dialect, src.File, err)
	}
	sr := &rowStream{tb: tb, rows: rows, batch: o.BatchSize, cursorIdx: -1, cursor: state.Cursor, location: location,
		closeAll: func() { rows.Close(); cancel(); db.Close() }}
	if o.Cursor != "" {
		sr.cursorIdx = src.ColumnIndex(o.Cursor)
	}
	sr.refs = 1
	// Read the first batch now: with nothing new there is no load to make.
	if !sr.Next() {
		err := sr.Err()
		sr.Release()
		if err != nil {
			return nil, err
		}
		return &Result{Skipped: []string{"no new rows" + cursorNote(state.Cursor)}, Warnings: warnings}, nil
	}
	sr.pushBack = true
	load := Load{Location: location, File: location, Reader: sr, stats: sr.stats}
	return &Result{Loads: []Load{load}, Warnings: warnings}, nil
}

func cursorNote(c string) string {
	if c == "" {
		return ""
	}
	return " since " + c
}

func parseCursor(typ, s string) (any, error) {
	switch typ {
	case "integer":
		return strconv.ParseInt(s, 10, 64)
	default:
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err
	}
}

// cursorAfter reports whether cursor value a is past b (both typed alike:
// time.Time or int64).
func cursorAfter(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return !ok || x.After(y)
	case int64:
		y, ok := b.(int64)
		return !ok || x > y
	}
	return fmt.Sprint(a) > fmt.Sprint(b)
}

func formatCursor(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(t, 10)
	}
	return fmt.Sprint(v)
}

// rowStream is an array.RecordReader over database rows: DuckDB pulls
// batches from it while the database sends them, so a large table is never
// held in memory whole.
type rowStream struct {
	tb        *tableBuilder
	rows      *sql.Rows
	batch     int
	refs      int64
	cur       arrow.RecordBatch
	err       error
	done      bool
	pushBack  bool
	cursorIdx int
	cursor    string
	location  string
	rowsRead  int64
	rejected  []Rejection
	closeAll  func()
	scanVals  []any
	scanPtrs  []any
}

func (s *rowStream) Retain() { s.refs++ }

func (s *rowStream) Release() {
	s.refs--
	if s.refs > 0 {
		return
	}
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	s.finish()
}

func (s *rowStream) finish() {
	if s.closeAll != nil {
		s.closeAll()
		s.closeAll = nil
	}
	if s.tb != nil && s.tb.builder != nil {
		s.tb.builder.Release()
		s.tb.builder = nil
	}
}

func (s *rowStream) Schema() *arrow.Schema          { return s.tb.schema }
func (s *rowStream) Record() arrow.RecordBatch      { return s.cur }
func (s *rowStream) RecordBatch() arrow.RecordBatch { return s.cur }
func (s *rowStream) Err() error                     { return s.err }

func (s *rowStream) Next() bool {
	if s.pushBack {
		// The first batch was read ahead by Extract.
		s.pushBack = false
		return s.cur != nil
	}
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.done || s.err != nil {
		return false
	}
	if s.scanVals == nil {
		n := len(s.tb.header)
		s.scanVals = make([]any, n)
		s.scanPtrs = make([]any, n)
		for i := range s.scanVals {
			s.scanPtrs[i] = &s.scanVals[i]
		}
	}
	count := 0
	for count < s.batch {
		if !s.rows.Next() {
			s.done = true
			if err := s.rows.Err(); err != nil {
				s.err = fmt.Errorf("read %s: %w", s.location, err)
				return false
			}
			break
		}
		if err := s.rows.Scan(s.scanPtrs...); err != nil {
			s.err = fmt.Errorf("read %s row %d: %w", s.location, s.rowsRead+1, err)
			return false
		}
		s.rowsRead++
		pos := diag.Pos{File: s.location, Row: int(s.rowsRead)}
		if rej := s.tb.AddValues(s.scanVals, pos); len(rej) > 0 {
			s.rejected = append(s.rejected, rej...)
		} else {
			count++
		}
		if s.cursorIdx >= 0 {
			if v := s.tb.cellValue(s.cursorIdx); v != nil {
				s.cursor = formatCursor(v)
			}
		}
	}
	if count == 0 {
		return false
	}
	s.cur = s.tb.builder.NewRecordBatch()
	s.tb.pending = 0
	return true
}

func (s *rowStream) stats() LoadStats {
	return LoadStats{RowsRead: s.rowsRead, Rejected: s.rejected, Cursor: s.cursor}
}
