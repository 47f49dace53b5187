//go:build duckdb_arrow

package warehouse

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"jixiao/internal/pgtest"
)

// A binary with a stamp keeps what the parser found of each SQL text, and a
// later process of the same stamp takes it from there without parsing; a
// binary of another stamp parses again and drops the other's record.
func TestSQLRefsAreKeptForTheSameBuild(t *testing.T) {
	ctx := context.Background()
	const model = "SELECT * FROM raw.a JOIN staging.b USING (id)"
	parsed := []TableRef{{Schema: "raw", Name: "a", Offset: 14}, {Schema: "staging", Name: "b", Offset: 25}}
	// recorded stands in for what an earlier process found: a value the
	// parser would never give, so that taking it shows the record was read.
	recorded := []TableRef{{Schema: "raw", Name: "recorded", Offset: 0}}

	engines := map[string]func(t *testing.T) func(stamp string, readOnly bool) *Warehouse{
		KindDuckDB: func(t *testing.T) func(string, bool) *Warehouse {
			path := filepath.Join(t.TempDir(), "w.duckdb")
			return func(stamp string, readOnly bool) *Warehouse {
				w, err := Open(ctx, path, Options{SQLRefsStamp: stamp, ReadOnly: readOnly})
				if err != nil {
					t.Fatal(err)
				}
				return w
			}
		},
		KindPostgres: func(t *testing.T) func(string, bool) *Warehouse {
			dsn := pgtest.NewDatabase(t)
			return func(stamp string, readOnly bool) *Warehouse {
				w, err := Open(ctx, "postgres", Options{SQLRefsStamp: stamp, ReadOnly: readOnly, Postgres: &Postgres{DSN: dsn, SchemaPrefix: "p_"}})
				if err != nil {
					t.Fatal(err)
				}
				return w
			}
		},
	}
	for _, engine := range []string{KindDuckDB, KindPostgres} {
		t.Run(engine, func(t *testing.T) {
			open := engines[engine](t)
			refsOf := func(w *Warehouse, query string) []TableRef {
				t.Helper()
				refs, err := w.TableRefs(ctx, query)
				if err != nil {
					t.Fatal(err)
				}
				return refs
			}
			rows := func(w *Warehouse) int {
				t.Helper()
				return scalar[int](t, w, "SELECT count(*) FROM meta.sql_refs")
			}

			// The first process parses, and records what it found.
			w := open("v1", false)
			if got := refsOf(w, model); !reflect.DeepEqual(got, parsed) {
				t.Fatalf("first parse: %v, want %v", got, parsed)
			}
			if _, err := w.TableRefs(ctx, "SELECT FROM WHERE"); err == nil {
				t.Fatal("a syntax error parsed")
			}
			if err := w.SaveSQLRefs(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rows(w); n != 1 {
				t.Fatalf("meta.sql_refs holds %d rows, want the model's one (no error is kept)", n)
			}
			if err := w.Exec(ctx, `UPDATE meta.sql_refs SET refs = '[{"Schema":"raw","Name":"recorded","Offset":0}]'`); err != nil {
				t.Fatal(err)
			}
			w.Close()

			// The same build reads the record, read-only too, and a model
			// it found there still counts as one SELECT.
			for _, readOnly := range []bool{false, true} {
				if engine == KindPostgres && readOnly {
					continue // a PostgreSQL warehouse has no read-only open of its own
				}
				w = open("v1", readOnly)
				if got := refsOf(w, model); !reflect.DeepEqual(got, recorded) {
					t.Errorf("read-only %v: %v, want the record's %v", readOnly, got, recorded)
				}
				if err := w.RequireSelect(ctx, model); err != nil {
					t.Errorf("read-only %v: RequireSelect of a recorded model: %v", readOnly, err)
				}
				if err := w.SaveSQLRefs(ctx); err != nil {
					t.Errorf("read-only %v: saving nothing new: %v", readOnly, err)
				}
				w.Close()
			}

			// No stamp (a dev build): parsed, nothing read or written.
			w = open("", false)
			if got := refsOf(w, "SELECT * FROM raw.c"); len(got) != 1 || got[0].Name != "c" {
				t.Errorf("unstamped: %v", got)
			}
			if got := refsOf(w, model); !reflect.DeepEqual(got, parsed) {
				t.Errorf("unstamped build took the record: %v", got)
			}
			if err := w.SaveSQLRefs(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rows(w); n != 1 {
				t.Errorf("an unstamped build wrote the record: %d rows", n)
			}
			w.Close()

			// Another build parses again and replaces the first's record.
			w = open("v2", false)
			defer w.Close()
			if got := refsOf(w, model); !reflect.DeepEqual(got, parsed) {
				t.Errorf("another build: %v, want its own parse %v", got, parsed)
			}
			if err := w.SaveSQLRefs(ctx); err != nil {
				t.Fatal(err)
			}
			if n := scalar[int](t, w, "SELECT count(*) FROM meta.sql_refs WHERE stamp = 'v2'"); n != 1 || rows(w) != 1 {
				t.Errorf("after another build's save: %d rows of it, %d in all; want 1 and 1", n, rows(w))
			}
		})
	}
}
