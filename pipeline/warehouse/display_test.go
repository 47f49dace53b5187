//go:build duckdb_arrow

package warehouse

import (
	"context"
	"testing"
)

// Every type a query can return prints as DuckDB's shell prints it, read
// through the driver as jixiao query reads it: not Go's {3 0 5400000000}
// for an interval, nor a UUID's raw bytes.
func TestFormatValuePrintsWhatDuckDBMeans(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	cases := []struct {
		expr string
		want string
	}{
		{"INTERVAL 3 DAY + INTERVAL 90 MINUTE", "3 days 01:30:00"},
		{"INTERVAL 14 MONTH", "1 year 2 months"},
		{"INTERVAL 1 DAY", "1 day"},
		{"-INTERVAL 1500 MILLISECOND", "-00:00:01.5"},
		{"INTERVAL 0 SECOND", "00:00:00"},
		{"TIMESTAMP '2017-09-30 08:00:00' - TIMESTAMP '2017-09-01 00:00:00'", "29 days 08:00:00"},
		{"'6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{"TIME '12:34:56.5'", "12:34:56.5"},
		{"TIME '08:00:00'", "08:00:00"},
		{"DATE '2017-09-01'", "2017-09-01"},
		{"TIMESTAMP '2017-09-01 08:30:00'", "2017-09-01 08:30:00"},
		{"TIMESTAMPTZ '2017-09-02 03:04:05.5+08'", "2017-09-01 19:04:05.5+00"},
		{"[1, 2, NULL]", "[1, 2, NULL]"},
		{"['环翠区', '高区']", "[环翠区, 高区]"},
		{"{'unit': '高区', 'n': 3}", "{'n': 3, 'unit': 高区}"},
		{"MAP {'k': 1}", "{k=1}"},
		{"12.345::DECIMAL(10, 3)", "12.345"},
		{"0.1::DOUBLE", "0.1"},
		{"NULL::INTEGER", "NULL"},
		{"'中文'", "中文"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			res, err := w.Query(ctx, "SELECT "+c.expr+" AS v", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatTyped(res.Rows[0][0], res.Types[0]); got != c.want {
				t.Errorf("%s (%s, %T) printed %q, want %q", c.expr, res.Types[0], res.Rows[0][0], got, c.want)
			}
		})
	}
}
