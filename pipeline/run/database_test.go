//go:build duckdb_arrow

package run

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jixiao/internal/require"
	"jixiao/pipeline/project"
)

// testPostgres connects to the local PostgreSQL (or JIXIAO_TEST_POSTGRES_DSN),
// or skips saying why (fails under JIXIAO_REQUIRE, see internal/require);
// the connection closes with the test.
func testPostgres(tb testing.TB) (*sql.DB, string) {
	tb.Helper()
	dsn := os.Getenv("JIXIAO_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		require.Service(tb, require.Postgres, fmt.Sprintf("PostgreSQL is not reachable (set JIXIAO_TEST_POSTGRES_DSN): %v", err))
	}
	tb.Cleanup(func() { db.Close() })
	return db, dsn
}

// rosterDSN is the environment of a run whose database source reads
// ROSTER_DSN: that variable holds dsn, no other is set.
func rosterDSN(dsn string) func(string) string {
	return func(k string) string {
		if k == "ROSTER_DSN" {
			return dsn
		}
		return ""
	}
}

// TestDatabaseSourceEndToEnd loads a PostgreSQL table through a run: the
// stream goes into DuckDB batch by batch, the cursor is kept in meta, a
// second run loads nothing and a changed row replaces its old version.
func TestDatabaseSourceEndToEnd(t *testing.T) {
	db, dsn := testPostgres(t)
	table := fmt.Sprintf("jixiao_run_%d", time.Now().UnixNano()%1e12)
	if _, err := db.Exec(`CREATE TABLE ` + table + ` AS SELECT g AS id, CASE WHEN g % 2 = 0 THEN '环翠区' ELSE '高区' END AS unit,
		(g * 10)::numeric(12,2) AS amount, TIMESTAMP '2017-01-01' + g * INTERVAL '1 minute' AS updated_at FROM generate_series(1, 2500) g`); err != nil {
		t.Fatal(err)
	}
	defer db.Exec("DROP TABLE " + table)

	dir := t.TempDir()
	files := map[string]string{
		"jixiao.yaml": "name: 测试\nplan_year: 2017\nunits:\n  - {code: \"371002\", name: 环翠区, kind: 区市}\n  - {code: \"371071\", name: 高区, kind: 开发区}\n",
		"sources/services.yaml": "kind: postgres\ndsn_env: ROSTER_DSN\ntable: " + table + "\ncursor: updated_at\nbatch_size: 1000\nload: merge\nkey: [id]\n" +
			"columns:\n  - {name: id, type: integer, required: true}\n  - {name: unit_code, type: unit, required: true, aliases: [unit]}\n" +
			"  - {name: amount, type: number}\n  - {name: updated_at, type: timestamp, required: true}\n",
		"transforms/marts/totals.sql": "SELECT unit_code, count(*) AS n, sum(amount) AS amount FROM raw.services GROUP BY unit_code",
	}
	for name, text := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	runOnce := func() *Summary {
		t.Helper()
		s, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Stages: []Stage{StageExtract, StageTransform},
			Getenv: rosterDSN(dsn)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := runOnce()
	if src := s.Sources[0]; src.RowsRead != 2500 || src.RowsLoaded != 2500 || src.Loads != 1 {
		t.Fatalf("first run: %+v", src)
	}
	if got := query[string](t, dir, "SELECT cursor_value || ' ' || rows_loaded FROM meta.source_loads"); got != "2017-01-02T17:40:00Z 2500" {
		t.Errorf("cursor record: %s", got)
	}
	s = runOnce()
	if src := s.Sources[0]; src.Loads != 0 || len(src.Skipped) != 1 || !strings.Contains(src.Skipped[0], "no new rows since 2017-01-02T17:40:00Z") {
		t.Errorf("second run: %+v", src)
	}
	if _, err := db.Exec("UPDATE " + table + " SET amount = 0, updated_at = TIMESTAMP '2017-02-01' WHERE id <= 3"); err != nil {
		t.Fatal(err)
	}
	s = runOnce()
	if src := s.Sources[0]; src.RowsRead != 3 || src.RowsLoaded != 3 {
		t.Errorf("third run: %+v", src)
	}
	if got := query[string](t, dir, "SELECT count(*) || ' ' || sum(amount) FROM raw.services"); got != "2500 31262440.0" {
		t.Errorf("after merge: %s (want 2500 rows, the 3 changed ones zeroed)", got)
	}
}

// A database source whose certificate number is declared a pseudonym
// after it was loaded: its next run reads every row again, past the
// cursor, and stores the keys; a source redeclared while its table is
// empty leaves an empty raw table of the declared columns, not the old one.
func TestDatabaseSourceRedeclaredLoadsAgainWhole(t *testing.T) {
	db, dsn := testPostgres(t)
	table := fmt.Sprintf("jixiao_pseudonym_%d", time.Now().UnixNano()%1e12)
	if _, err := db.Exec(`CREATE TABLE ` + table + ` AS SELECT g AS id, '3710021990010112' || lpad(g::text, 2, '0') AS cert_no,
		TIMESTAMP '2017-01-01' + g * INTERVAL '1 minute' AS updated_at FROM generate_series(1, 30) g`); err != nil {
		t.Fatal(err)
	}
	defer db.Exec("DROP TABLE " + table)
	dir := t.TempDir()
	declare := func(columns string) *Summary {
		t.Helper()
		writeFile(t, dir, "jixiao.yaml", "name: t\nplan_year: 2017\n")
		writeFile(t, dir, "sources/services.yaml", "kind: postgres\ndsn_env: ROSTER_DSN\ntable: "+table+"\ncursor: updated_at\nload: merge\nkey: [id]\n"+
			"columns:\n  - {name: id, type: integer, required: true}\n"+columns+"  - {name: updated_at, type: timestamp, required: true}\n")
		p, diags := project.Load(os.DirFS(dir))
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		s, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Stages: []Stage{StageExtract},
			Getenv: rosterDSN(dsn)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	declare("  - {name: cert_no, type: text, required: true}\n")
	want := query[string](t, dir, "SELECT string_agg("+personKeySQL("cert_no")+"::VARCHAR, ',' ORDER BY id) FROM raw.services")

	s := declare("  - {name: person_key, type: pseudonym, required: true, aliases: [cert_no]}\n")
	if src := s.Sources[0]; src.RowsRead != 30 || src.RowsLoaded != 30 || len(src.Warnings) != 1 {
		t.Errorf("redeclared: %+v; want all 30 rows read again past the cursor, and a warning", src)
	}
	if got := query[string](t, dir, "SELECT string_agg(person_key::VARCHAR, ',' ORDER BY id) FROM raw.services"); got != want {
		t.Errorf("keys from the database:\n %s\nwant\n %s", got, want)
	}

	if _, err := db.Exec("DELETE FROM " + table); err != nil {
		t.Fatal(err)
	}
	s = declare("  - {name: person_key, type: pseudonym, required: true, aliases: [cert_no]}\n  - {name: note, type: text}\n")
	if src := s.Sources[0]; src.Err != nil || !strings.Contains(fmt.Sprint(src.Warnings), "raw.services lacks the declared column(s) note, so the source is loaded again whole") {
		t.Errorf("redeclared, empty: %+v; want the reload said", src)
	}
	if got := query[string](t, dir, "SELECT count(*) || ' rows, ' || (SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'services' AND column_name = 'note') || ' note column' FROM raw.services"); got != "0 rows, 1 note column" {
		t.Errorf("raw.services after an empty reload: %s", got)
	}
}
