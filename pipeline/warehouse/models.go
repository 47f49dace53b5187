package warehouse

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// BuildRequest describes one model build.
type BuildRequest struct {
	Schema string
	Name   string
	// SQL is one SELECT statement.
	SQL string
	// View builds a view instead of a table.
	View bool
	// Existing is what schema.name is as the build starts ("table", "view",
	// or "" for nothing) when Listed: a build stage lists its schemas once
	// (TableKinds) instead of asking the catalog before every model. Not
	// Listed, the build looks it up.
	Existing string
	Listed   bool
	// Record, when set, is the build's row of meta.model_builds, written in
	// the build's own transaction: a model and its record commit together,
	// and a commit is saved. The build fills in its Rows, Duration (until
	// the commit) and Status. A failed build writes nothing: its caller
	// records the failure (RecordModelBuild).
	Record *ModelBuildRecord
}

// recordBuild writes the build's record, if any, unless it rebuilt nothing
// (no input row changed: the table stands as built before).
func (req PartitionedRequest) recordBuild(ctx context.Context, tx txConn, out *PartitionBuild) error {
	if out.Unchanged() && !req.View {
		return nil
	}
	return req.record(ctx, tx, out.Rows)
}

// existing is what req's object is now: as listed, or asked.
func (w *Warehouse) existing(ctx context.Context, req BuildRequest) (string, error) {
	if req.Listed {
		return req.Existing, nil
	}
	return w.TableKind(ctx, req.Schema, req.Name)
}

// record writes req.Record, if any, for a successful build of rows rows
// (-1: a view), inside the build's transaction tx.
func (req BuildRequest) record(ctx context.Context, tx txConn, rows int64) error {
	if req.Record == nil {
		return nil
	}
	req.Record.Rows, req.Record.Status = rows, StatusSuccess
	req.Record.Duration = time.Since(req.Record.StartedAt)
	return insertModelBuild(ctx, tx, *req.Record)
}

// BuildModel replaces schema.name with the result of req.SQL atomically: in
// one transaction the new object is built and swapped in, so a failed build
// leaves the previous version whole and no reader sees half a model. It
// returns the number of rows of a table (-1 for a view).
func (w *Warehouse) BuildModel(ctx context.Context, req BuildRequest) (int64, error) {
	target := QuoteTable(req.Schema, req.Name)
	if err := w.RequireSelect(ctx, req.SQL); err != nil {
		return 0, err
	}
	if w.pg != nil {
		return w.buildModelPostgres(ctx, req)
	}
	existing, err := w.existing(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("look up %s.%s: %w", req.Schema, req.Name, err)
	}
	rows := int64(-1)
	err = w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+QuoteIdent(req.Schema)); err != nil {
			return err
		}
		// A model may switch between view and table: drop the other kind
		// inside the same transaction.
		if req.View && existing == "table" {
			if _, err := tx.ExecContext(ctx, "DROP TABLE "+target); err != nil {
				return err
			}
		}
		if !req.View && existing == "view" {
			if _, err := tx.ExecContext(ctx, "DROP VIEW "+target); err != nil {
				return err
			}
		}
		if req.View {
			if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE VIEW "+target+" AS\n"+req.SQL+"\n"); err != nil {
				return err
			}
			return req.record(ctx, tx, rows)
		}
		// DuckDB answers CREATE TABLE AS with the rows it wrote.
		if err := tx.QueryRowContext(ctx, "CREATE OR REPLACE TABLE "+target+" AS\n"+req.SQL+"\n").Scan(&rows); err != nil {
			return err
		}
		return req.record(ctx, tx, rows)
	})
	if err != nil {
		return 0, Explain(err)
	}
	return rows, nil
}

// DropModel removes schema.name if it exists (a model file was deleted).
func (w *Warehouse) DropModel(ctx context.Context, schema, name string) error {
	kind, err := w.TableKind(ctx, schema, name)
	if err != nil || kind == "" {
		return err
	}
	// PostgreSQL drops the views that read it too (DuckDB leaves them to
	// fail when read); the run rebuilds or drops those models as well.
	return w.Exec(ctx, "DROP "+strings.ToUpper(kind)+" "+QuoteTable(schema, name)+w.dialect("", " CASCADE"))
}

// TableRef is a table a query reads, with the byte offset where it is named.
type TableRef struct {
	Schema string
	Name   string
	Offset int
}

// ParseError is DuckDB's parser error for a SQL text, with the line it names.
type ParseError struct {
	Line    int
	Message string
}

func (e *ParseError) Error() string { return e.Message }

// TableRefs asks DuckDB's own parser which tables a SELECT reads, so that no
// SQL parser of ours can disagree with the engine. References to the
// query's CTEs are left out; table functions are not table references.
func (w *Warehouse) TableRefs(ctx context.Context, query string) ([]TableRef, error) {
	if refs, ok := w.refs.known(ctx, w, query); ok {
		// Found by this binary's parser before: one SELECT on DuckDB.
		w.provenSelect(query, w.pg == nil)
		return refs, nil
	}
	refs, err := w.parseTableRefs(ctx, query)
	if err == nil {
		w.refs.found(query, refs)
	}
	return refs, err
}

