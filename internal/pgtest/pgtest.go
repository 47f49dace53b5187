// Package pgtest gives a test a PostgreSQL database of its own on the
// local server (127.0.0.1:5432, or JIXIAO_TEST_POSTGRES_DSN), created for
// the test and dropped after it, so that tests running at once never see
// each other's tables. Without a server the test skips, or fails under
// JIXIAO_REQUIRE=postgres (see internal/require).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"jixiao/internal/require"
)

// ServerDSN is the server tests use: JIXIAO_TEST_POSTGRES_DSN, or the
// local one CI starts.
func ServerDSN() string {
	if dsn := os.Getenv("JIXIAO_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// NewDatabase creates an empty database for the test and returns its
// connection string; the database is dropped when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	server := ServerDSN()
	admin, err := sql.Open("pgx", server)
	if err == nil {
		err = admin.Ping()
	}
	if err != nil {
		require.Service(tb, require.Postgres, fmt.Sprintf("PostgreSQL is not reachable at %s (set JIXIAO_TEST_POSTGRES_DSN): %v", server, err))
	}
	var b [6]byte
	rand.Read(b[:])
	name := "jixiao_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		tb.Fatalf("create test database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("JIXIAO_TEST_POSTGRES_DSN %q is not a URL: %v", server, err)
	}
	u.Path = "/" + name
	return u.String()
}
