package warehouse

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Only one read-only statement passes; nothing refused has run. A text
// the warehouse has parsed before, to find what it reads (TableRefs, as a
// run's graph does) or to check it, gets the same verdict: a SELECT proven
// once is not parsed again, and nothing else is taken for proven.
func TestRequireSelect(t *testing.T) {
	w := openTemp(t)
	ctx := context.Background()
	if err := w.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS a, 'x' AS k"); err != nil {
		t.Fatal(err)
	}
	for _, round := range []string{"first", "after TableRefs", "again"} {
		requireSelect(t, w, round)
	}
	for _, q := range []string{"SELECT * FROM t", "FROM t", "SELECT * FROM no_such_table"} {
		if _, ok := w.selects.Load(q); !ok {
			t.Errorf("%s: not remembered as one SELECT", q)
		}
	}
	var n int
	if err := w.db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("a refused statement ran: %d rows, %v", n, err)
	}
	if kind, _ := w.TableKind(ctx, "main", "u"); kind != "" {
		t.Error("CREATE TABLE u ran while being checked")
	}
}

func requireSelect(t *testing.T, w *Warehouse, round string) {
	ctx := context.Background()
	for _, c := range []struct {
		sql     string
		refused bool
	}{
		{"SELECT * FROM t", false},
		{"WITH q AS (SELECT a FROM t) SELECT * FROM q", false},
		{"FROM t", false},
		{"SELECT * FROM (PIVOT t ON k IN ('x') USING first(a))", false},
		{"PIVOT t ON k IN ('x') USING first(a)", false},
		{"PIVOT t ON k USING first(a)", true}, // finds its columns with a statement first
		{"SELECT 1; DROP TABLE t", true},
		{"DROP TABLE t", true},
		{"COPY (SELECT 1) TO 'x.csv'", true},
		{"INSERT INTO t VALUES (2, 'y')", true},
		{"CREATE TABLE u AS SELECT 1; SELECT 1", true},
		{"SET threads = 1", true},
		{"SELECT * FROM no_such_table", false}, // left for DuckDB to report with its line
		{"SELECT * FROM t WHERE", false},       // a syntax error: the same
	} {
		if round == "after TableRefs" {
			w.TableRefs(ctx, c.sql)
		}
		err := w.RequireSelect(ctx, c.sql)
		var refused *RefusedError
		if got := errors.As(err, &refused); got != c.refused {
			t.Errorf("%s (%s): refused %v, want %v (%v)", c.sql, round, got, c.refused, err)
		}
		if _, ok := w.selects.Load(c.sql); ok && (c.refused || strings.HasSuffix(c.sql, "WHERE")) {
			t.Errorf("%s (%s): remembered as one plain SELECT", c.sql, round)
		}
	}
}