// parseTableRefs is TableRefs asked of DuckDB's parser.
func (w *Warehouse) parseTableRefs(ctx context.Context, query string) ([]TableRef, error) {
	root, err := w.parseTree(ctx, query)
	if err != nil {
		return nil, err
	}
	if failed, _ := root["error"].(bool); failed {
		msg, _ := root["error_message"].(string)
		if msg == "" {
			msg = "not a single SELECT statement"
		}
		if strings.Contains(msg, "Only SELECT statements can be serialized") {
			msg = "a model must be one SELECT statement (no CREATE, INSERT or other statements)"
		}
		line := lineOfDuckDBError(msg)
		// The parser gives a byte position instead of a LINE n: marker.
		if posText, ok := root["position"].(string); ok && line == 0 {
			if pos, err := strconv.Atoi(posText); err == nil && pos <= len(query) {
				line = strings.Count(query[:pos], "\n") + 1
			}
		}
		return nil, &ParseError{Line: line, Message: cleanDuckDBMessage(msg)}
	}
	if stmts, _ := root["statements"].([]any); len(stmts) != 1 {
		return nil, &ParseError{Message: fmt.Sprintf("a model must be exactly one SELECT statement, found %d", len(stmts))}
	}
	// What RequireSelect proves of a text on DuckDB, this has just proved;
	// on PostgreSQL it checks more.
	w.provenSelect(query, w.pg == nil)
	ctes := map[string]bool{}
	var refs []TableRef
	walkJSON(root, func(obj map[string]any) {
		if m, ok := obj["cte_map"].(map[string]any); ok {
			if entries, ok := m["map"].([]any); ok {
				for _, e := range entries {
					if em, ok := e.(map[string]any); ok {
						if k, ok := em["key"].(string); ok {
							ctes[strings.ToLower(k)] = true
						}
					}
				}
			}
		}
		if obj["type"] == "BASE_TABLE" {
			schema, _ := obj["schema_name"].(string)
			name, _ := obj["table_name"].(string)
			loc, _ := obj["query_location"].(float64)
			refs = append(refs, TableRef{Schema: schema, Name: name, Offset: int(loc)})
		}
	})
	// The tree is walked through maps: put the references back in the
	// order they are written.
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].Offset < refs[j].Offset })
	out := refs[:0]
	seen := map[string]bool{}
	for _, r := range refs {
		if r.Schema == "" && ctes[strings.ToLower(r.Name)] {
			continue
		}
		key := strings.ToLower(r.Schema + "." + r.Name)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, r)
	}
	return out, nil
}

func walkJSON(v any, fn func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(t)
		for _, c := range t {
			walkJSON(c, fn)
		}
	case []any:
		for _, c := range t {
			walkJSON(c, fn)
		}
	}
}

var lineRe = regexp.MustCompile(`LINE (\d+):`)

// lineOfDuckDBError finds the "LINE n:" DuckDB puts in parser and binder
// errors; 0 when there is none.
func lineOfDuckDBError(msg string) int {
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// LineOfError returns the SQL line an error from DuckDB names, or 0. An
// explained error (EngineError, RefusedError) shows DuckDB's first line
// only, so the errors it wraps are searched too.
func LineOfError(err error) int {
	var pe *pgLineError
	if errors.As(err, &pe) {
		return pe.Line
	}
	for ; err != nil; err = errors.Unwrap(err) {
		if n := lineOfDuckDBError(err.Error()); n > 0 {
			return n
		}
	}
	return 0
}

// cleanDuckDBMessage keeps DuckDB's first line: the caret excerpt that
// follows is about the wrapped statement, not the user's file.
func cleanDuckDBMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return msg
}

// FirstLine shortens a DuckDB error to its first line for one-line reports.
// An explained error keeps its two lines, the Chinese explanation and
// DuckDB's own words, with whatever the error's wrappers put before them.
func FirstLine(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var engine *EngineError
	var refused *RefusedError
	explained := ""
	switch {
	case errors.As(err, &engine):
		explained = engine.Error()
	case errors.As(err, &refused):
		explained = refused.Error()
	}
	if i := strings.Index(msg, explained); explained != "" && i >= 0 {
		return strings.TrimSpace(msg[:i+len(explained)])
	}
	return cleanDuckDBMessage(msg)
}

// ModelLine maps the line DuckDB names in a BuildModel error back to the
// model file's own line: the model's SQL starts on the second line of the
// statement BuildModel runs.
func ModelLine(err error) int {
	n := LineOfError(err)
	if n <= 1 {
		return n
	}
	return n - 1
}
