package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// The warehouse runs SQL that users wrote (models, data tests, panels,
// `jixiao query`), so every database it opens is sandboxed: DuckDB may touch
// its own file and nothing else, unless Options names a folder to read, a
// file to write or (for an export) a folder to write, and the configuration
// is locked so no statement can undo that. The settings are global to the
// DuckDB instance, so they hold for every connection of the pool.

// sandbox applies the settings; it runs once, right after the database opens.
func sandbox(ctx context.Context, db *sql.DB, opts Options) error {
	var stmts []string
	// DuckDB has one list of folders, for reading and writing alike.
	if allowed := append(append([]string(nil), opts.ReadDirs...), opts.WriteDirs...); len(allowed) > 0 {
		dirs := make([]string, 0, len(allowed))
		for _, d := range allowed {
			abs, err := filepath.Abs(d)
			if err != nil {
				return fmt.Errorf("sandbox: folder %s: %w", d, err)
			}
			dirs = append(dirs, QuoteString(strings.TrimSuffix(abs, string(os.PathSeparator))+string(os.PathSeparator)))
		}
		stmts = append(stmts, "SET GLOBAL allowed_directories = ["+strings.Join(dirs, ", ")+"]")
	}
	if len(opts.WriteFiles) > 0 {
		files := make([]string, 0, len(opts.WriteFiles))
		for _, f := range opts.WriteFiles {
			abs, err := filepath.Abs(f)
			if err != nil {
				return fmt.Errorf("sandbox: file %s: %w", f, err)
			}
			files = append(files, QuoteString(abs))
		}
		stmts = append(stmts, "SET GLOBAL allowed_paths = ["+strings.Join(files, ", ")+"]")
	}
	stmts = append(stmts,
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL lock_configuration = true")
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sandbox (%s): %w", s, err)
		}
	}
	return nil
}

// RefusedError is a statement the sandbox refused: it reached for a file
// outside the warehouse, the network or an extension, tried to change a
// setting, or tried to write through a read-only connection.
type RefusedError struct {
	// Reason says in Chinese what was refused and what to do instead.
	Reason string
	Err    error
}

func (e *RefusedError) Error() string {
	if e.Err == nil { // refused by jixiao itself: no engine's words to add
		return e.Reason
	}
	return e.Reason + "\n（" + engineOf(e.Err) + "：" + FirstLine(e.Err) + "）"
}

func (e *RefusedError) Unwrap() error { return e.Err }

var (
	refusedFile  = regexp.MustCompile(`Cannot access (?:file|directory) "([^"]*)" - file system operations are disabled`)
	refusedSet   = regexp.MustCompile(`Cannot change configuration option "([^"]*)" - the configuration has been locked`)
	refusedWrite = regexp.MustCompile(`Cannot execute statement of type "([^"]*)".*read-only mode`)
	// PostgreSQL's words when a read-only transaction is asked to write.
	refusedPGWrite = regexp.MustCompile(`cannot execute (\w+(?: \w+)?) in a read-only transaction`)
)

// Explain turns DuckDB's refusals into a RefusedError with a Chinese reason,
// and its common errors about the SQL itself (see engine_errors.go) into an
// EngineError; any other error is returned as it is. Every place that runs
// a user's SQL calls it.
func Explain(err error) error {
	if err == nil {
		return nil
	}
	var already *RefusedError
	if errors.As(err, &already) {
		return err
	}
	msg := err.Error()
	switch {
	case refusedFile.MatchString(msg):
		target := refusedFile.FindStringSubmatch(msg)[1]
		if strings.Contains(target, ".duckdb"+string(os.PathSeparator)+"extensions") || strings.Contains(target, "/.duckdb/extensions") {
			return &RefusedError{Reason: "已拒绝：jixiao 不安装、不加载扩展，也不联网（政务网络离线运行）", Err: err}
		}
		return &RefusedError{Reason: fmt.Sprintf("已拒绝：SQL 不能读写仓库以外的文件（%s）；查询只读仓库中的表，导出请用 jixiao export", target), Err: err}
	case refusedSet.MatchString(msg):
		return &RefusedError{Reason: fmt.Sprintf("已拒绝：不能修改数据库设置 %s（设置已锁定，请在 jixiao.yaml 中配置）", refusedSet.FindStringSubmatch(msg)[1]), Err: err}
	case refusedWrite.MatchString(msg):
		return &RefusedError{Reason: fmt.Sprintf("已拒绝：只读查询不能执行 %s，不能修改仓库", refusedWrite.FindStringSubmatch(msg)[1]), Err: err}
	case refusedPGWrite.MatchString(msg):
		return &RefusedError{Reason: fmt.Sprintf("已拒绝：只读查询不能执行 %s，不能修改仓库", refusedPGWrite.FindStringSubmatch(msg)[1]), Err: err}
	}
	return explainEngine(err)
}

