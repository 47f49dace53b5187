// Package require decides what a test does when a service it needs (a
// database server, a browser) is missing: on a developer's machine it
// skips with the reason; under JIXIAO_REQUIRE, as CI sets it, it fails, so
// that a test which did not run cannot pass for one that did.
//
//	JIXIAO_REQUIRE=postgres,mysql,chromium   # these must be present
//	JIXIAO_REQUIRE=all                       # every service this package knows
package require

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// Env is the environment variable that lists the required services.
const Env = "JIXIAO_REQUIRE"

// The services tests may require.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
	Chromium = "chromium"
	// LibreOffice opens generated .docx and .xlsx files as an office would.
	LibreOffice = "libreoffice"
	// Arm64 is the cross toolchain and qemu-user that build and run the
	// linux-arm64 binary.
	Arm64 = "arm64"
)

// Known lists every service name JIXIAO_REQUIRE accepts.
var Known = []string{Postgres, MySQL, Chromium, LibreOffice, Arm64}

// Required reports whether JIXIAO_REQUIRE lists service (or says all).
// A name it does not know fails the test: a misspelt requirement would
// otherwise quietly require nothing.
func Required(tb testing.TB, service string) bool {
	tb.Helper()
	required, unknown := parse(os.Getenv(Env))
	if len(unknown) > 0 {
		tb.Fatalf("%s=%s names unknown service(s) %s; known: %s", Env, os.Getenv(Env),
			strings.Join(unknown, ", "), strings.Join(Known, ", "))
	}
	return slices.Contains(required, service)
}

// parse splits a JIXIAO_REQUIRE value into known and unknown names.
func parse(v string) (required, unknown []string) {
	for _, name := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ' ' }) {
		switch {
		case name == "all":
			required = append(required, Known...)
		case slices.Contains(Known, name):
			required = append(required, name)
		default:
			unknown = append(unknown, name)
		}
	}
	return required, unknown
}

// Service is called when service is missing: it fails the test, naming
// what is missing, when JIXIAO_REQUIRE requires the service, and skips it
// with the same reason otherwise. why says what is missing and how to
// provide it.
func Service(tb testing.TB, service string, why string) {
	tb.Helper()
	if Required(tb, service) {
		tb.Fatalf("%s is required (%s=%s) but missing: %s", service, Env, os.Getenv(Env), why)
	}
	tb.Skipf("%s is missing, skipped (set %s=%s to fail instead): %s", service, Env, service, why)
}

// BuildTag fails a test compiled without the duckdb_arrow build tag: most
// of this project's tests build only with it, so a plain `go test ./...`
// would pass without compiling them.
func BuildTag(tb testing.TB) {
	tb.Helper()
	tb.Fatal("these tests need the duckdb_arrow build tag: use make test (go test -tags duckdb_arrow ./...)")
}
