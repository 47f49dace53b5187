package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// A warehouse is DuckDB (a file) or PostgreSQL (a database reached with a
// connection string): the same Warehouse type and methods, with the
// statements that differ chosen inside them. What stays with DuckDB on
// PostgreSQL too: parsing users' SQL (RequireSelect, TableRefs) uses
// DuckDB's parser in an in-memory DuckDB that holds no data, so the
// dependency graph is the same whichever warehouse a project uses.

// Postgres says where a PostgreSQL warehouse is.
type Postgres struct {
	// DSN is the connection string (postgres://user@host:5432/db).
	DSN string
	// SchemaPrefix is put before every schema jixiao uses (raw, meta and
	// the transforms folders), so several projects can share a database:
	// with "weihai_", model SQL's raw.progress is weihai_raw.progress.
	SchemaPrefix string
}

// Kinds of warehouse, as jixiao.yaml's warehouse.kind names them.
const (
	KindDuckDB   = "duckdb"
	KindPostgres = "postgres"
)

// pgState is what a PostgreSQL warehouse holds beside its pool.
type pgState struct {
	prefix string
	// parser is an in-memory DuckDB with no tables, for parsing only.
	parser *sql.DB
	// schemas are the names SQL qualifies tables with that get the prefix.
	schemas *schemaSet
	// reader is a pool whose every transaction is read-only: the SQL of
	// queries, panels and data tests runs there, so it cannot write even
	// through the writing warehouse of a run. It is the warehouse's own
	// pool when that is read-only.
	reader *sql.DB
	// writer holds, for a writing warehouse, the advisory lock that keeps a
	// second writer out, on another machine too; closing it lets go.
	writer *sql.Conn
}

// Kind says which engine the warehouse is: KindDuckDB or KindPostgres.
func (w *Warehouse) Kind() string {
	if w.pg != nil {
		return KindPostgres
	}
	return KindDuckDB
}

// duck is the DuckDB that parses SQL: the warehouse itself, or on
// PostgreSQL the in-memory one.
func (w *Warehouse) duck() *sql.DB {
	if w.pg != nil {
		return w.pg.parser
	}
	return w.db
}

// openPostgres connects to a PostgreSQL warehouse. A writer creates the
// schemas and runs the meta migrations; a reader's every transaction is
// read-only (default_transaction_read_only), so SQL sent through it cannot
// write whatever grants its role has.
func openPostgres(ctx context.Context, display string, opts Options) (*Warehouse, error) {
	fail := func(err error) (*Warehouse, error) {
		return nil, fmt.Errorf("打开 PostgreSQL 仓库：%w", err)
	}
	if opts.Postgres.DSN == "" {
		return fail(errors.New("没有连接串：请设置 warehouse.dsn_env 所指的环境变量"))
	}
	if p := opts.Postgres.SchemaPrefix; p != "" && !SchemaPrefixPattern.MatchString(p) {
		return fail(fmt.Errorf("schema_prefix %q: 只能由小写字母、数字和下划线组成，并以字母或下划线开头", p))
	}
	cfg, err := pgx.ParseConfig(opts.Postgres.DSN)
	if err != nil {
		return fail(fmt.Errorf("连接串无效（%s）", redactDSN(err.Error())))
	}
	// Statements are described and executed each time, never cached on the
	// connection: models replace tables under the same names, and a cached
	// plan of the old table would fail on the new one.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	// Times are stored in UTC, as on DuckDB.
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "jixiao"
	// DuckDB's functions that PostgreSQL lacks (postgres_compat.go), found
	// after pg_catalog's and before public's.
	cfg.RuntimeParams["search_path"] = compatSchema + ", public"
	if opts.ReadOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	schemas := newSchemaSet(opts.Postgres.SchemaPrefix)
	db := sql.OpenDB(&pgConnector{base: stdlib.GetConnector(*cfg), schemas: schemas})
	reader := db
	if !opts.ReadOnly {
		ro := cfg.Copy()
		ro.RuntimeParams["default_transaction_read_only"] = "on"
		reader = sql.OpenDB(&pgConnector{base: stdlib.GetConnector(*ro), schemas: schemas})
	}
	closeAll := func() {
		db.Close()
		if reader != db {
			reader.Close()
		}
	}
	if err := db.PingContext(ctx); err != nil {
		closeAll()
		return fail(fmt.Errorf("无法连接 PostgreSQL（%s:%d/%s）：%s\n%w", cfg.Host, cfg.Port, cfg.Database, connectHint(err, cfg.Database), err))
	}
	parser, err := openParser(ctx)
	if err != nil {
		closeAll()
		return fail(err)
	}
	w := &Warehouse{db: db, path: display, readOnly: opts.ReadOnly, onClose: opts.OnClose, refs: sqlRefs{stamp: opts.SQLRefsStamp},
		pg: &pgState{prefix: opts.Postgres.SchemaPrefix, parser: parser, schemas: schemas, reader: reader}}
	if err := w.learnSchemas(ctx); err != nil {
		w.Close()
		return fail(err)
	}
	if !opts.ReadOnly {
		if err := w.lockWriter(ctx); err != nil {
			w.Close()
			return nil, err
		}
		if err := w.createCompat(ctx); err != nil {
			w.Close()
			return fail(err)
		}
		if err := w.migratePostgres(ctx); err != nil {
			w.Close()
			return fail(err)
		}
	}
	return w, nil
}

