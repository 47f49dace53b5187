package diag

import (
	"errors"
	"strings"
	"testing"
)

func TestPosString(t *testing.T) {
	tests := []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "sources/a.yaml", Line: 3, Col: 5}, "sources/a.yaml:3:5"},
		{Pos{File: "sources/a.yaml", Line: 3}, "sources/a.yaml:3"},
		{Pos{File: "data/x.xlsx", Sheet: "进度", Row: 7, Column: "C"}, "data/x.xlsx[进度]:row 7:column C"},
		{Pos{File: "data/x.csv", Row: 2}, "data/x.csv:row 2"},
		{Pos{File: "jixiao.yaml"}, "jixiao.yaml"},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.pos, got, tt.want)
		}
	}
}

func TestListErr(t *testing.T) {
	var l List
	l.Warnf(Pos{File: "b.sql", Line: 1}, "just a warning")
	if l.Err() != nil {
		t.Fatalf("warnings alone must not be an error")
	}
	l.Errorf(Pos{File: "b.sql", Line: 9}, "second")
	l.Errorf(Pos{File: "a.sql", Line: 2}, "first")
	l.Sort()
	err := l.Err()
	var le *ListError
	if !errors.As(err, &le) {
		t.Fatalf("want *ListError, got %T", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "2 problems") || strings.Index(msg, "a.sql:2") > strings.Index(msg, "b.sql:9") {
		t.Errorf("unexpected message %q", msg)
	}
	if strings.Contains(msg, "just a warning") {
		t.Errorf("warnings must not be listed as errors: %q", msg)
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"staging.stg_services", "staging.stg_units", "marts.unit_assessment", "raw.services"}
	tests := []struct {
		name string
		want string
	}{
		{"staging.stg_servics", "staging.stg_services"},
		{"staging.stg_unit", "staging.stg_units"},
		{"stg_services", "staging.stg_services"},
		{"marts.nothing_like_it", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(Suggest(tt.name, cands), ","); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := DidYouMean("unit_cod", []string{"unit_code", "unit_name"}); got != "; did you mean unit_code?" {
		t.Errorf("DidYouMean: %q", got)
	}
}
