//go:build duckdb_arrow

package warehouse

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"jixiao/internal/pgtest"
)

// The same table built on DuckDB and on PostgreSQL, each engine's own sums
// included, is exported to the same files: same folders and names, same
// Parquet schema, same rows, and the same columns in the manifest; an empty
// table is one empty file on both. PostgreSQL's export writes nowhere but
// where its warehouse was opened to write.
func TestExportHiveFromPostgresIsDuckDBs(t *testing.T) {
	ctx := context.Background()
	// Sums are HUGEINT and DECIMAL(38,4) on DuckDB, numeric on PostgreSQL.
	// (VALUES loses numeric's precision on PostgreSQL: the outer cast
	// declares it, as a table's column does.)
	const model = `SELECT s, n, i, d, month, ts, b, tags, amount::numeric(18, 4) AS amount,
		sum(n) OVER (PARTITION BY s) AS total, sum(amount) OVER (PARTITION BY s) AS amount_sum
		FROM (VALUES
			('a', 1::bigint, 10::integer, 0.1::double precision, DATE '2017-08-01', TIMESTAMP '2017-08-03 10:30:00', true, ARRAY['x', 'y'], 1.2500::numeric(18, 4)),
			('a', 2::bigint, NULL::integer, 1e300::double precision, DATE '2017-09-01', NULL::timestamp, false, ARRAY['z'], 0.0001::numeric(18, 4)),
			('b', NULL::bigint, -3::integer, NULL::double precision, DATE '2017-09-01', TIMESTAMP '2017-09-30 23:59:59.123456', NULL::boolean, NULL::text[], NULL::numeric(18, 4)),
			('b,"c"', 4::bigint, 0::integer, -2.5::double precision, NULL::date, TIMESTAMP '2017-09-01 00:00:00', true, ARRAY['p q', NULL, 'r,"s"'], -7.5::numeric(18, 4))
		) AS t(s, n, i, d, month, ts, b, tags, amount)`
	out := map[string]string{}
	single := t.TempDir()
	exports := map[string]map[string]*HiveExport{}
	for _, kind := range []string{KindDuckDB, KindPostgres} {
		dir := t.TempDir()
		out[kind] = dir
		opts := Options{WriteDirs: []string{dir, single}}
		if kind == KindPostgres {
			opts.Postgres = &Postgres{DSN: pgtest.NewDatabase(t), SchemaPrefix: "x_"}
		}
		w, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		for _, m := range []BuildRequest{
			{Schema: "marts", Name: "t", SQL: model},
			{Schema: "marts", Name: "empty", SQL: "SELECT s, n, month FROM marts.t WHERE n > 100"},
		} {
			if _, err := w.BuildModel(ctx, m); err != nil {
				t.Fatalf("%s: %s: %v", kind, m.Name, err)
			}
		}
		exports[kind] = map[string]*HiveExport{}
		for _, name := range []string{"t", "empty"} {
			x, err := w.ExportHive(ctx, "marts", name, filepath.Join(dir, name), []PartitionValue{{"city", "371000"}}, []string{"month"})
			if err != nil {
				t.Fatalf("%s: export %s: %v", kind, name, err)
			}
			exports[kind][name] = x
		}
		// A single table's export writes where the warehouse may write,
		// and nowhere else.
		var refused *RefusedError
		if err := w.ExportParquet(ctx, "marts", "t", filepath.Join(t.TempDir(), "t.parquet")); !errors.As(Explain(err), &refused) {
			t.Errorf("%s: a Parquet export outside the folders it may write: %v, want refused", kind, err)
		}
		if err := w.ExportParquet(ctx, "marts", "t", filepath.Join(single, kind+".parquet")); err != nil {
			t.Errorf("%s: single table: %v", kind, err)
		}
	}

	duckFiles, pgFiles := listFiles(t, out[KindDuckDB]), listFiles(t, out[KindPostgres])
	if !reflect.DeepEqual(duckFiles, pgFiles) {
		t.Fatalf("files from PostgreSQL %v, from DuckDB %v", pgFiles, duckFiles)
	}
	if want := "empty/city=371000/data_0.parquet"; duckFiles[0] != want {
		t.Errorf("files %v, want %s first", duckFiles, want)
	}
	for _, name := range []string{"t", "empty"} {
		d, p := exports[KindDuckDB][name], exports[KindPostgres][name]
		if !reflect.DeepEqual(d, p) {
			t.Errorf("marts.%s: PostgreSQL's export %+v, DuckDB's %+v", name, p, d)
		}
	}
	if got := fmt.Sprint(exports[KindPostgres]["t"].Columns); !strings.Contains(got, "{total BIGINT BIGINT") || !strings.Contains(got, "{amount_sum DECIMAL(38,4)") {
		t.Errorf("the sums are written as %s", got)
	}

	r, err := Open(ctx, "", Options{ReadDirs: []string{out[KindDuckDB], out[KindPostgres], single}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	if err := r.QueryRow(ctx, "SELECT count(*) FROM "+QuoteString(filepath.Join(single, KindPostgres+".parquet")), nil, &n); err != nil || n != 4 {
		t.Errorf("the single table's export from PostgreSQL: %d rows, %v", n, err)
	}
	compared := 0
	for _, f := range duckFiles {
		schema := func(dir string) string {
			res, err := r.Query(ctx, "SELECT name, type, converted_type, scale, precision, logical_type, repetition_type FROM parquet_schema("+
				QuoteString(filepath.Join(dir, f))+")", 0)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(res.Rows)
		}
		if d, p := schema(out[KindDuckDB]), schema(out[KindPostgres]); d != p {
			t.Errorf("%s: Parquet schema from PostgreSQL\n%s\nfrom DuckDB\n%s", f, p, d)
		}
		rows := func(dir string) string {
			res, err := r.Query(ctx, "SELECT * FROM read_parquet("+QuoteString(filepath.Join(dir, f))+", hive_partitioning = false) ORDER BY ALL", 0)
			if err != nil {
				t.Fatal(err)
			}
			if dir == out[KindPostgres] {
				compared += len(res.Rows)
			}
			return fmt.Sprint(res.Rows)
		}
		if d, p := rows(out[KindDuckDB]), rows(out[KindPostgres]); d != p {
			t.Errorf("%s: rows from PostgreSQL\n%s\nfrom DuckDB\n%s", f, p, d)
		}
	}
	if compared != 4 {
		t.Errorf("%d rows compared, want 4", compared)
	}
}
