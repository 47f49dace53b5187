package extract

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/internal/require"
	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// testDatabases are the servers every machine of this project runs; a DSN
// in the environment points the tests elsewhere.
var testDatabases = []struct {
	dialect, env, dsn string
}{
	{"postgres", "JIXIAO_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
	{"mysql", "JIXIAO_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"},
}

// connectTestDB opens the dialect's test database, or skips with the reason
// (fails under JIXIAO_REQUIRE, see internal/require).
func connectTestDB(t *testing.T, dialect, env, dsn string) (*sql.DB, string) {
	t.Helper()
	if v := os.Getenv(env); v != "" {
		dsn = v
	}
	db, err := Database{Dialect: dialect}.open(dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.PingContext(ctx)
	}
	if err != nil {
		require.Service(t, dialect, fmt.Sprintf("%s is not reachable (set %s to test against another server): %v", dialect, env, err))
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func createServices(t *testing.T, db *sql.DB, dialect string) string {
	t.Helper()
	table := fmt.Sprintf("jixiao_svc_%d", time.Now().UnixNano()%1e12)
	numeric := "NUMERIC(10,2)"
	if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE %s (id INTEGER PRIMARY KEY, unit VARCHAR(40), service_type VARCHAR(40),
		served_on DATE, amount %s, updated_at TIMESTAMP)`, table, numeric)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP TABLE " + table) })
	return table
}

func insertServices(t *testing.T, db *sql.DB, dialect, table string, rows ...string) {
	t.Helper()
	for _, r := range rows {
		if _, err := db.Exec("INSERT INTO " + table + " VALUES " + r); err != nil {
			t.Fatalf("insert %s: %v", r, err)
		}
	}
}

func dbSource(t *testing.T, dialect, table string) *project.Source {
	t.Helper()
	decl := fmt.Sprintf(`kind: %s
dsn_env: ROSTER_DSN
table: %s
cursor: updated_at
batch_size: 2
load: merge
key: [id]
columns:
  - {name: id, type: integer, required: true}
  - {name: unit_code, type: unit, required: true, aliases: [unit]}
  - {name: service_type, type: text, required: true}
  - {name: served_on, type: date}
  - {name: amount, type: number}
  - {name: updated_at, type: timestamp, required: true}
`, dialect, table)
	p, diags := project.Load(fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/services.yaml": {Data: []byte(decl)}})
	Database{Dialect: dialect}.Validate(p.Sources[0], &diags)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p.Sources[0]
}

func TestDatabaseIncremental(t *testing.T) {
	for _, tdb := range testDatabases {
		t.Run(tdb.dialect, func(t *testing.T) {
			db, dsn := connectTestDB(t, tdb.dialect, tdb.env, tdb.dsn)
			table := createServices(t, db, tdb.dialect)
			insertServices(t, db, tdb.dialect, table,
				"(1, '环翠', '康复', '2017-03-01', 1200.50, '2017-03-02 08:00:00')",
				"(2, '高区', '培训', '2017-03-05', 300, '2017-03-06 09:30:00')",
				"(3, '南海', '培训', '2017-03-07', 10, '2017-03-07 10:00:00')",
				"(4, '环翠区', '辅具', NULL, NULL, '2017-03-08 11:00:00')")
			src := dbSource(t, tdb.dialect, table)
			env := Env{Getenv: func(k string) string {
				if k == "ROSTER_DSN" {
					return dsn
				}
				return ""
			}, Units: NewUnitIndex(testUnits)}
			kind := Database{Dialect: tdb.dialect}
			res, err := kind.Extract(context.Background(), env, src, State{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Loads) != 1 {
				t.Fatalf("loads %+v", res)
			}
			got := rows(t, res.Loads[0])
			want := []string{
				"id=1 unit_code=371002 service_type=康复 served_on=2017-03-01 amount=1200.5 updated_at=2017-03-02T08:00:00Z",
				"id=2 unit_code=371071 service_type=培训 served_on=2017-03-05 amount=300 updated_at=2017-03-06T09:30:00Z",
				"id=4 unit_code=371002 service_type=辅具 served_on=NULL amount=NULL updated_at=2017-03-08T11:00:00Z",
			}
			if len(got) != len(want) {
				t.Fatalf("rows:\n%s", strings.Join(got, "\n"))
			}
			for i := range want {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Errorf("row %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}
			st := res.Loads[0].Stats()
			if st.RowsRead != 4 || len(st.Rejected) != 1 || st.Rejected[0].RawValue != "南海" || st.Cursor != "2017-03-08T11:00:00Z" {
				t.Errorf("stats %+v", st)
			}
			// Nothing new: no load, and it says so.
			again, err := kind.Extract(context.Background(), env, src, State{Cursor: st.Cursor})
			if err != nil || len(again.Loads) != 0 || len(again.Skipped) != 1 || !strings.Contains(again.Skipped[0], "no new rows since 2017-03-08T11:00:00Z") {
				t.Fatalf("second extract: %+v, %v", again, err)
			}
			// A changed row moves past the cursor and is read again.
			if _, err := db.Exec("UPDATE " + table + " SET amount = 99, updated_at = '2017-04-01 00:00:00' WHERE id = 2"); err != nil {
				t.Fatal(err)
			}
			third, err := kind.Extract(context.Background(), env, src, State{Cursor: st.Cursor})
			if err != nil || len(third.Loads) != 1 {
				t.Fatalf("third extract: %+v, %v", third, err)
			}
			if got := rows(t, third.Loads[0]); len(got) != 1 || !strings.HasPrefix(got[0], "id=2 ") || !strings.Contains(got[0], "amount=99") {
				t.Errorf("changed row: %v", got)
			}
		})
	}
}

func TestDatabaseErrorsNeverShowTheDSN(t *testing.T) {
	for _, tdb := range testDatabases {
		t.Run(tdb.dialect, func(t *testing.T) {
			src := dbSource(t, tdb.dialect, "services")
			kind := Database{Dialect: tdb.dialect}
			_, err := kind.Extract(context.Background(), Env{Getenv: func(string) string { return "" }}, src, State{})
			if err == nil || !strings.Contains(err.Error(), "environment variable ROSTER_DSN is not set") {
				t.Errorf("unset DSN: %v", err)
			}
			secret := "postgres://u:s3cret@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"
			if tdb.dialect == "mysql" {
				secret = "u:s3cret@tcp(127.0.0.1:1)/test?timeout=2s"
			}
			_, err = kind.Extract(context.Background(), Env{Getenv: func(string) string { return secret }}, src, State{})
			if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "sources/services.yaml: connect to "+tdb.dialect+" (connection string from ROSTER_DSN)") {
				t.Errorf("unreachable server: %v", err)
			}
		})
	}
}

func TestDatabaseValidate(t *testing.T) {
	decl := "kind: postgres\ntable: \"x; drop\"\ncursor: name\nload: replace\nbatch_size: -1\ntimeout: soon\ncolumns:\n  - {name: name, type: text}\n"
	p, _ := project.Load(fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")}, "sources/s.yaml": {Data: []byte(decl)}})
	var diags diag.List
	Database{Dialect: "postgres"}.Validate(p.Sources[0], &diags)
	all := fmt.Sprint(diags)
	for _, want := range []string{"dsn_env is required", `sources/s.yaml:2:8: table "x; drop" must be a name`, "cursor name must be an integer, date or timestamp column",
		"use load: append or load: merge with it", "batch_size must be positive", `timeout "soon" is not a duration`} {
		if !strings.Contains(all, want) {
			t.Errorf("want %q in %s", want, all)
		}
	}
}