// onlyOneSelect is the reason given for any statement but one SELECT.
const onlyOneSelect = "已拒绝：这里只能写一条 SELECT 查询（不能有 COPY、CREATE、INSERT、SET、INSTALL 等语句）"

// RequireSelect refuses anything but exactly one SELECT (WITH, FROM-first,
// PIVOT and table functions included): SQL that users write for models,
// tests and panels runs on the writing connection, where a second
// statement after the SELECT would otherwise run too.
func (w *Warehouse) RequireSelect(ctx context.Context, query string) error {
	if _, ok := w.selects.Load(query); ok {
		return nil
	}
	var js string
	if err := w.duck().QueryRowContext(ctx, "SELECT json_serialize_sql("+QuoteString(query)+")::VARCHAR").Scan(&js); err != nil {
		return fmt.Errorf("parse SQL: %w", err)
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorMessage string `json:"error_message"`
		Statements   []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		return fmt.Errorf("read parse tree: %w", err)
	}
	notSelect := func(what string) error {
		return &RefusedError{Reason: onlyOneSelect, Err: errors.New(what)}
	}
	switch {
	case tree.Error && w.pg != nil:
		// What DuckDB cannot serialise is no plain SELECT, or no SQL it
		// reads; PostgreSQL would run it unchecked (COPY … TO PROGRAM).
		if strings.Contains(tree.ErrorMessage, "Only SELECT statements") {
			// DuckDB's "cannot serialise" would only confuse here.
			return &RefusedError{Reason: onlyOneSelect}
		}
		return pgUnparsed(tree.ErrorMessage)
	case tree.Error && strings.Contains(tree.ErrorMessage, "Only SELECT statements"):
		// Only plain SELECTs serialise. Ask the engine what the statement
		// is (PIVOT is a SELECT too); preparing one statement runs nothing.
		kind, count, err := w.statementKind(ctx, query)
		switch {
		case count > 1:
			// A PIVOT that finds its columns first is two statements too.
			return &RefusedError{Reason: "已拒绝：这里只能写一条 SELECT 查询，却有多条语句（PIVOT 请用 IN 写明列，如 ON k IN ('a', 'b')）",
				Err: errors.New("more than one statement")}
		case err != nil:
			var refused *RefusedError
			if errors.As(Explain(err), &refused) {
				return refused // the sandbox refused it already at prepare time
			}
			return nil // a binding error: DuckDB reports it with its line where the SQL runs
		case kind != duckdb.STATEMENT_TYPE_SELECT:
			return notSelect(tree.ErrorMessage)
		}
	case tree.Error:
		return nil // a syntax error: DuckDB reports it with its line where the SQL runs
	case len(tree.Statements) != 1:
		return &RefusedError{Reason: fmt.Sprintf("已拒绝：这里只能写一条 SELECT 查询，却有 %d 条语句", len(tree.Statements)),
			Err: fmt.Errorf("%d statements", len(tree.Statements))}
	case w.pg != nil:
		if err := refusePGServerFunctions(tree.Statements); err != nil {
			return err
		}
	}
	w.provenSelect(query, len(tree.Statements) == 1 && !tree.Error)
	return nil
}

// provenSelect remembers a SQL text that DuckDB's parser, asked by this
// warehouse, serialised without error as exactly one statement (only a
// SELECT serialises), and that passed the checks RequireSelect adds on
// PostgreSQL: RequireSelect, asked again, would give the same answer from
// the same text. A model's SQL is parsed once to find what it reads
// (TableRefs) and again before each build; the second parse, a query and a
// JSON decoding, is saved. Passes of any other kind (a PIVOT, a syntax
// error left for DuckDB to report where it runs) are not remembered.
func (w *Warehouse) provenSelect(query string, one bool) {
	if one {
		w.selects.Store(query, struct{}{})
	}
}

// statementKind prepares query on its own connection, without running it,
// and says what kind of statement it is, or how many it holds. duckdb-go's
// PrepareContext would run every statement but the last, so the plain
// Prepare, which refuses more than one, is called through the raw driver.
func (w *Warehouse) statementKind(ctx context.Context, query string) (kind duckdb.StmtType, count int, err error) {
	conn, err := w.duck().Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		st, err := c.Prepare(query)
		if err != nil {
			if strings.Contains(err.Error(), "multi-statement") {
				count = 2
			}
			return err
		}
		defer st.Close()
		count = 1
		kind, err = st.(*duckdb.Stmt).StatementType()
		return err
	})
	return kind, count, err
}
