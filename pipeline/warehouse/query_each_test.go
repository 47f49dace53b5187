//go:build duckdb_arrow

package warehouse

import (
	"context"
	"reflect"
	"testing"
)

// QueryEach must give each set of parameters the rows the query alone
// gives it, or decline: never other rows, nor the same rows in another
// order.
func TestQueryEachIsTheQueryRunForEachSet(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	if err := w.Exec(ctx, `CREATE SCHEMA marts; CREATE TABLE marts.c AS SELECT * FROM (VALUES
		('I01', 'U1', '环翠区', DATE '2017-05-01', 0.5, 3),
		('I01', 'U2', '高区', DATE '2017-05-01', NULL, 1),
		('I01', 'U1', '环翠区', DATE '2017-06-01', 0.61, 2),
		('I02', 'U3', '文登区', DATE '2017-06-01', 0.4, 2),
		('I02', 'U1', '环翠区', DATE '2017-06-01', 0.9, 2),
		('I03', 'U2', '高区', DATE '2017-06-01', 0.2, 5)) t(indicator_id, unit_code, unit_name, month, rate, n);
		CREATE TABLE marts.names AS SELECT * FROM (VALUES ('I01', '指标一'), ('I02', '指标二'), ('I03', '指标三')) t(indicator_id, name)`); err != nil {
		t.Fatal(err)
	}
	keys := [][]any{{"I01"}, {"I02"}, {"I03"}, {"I04"}}
	cases := []struct {
		name  string
		query string
		sets  [][]any
		limit int
		// batched says whether QueryEach can promise the rows.
		batched bool
	}{
		{"ORDER BY a column not selected", `SELECT unit_name, rate FROM marts.c WHERE indicator_id = $1 ORDER BY month, unit_code`, keys, 0, true},
		{"ORDER BY an output alias, descending, nulls first", `SELECT unit_name AS 单位, rate AS r FROM marts.c WHERE indicator_id = $1 ORDER BY r DESC NULLS FIRST, 单位`, keys, 0, true},
		{"ORDER BY positions", `SELECT unit_name, month, rate FROM marts.c WHERE $1 = indicator_id ORDER BY 2 DESC, 1`, keys, 0, true},
		{"ORDER BY an expression", `SELECT unit_name, rate FROM marts.c WHERE indicator_id = $1 ORDER BY unit_code = 'U1' DESC, month`, keys, 0, true},
		{"GROUP BY ordered by an aggregate", `SELECT unit_name, sum(n) AS total FROM marts.c WHERE indicator_id = $1 GROUP BY unit_name ORDER BY sum(n) DESC, unit_name`, keys, 0, true},
		{"the key in a subquery", `SELECT n.name, (SELECT max(rate) FROM marts.c WHERE c.indicator_id = $1) AS top FROM marts.names n WHERE n.indicator_id = $1`, keys, 0, true},
		{"key and title", `SELECT unit_name, $2 = unit_name AS same FROM marts.c WHERE indicator_id = $1 AND unit_name = $2 ORDER BY month`,
			[][]any{{"I01", "环翠区"}, {"I02", "文登区"}, {"I03", "环翠区"}}, 0, true},
		{"at most the limit for each set", `SELECT month, rate FROM marts.c WHERE indicator_id = $1 ORDER BY month, unit_code`, keys, 1, true},
		{"no ORDER BY, one row a set", `SELECT name FROM marts.names WHERE indicator_id = $1`, keys, 0, true},
		{"no ORDER BY, several rows a set", `SELECT unit_name FROM marts.c WHERE indicator_id = $1`, keys, 0, false},
		{"rows that tie", `SELECT unit_name, month FROM marts.c WHERE indicator_id = $1 ORDER BY month`, keys, 0, false},
		{"DISTINCT", `SELECT DISTINCT unit_name FROM marts.c WHERE indicator_id = $1 ORDER BY unit_name`, keys, 0, false},
		{"LIMIT", `SELECT unit_name FROM marts.c WHERE indicator_id = $1 ORDER BY rate LIMIT 1`, keys, 0, false},
		{"a key that is not compared for equality", `SELECT unit_name FROM marts.c WHERE indicator_id LIKE $1 ORDER BY month, unit_code`, keys, 0, false},
		{"a query that fails", `SELECT no_such_column FROM marts.c WHERE indicator_id = $1`, keys, 0, false},
		{"a collation", `SELECT unit_name FROM marts.c WHERE indicator_id = $1 ORDER BY unit_name COLLATE "C", month`, keys, 0, false},
		{"a statement other than SELECT", `DELETE FROM marts.c WHERE indicator_id = $1`, keys, 0, false},
		{"one set", `SELECT name FROM marts.names WHERE indicator_id = $1`, keys[:1], 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := w.QueryEach(ctx, c.query, c.sets, c.limit)
			if ok != c.batched {
				t.Fatalf("batched %v, want %v", ok, c.batched)
			}
			if !ok {
				return
			}
			if len(got) != len(c.sets) {
				t.Fatalf("%d results for %d sets", len(got), len(c.sets))
			}
			for i, set := range c.sets {
				want, err := w.Query(ctx, c.query, c.limit, set...)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("set %v:\n got %+v\nwant %+v", set, got[i], want)
				}
			}
		})
	}
	n, err := w.Query(ctx, "SELECT count(*) FROM marts.c", 0)
	if err != nil || n.Rows[0][0] != int64(6) {
		t.Errorf("marts.c after the cases: %v %v", n, err)
	}
}