// lockWriter takes the warehouse's writer lock: a session advisory lock,
// keyed by the schema prefix, held on a connection of its own until Close.
// The run lock (package lock) keeps two runs on one machine apart and lets
// the second wait; this one keeps out a run on another machine, which
// would otherwise swap the same tables at the same time.
func (w *Warehouse) lockWriter(ctx context.Context) error {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open PostgreSQL warehouse %s: %w", w.path, err)
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext('jixiao writer ' || ?))`, w.pg.prefix).Scan(&got); err != nil {
		conn.Close()
		return fmt.Errorf("open PostgreSQL warehouse %s: %w", w.path, err)
	}
	if !got {
		conn.Close()
		return &BusyError{Err: fmt.Errorf("another jixiao holds the writer lock of PostgreSQL warehouse %s (schema prefix %q)", w.path, w.pg.prefix)}
	}
	w.pg.writer = conn
	return nil
}

// SchemaPrefixPattern is what a schema_prefix may be: a lower-case name
// part, so that the schemas need no quoting in anyone's SQL.
var SchemaPrefixPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// openParser opens the in-memory DuckDB that parses SQL on PostgreSQL,
// sandboxed as every DuckDB jixiao opens: it never runs a user's SQL, but
// preparing a statement binds it.
func openParser(ctx context.Context) (*sql.DB, error) {
	connector, err := duckdb.NewConnector("?autoinstall_known_extensions=false&autoload_known_extensions=false&threads=1", nil)
	if err != nil {
		return nil, fmt.Errorf("open the SQL parser: %w", err)
	}
	db := sql.OpenDB(connector)
	if err := sandbox(ctx, db, Options{}); err != nil {
		db.Close()
		return nil, fmt.Errorf("open the SQL parser: %w", err)
	}
	return db, nil
}

var dsnPassword = regexp.MustCompile(`(password=|://[^:/@]*:)[^@\s]*`)

// redactDSN keeps a password in a connection string out of messages.
func redactDSN(s string) string { return dsnPassword.ReplaceAllString(s, "${1}***") }

// pgConnector hands out connections whose statements are written with ?
// placeholders, as DuckDB takes them, and sent to PostgreSQL with $1, $2.
type pgConnector struct {
	base    driver.Connector
	schemas *schemaSet
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("unexpected PostgreSQL driver connection %T", dc)
	}
	return &pgConn{Conn: sc, schemas: c.schemas}, nil
}

func (c *pgConnector) Driver() driver.Driver { return c.base.Driver() }

