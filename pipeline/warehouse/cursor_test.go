//go:build duckdb_arrow

package warehouse

import (
	"context"
	"testing"
)

// A load that only adds rows records as its cursor the newer of the table's
// newest value before it and the newest of the rows it added, for every
// type a cursor can have, with NULLs on either side.
func TestTableCursorWithAdded(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, typ, before, added, want string
	}{
		{"timestamps added later", "TIMESTAMP", "('2017-08-28 17:00:00'), ('2017-08-01 09:00:00')", "('2017-09-28 17:00:00'), ('2017-09-01 08:00:00')", "2017-09-28 17:00:00"},
		{"a timestamp added earlier", "TIMESTAMP", "('2017-08-28 17:00:00')", "('2017-08-01 09:00:00')", "2017-08-28 17:00:00"},
		{"dates", "DATE", "('2017-08-28')", "('2017-09-01'), (NULL)", "2017-09-01"},
		// 9 against 10: a comparison of the text would keep 9.
		{"integers", "BIGINT", "(9), (3)", "(10)", "10"},
		{"integers added smaller", "BIGINT", "(12)", "(10)", "12"},
		{"only NULLs added", "BIGINT", "(12)", "(NULL)", "12"},
		{"only NULLs before", "TIMESTAMP", "(NULL)", "('2017-09-01 08:00:00')", "2017-09-01 08:00:00"},
		{"no rows before", "DATE", "", "('2017-09-01')", "2017-09-01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := openTemp(t)
			if err := w.Exec(ctx, "CREATE TABLE s (u "+c.typ+")"); err != nil {
				t.Fatal(err)
			}
			if c.before != "" {
				if err := w.Exec(ctx, "INSERT INTO s VALUES "+c.before); err != nil {
					t.Fatal(err)
				}
			}
			conn, err := w.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
				t.Fatal(err)
			}
			before, err := readTableCursor(ctx, conn, "s", "u")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, "INSERT INTO s VALUES "+c.added); err != nil {
				t.Fatal(err)
			}
			got, err := before.withAdded(ctx, conn, "s")
			if err != nil {
				t.Fatal(err)
			}
			var whole string
			if err := conn.QueryRowContext(ctx, "SELECT max(u)::VARCHAR FROM s").Scan(&whole); err != nil {
				t.Fatal(err)
			}
			if !got.Valid || got.String != c.want || whole != c.want {
				t.Errorf("cursor %v, want %s (max over the table: %s)", got, c.want, whole)
			}
		})
	}
}
