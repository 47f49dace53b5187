//go:build duckdb_arrow

package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/internal/fixture"
	"jixiao/internal/pgtest"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// TestQueryOnPostgresCannotReachTheServer tries, through `jixiao query` on a
// PostgreSQL warehouse, what a read-only transaction alone lets through when
// jixiao connects as a superuser (as here): COPY to a server file or
// program, the server's file and program functions, other sessions' locks.
// Each is refused in Chinese before it reaches PostgreSQL, nothing is
// written, and a plain SELECT still answers.
func TestQueryOnPostgresCannotReachTheServer(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	dsn := pgtest.NewDatabase(t)
	f, err := os.OpenFile(filepath.Join(dir, "jixiao.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("warehouse: {kind: postgres, dsn_env: JIXIAO_TEST_PG_DSN}\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	query := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := Env{Stdout: &out, Stderr: &errOut, DefaultProject: fstest.MapFS{},
			Getenv: func(k string) string {
				if k == "JIXIAO_TEST_PG_DSN" {
					return dsn
				}
				return ""
			}}
		code := Main(context.Background(), append([]string{"--project", dir}, args...), env)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := query("run")
	if code != ExitOK {
		t.Fatalf("run on PostgreSQL: exit %d\n%s\n%s", code, out, errOut)
	}
	// Connected as the server's superuser, every run says so.
	if !strings.Contains(out, "角色     postgres（注意：有 超级用户") || !strings.Contains(out, "服务器   PostgreSQL ") {
		t.Errorf("run as a superuser does not warn:\n%s", out)
	}
	// The server is on this machine: a file it writes lands in /tmp, which
	// its own user can write (t.TempDir() is root's alone).
	var b [6]byte
	rand.Read(b[:])
	leak := "/tmp/jixiao-leak-" + hex.EncodeToString(b[:])
	t.Cleanup(func() { os.Remove(leak) })
	for _, c := range []struct{ name, sql, reason string }{
		{"copy rows to a server file", "COPY (SELECT * FROM raw.progress) TO '" + leak + "'", "只能写一条 SELECT"},
		{"copy a table to a server file", "COPY marts.completion TO '" + leak + "'", "只能写一条 SELECT"},
		{"copy to a program", "COPY (SELECT 1) TO PROGRAM 'touch " + leak + "'", "SELECT"},
		{"a second statement", "SELECT 1; DROP TABLE marts.completion", "只能写一条 SELECT"},
		{"read a server file", "SELECT pg_read_file('/etc/passwd')", "pg_read_file"},
		{"list a server folder", "SELECT * FROM pg_ls_dir('/')", "pg_ls_dir"},
		{"write a large object to a file", "SELECT lo_export(lo_from_bytea(0, 'x'), '" + leak + "')", "lo_export"},
		{"SQL hidden in text", "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '')", "query_to_xml"},
		{"hold the writer's lock", "SELECT pg_advisory_lock(1)", "pg_advisory_lock"},
		{"change the session", "SELECT set_config('search_path', 'public', false)", "set_config"},
		{"stall the server", "SELECT pg_sleep(60)", "pg_sleep"},
		{"delete", "DELETE FROM marts.completion", "只能写一条 SELECT"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := query("query", c.sql)
			// jixiao's own refusals carry no engine's English after them.
			if code != ExitFailed || !strings.Contains(errOut, "已拒绝") || !strings.Contains(errOut, c.reason) ||
				strings.Contains(errOut, "server function") || strings.Contains(errOut, "serialized") {
				t.Errorf("%s: exit %d, want refused with %q\nstdout: %s\nstderr: %s", c.sql, code, c.reason, out, errOut)
			}
		})
	}
	if _, err := os.Stat(leak); err == nil {
		t.Errorf("%s was written by the server", leak)
	}
	if code, out, errOut := query("query", "SELECT count(*) AS n FROM marts.completion", "--format", "csv"); code != ExitOK || out != "n\n2\n" {
		t.Errorf("warehouse after the attempts: exit %d %q %s", code, out, errOut)
	}

	// The role the README asks for: no superuser, allowed to create its
	// schemas in its own database. The whole run works as it, without the warning.
	role := "jixiao_role_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", pgtest.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() { // after its database, dropped first
		defer admin.Close()
		if _, err := admin.Exec("DROP ROLE IF EXISTS " + role); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	own := pgtest.NewDatabase(t)
	u, err := url.Parse(own)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("GRANT CONNECT, CREATE ON DATABASE " + strings.TrimPrefix(u.Path, "/") + " TO " + role); err != nil {
		t.Fatalf("grant: %v", err)
	}
	// A database that is not there: the officer is told to create it.
	missing := *u
	missing.Path = "/jixiao_no_such_db"
	dsn = missing.String()
	if code, _, errOut := query("query", "SELECT 1"); code != ExitFailed || !strings.Contains(errOut, "数据库 jixiao_no_such_db 不存在：请先在服务器上 CREATE DATABASE") {
		t.Errorf("a missing database: exit %d\n%s", code, errOut)
	}
	u.User = url.User(role)
	dsn = u.String()
	code, out, errOut = query("run", "--full-refresh")
	if code != ExitOK || !strings.Contains(out, "角色     "+role+"\n") {
		t.Fatalf("run as the README's role: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := query("query", "SELECT count(*) AS n FROM marts.completion", "--format", "csv"); code != ExitOK || out != "n\n2\n" {
		t.Errorf("query as the README's role: exit %d %q %s", code, out, errOut)
	}
}