// pgConn is pgx's database/sql connection with ? placeholders rewritten
// and schemas prefixed; every other method is pgx's own.
type pgConn struct {
	*stdlib.Conn
	schemas *schemaSet
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), c.translate(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.translate(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, c.translate(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, c.translate(query), args)
}

func (c *pgConn) translate(query string) string {
	return c.schemas.prefixed(rebind(query))
}

// rebind turns ? placeholders into $1, $2, ... outside string literals,
// quoted names and comments. A statement with none is returned as it is
// (users' SQL, which numbers its parameters itself).
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := skipQuoted(query, i, c)
			b.WriteString(query[i:j])
			i = j
		case skipComment(query, i) > i:
			j := skipComment(query, i)
			b.WriteString(query[i:j])
			i = j
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// pgxConn is the pgx connection under a database/sql connection of a
// PostgreSQL warehouse, for what database/sql cannot do (COPY).
func pgxConn(ctx context.Context, conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*pgConn)
		if !ok {
			return fmt.Errorf("unexpected PostgreSQL driver connection %T", dc)
		}
		return fn(c.Conn.Conn())
	})
}

// pgTypeName turns PostgreSQL's name of a type (format_type's) into
// DuckDB's, so that callers see one vocabulary whichever the warehouse.
func pgTypeName(t string) string {
	if inner, ok := strings.CutSuffix(t, "[]"); ok {
		return pgTypeName(inner) + "[]"
	}
	switch {
	case t == "text" || strings.HasPrefix(t, "character varying") || strings.HasPrefix(t, "character") || t == "name":
		return "VARCHAR"
	case t == "bigint":
		return "BIGINT"
	case t == "integer":
		return "INTEGER"
	case t == "smallint":
		return "SMALLINT"
	case t == "double precision":
		return "DOUBLE"
	case t == "real":
		return "FLOAT"
	case t == "boolean":
		return "BOOLEAN"
	case t == "date":
		return "DATE"
	case strings.HasPrefix(t, "timestamp") && strings.HasSuffix(t, "with time zone") && !strings.Contains(t, "without"):
		return "TIMESTAMP WITH TIME ZONE"
	case strings.HasPrefix(t, "timestamp"):
		return "TIMESTAMP"
	case t == "bytea":
		return "BLOB"
	case t == "numeric":
		return "DECIMAL(38,10)"
	case strings.HasPrefix(t, "numeric("):
		return "DECIMAL" + strings.TrimPrefix(t, "numeric")
	case t == "interval":
		return "INTERVAL"
	case t == "uuid":
		return "UUID"
	case t == "json" || t == "jsonb":
		return "JSON"
	}
	return strings.ToUpper(t)
}

// pgResultType turns the type name pgx gives a result column into
// DuckDB's (Result.Types).
func pgResultType(t string) string {
	if inner, ok := strings.CutPrefix(t, "_"); ok {
		return pgResultType(inner) + "[]"
	}
	switch t {
	case "INT8":
		return "BIGINT"
	case "INT4":
		return "INTEGER"
	case "INT2":
		return "SMALLINT"
	case "FLOAT8":
		return "DOUBLE"
	case "FLOAT4":
		return "FLOAT"
	case "TEXT", "VARCHAR", "BPCHAR", "NAME":
		return "VARCHAR"
	case "NUMERIC":
		return "DECIMAL"
	case "BOOL":
		return "BOOLEAN"
	case "TIMESTAMPTZ":
		return "TIMESTAMP WITH TIME ZONE"
	case "BYTEA":
		return "BLOB"
	}
	return t
}

// pgValue turns a value pgx's database/sql driver gives as text (NUMERIC,
// arrays) into what DuckDB's driver gives: a float64, a []any.
func pgValue(v any, typ string) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	switch {
	case typ == "DECIMAL":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case strings.HasSuffix(typ, "[]"):
		if items, ok := parsePGArray(s); ok {
			out := make([]any, len(items))
			for i, it := range items {
				if it == nil {
					continue
				}
				out[i] = pgValue(*it, strings.TrimSuffix(typ, "[]"))
				if typ == "BIGINT[]" || typ == "INTEGER[]" || typ == "SMALLINT[]" {
					if n, err := strconv.ParseInt(*it, 10, 64); err == nil {
						out[i] = n
					}
				} else if typ == "DOUBLE[]" {
					if f, err := strconv.ParseFloat(*it, 64); err == nil {
						out[i] = f
					}
				}
			}
			return out
		}
	}
	return v
}

