package require

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in                string
		required, unknown []string
	}{
		{"", nil, nil},
		{"postgres", []string{"postgres"}, nil},
		{"postgres, MySQL,chromium", []string{"postgres", "mysql", "chromium"}, nil},
		{"all", Known, nil},
		{"postgress,mysql", []string{"mysql"}, []string{"postgress"}},
	} {
		req, unk := parse(tt.in)
		if !slices.Equal(req, tt.required) || !slices.Equal(unk, tt.unknown) {
			t.Errorf("parse(%q) = %v, %v; want %v, %v", tt.in, req, unk, tt.required, tt.unknown)
		}
	}
}

// fakeTB records whether a test would have failed or skipped.
type fakeTB struct {
	testing.TB
	failed, skipped string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Fatalf(format string, a ...any) { f.failed = format; panic(f) }
func (f *fakeTB) Skipf(format string, a ...any)  { f.skipped = format; panic(f) }

func outcome(service string) (ft *fakeTB) {
	ft = &fakeTB{}
	defer func() { recover() }()
	Service(ft, service, "not reachable")
	return ft
}

// A missing service skips the test unless JIXIAO_REQUIRE names it; then it
// fails. A misspelt name fails whatever the service.
func TestServiceSkipsOrFails(t *testing.T) {
	t.Setenv(Env, "")
	if o := outcome(Postgres); o.skipped == "" || o.failed != "" {
		t.Errorf("not required: want a skip, got %+v", o)
	}
	t.Setenv(Env, "postgres,chromium")
	if o := outcome(Postgres); o.failed == "" {
		t.Errorf("required: want a failure, got %+v", o)
	}
	if o := outcome(MySQL); o.skipped == "" {
		t.Errorf("mysql not required: want a skip, got %+v", o)
	}
	t.Setenv(Env, "postgress")
	if o := outcome(MySQL); o.failed == "" {
		t.Errorf("misspelt requirement: want a failure, got %+v", o)
	}
}
