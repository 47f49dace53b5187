package warehouse

import (
	"context"
	"errors"
	"testing"
)

// Only one read-only statement passes; nothing refused has run.
func TestRequireSelect(t *testing.T) {
	w := openTemp(t)
	ctx := context.Background()
	if err := w.Exec(ctx, "CREATE TABLE t AS SELECT 1 AS a, 'x' AS k"); err != nil {
		t.Fatal(err)
	}
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
	} {
		err := w.RequireSelect(ctx, c.sql)
		var refused *RefusedError
		if got := errors.As(err, &refused); got != c.refused {
			t.Errorf("%s: refused %v, want %v (%v)", c.sql, got, c.refused, err)
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