// parsePGArray reads a one-dimensional array in PostgreSQL's text form
// ({a,"b c",NULL}); nil items are NULLs.
func parsePGArray(s string) ([]*string, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	var out []*string
	if body == "" {
		return out, true
	}
	for i := 0; i <= len(body); {
		var item strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for i < len(body) && body[i] != '"' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				item.WriteByte(body[i])
				i++
			}
			i++ // the closing quote
		} else {
			for i < len(body) && body[i] != ',' {
				if body[i] == '{' {
					return nil, false // more than one dimension
				}
				item.WriteByte(body[i])
				i++
			}
		}
		v := item.String()
		if !quoted && strings.EqualFold(v, "NULL") {
			out = append(out, nil)
		} else {
			out = append(out, &v)
		}
		if i >= len(body) {
			break
		}
		i++ // the comma
	}
	return out, true
}

// schema is the name schema has in the database: with a schema_prefix on
// PostgreSQL, the prefix and the name (for lookups in the catalog; SQL
// text is translated as it is sent, see translate).
func (w *Warehouse) schema(name string) string {
	if w.pg == nil {
		return name
	}
	return w.pg.prefix + name
}

// reader is the pool users' SQL is read through: on PostgreSQL one whose
// transactions are read-only.
func (w *Warehouse) reader() *sql.DB {
	if w.pg != nil {
		return w.pg.reader
	}
	return w.db
}

// dialect picks the DuckDB or the PostgreSQL text of a statement's part.
func (w *Warehouse) dialect(duck, pg string) string {
	if w.pg != nil {
		return pg
	}
	return duck
}

// seconds is an interval expression as seconds, rounded to places.
func (w *Warehouse) seconds(interval string, places int) string {
	return w.dialect(fmt.Sprintf("round(epoch(%s), %d)", interval, places),
		fmt.Sprintf("round(extract(epoch FROM %s)::numeric, %d)::double precision", interval, places))
}

// describePostgres is Describe on PostgreSQL: the statement is prepared
// unnamed (parsed and bound, not run) on a read-only connection.
func (w *Warehouse) describePostgres(ctx context.Context, query string) ([]string, error) {
	conn, err := w.reader().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var cols []string
	err = pgxConn(ctx, conn, func(c *pgx.Conn) error {
		sd, err := c.Prepare(ctx, "", w.pg.schemas.prefixed(query))
		if err != nil {
			return err
		}
		for _, f := range sd.Fields {
			cols = append(cols, f.Name)
		}
		return nil
	})
	return cols, Explain(err)
}

// pgLineError is PostgreSQL's error about a statement with the line of
// the statement it points at: PostgreSQL gives a character position where
// DuckDB writes LINE n, and LineOfError reads either.
type pgLineError struct {
	Line int
	Err  error
}

func (e *pgLineError) Error() string { return e.Err.Error() }

func (e *pgLineError) Unwrap() error { return e.Err }

// withLine adds to a PostgreSQL error about stmt the line it points at.
func withLine(stmt string, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Position <= 0 {
		return err
	}
	runes := []rune(stmt)
	pos := min(int(pe.Position)-1, len(runes))
	return &pgLineError{Line: strings.Count(string(runes[:pos]), "\n") + 1, Err: err}
}

// engineOf names the engine whose words err holds, for the second line of
// an explained error.
func engineOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "PostgreSQL"
	}
	return "DuckDB"
}

// connectHint says in Chinese what to check when the server cannot be
// reached: the office's IT officer reads it, not pgx's words.
func connectHint(err error, database string) string {
	var pe *pgconn.PgError
	msg := err.Error()
	switch {
	case errors.As(err, &pe) && pe.Code == "3D000", strings.Contains(msg, "SQLSTATE 3D000"):
		return fmt.Sprintf("数据库 %s 不存在：请先在服务器上 CREATE DATABASE %s，并授予 jixiao 的角色 CONNECT、CREATE 权限（README：The warehouse）", database, database)
	case errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000"), strings.Contains(msg, "SQLSTATE 28P01"), strings.Contains(msg, "SQLSTATE 28000"):
		return "认证失败：请检查连接串中的用户和密码（或 ~/.pgpass、PGPASSWORD）和服务器的 pg_hba.conf；openGauss 见 README 的密码设置"
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "i/o timeout"):
		return "连不上服务器：请检查地址和端口（人大金仓默认 54321）、数据库服务是否启动、防火墙与 listen_addresses"
	}
	return "请检查连接串和服务器"
}
