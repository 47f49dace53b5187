package project

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
)

// headerOf parses a model file's header the way the loader does.
func headerOf(sql string) (ModelHeader, diag.List) {
	m := &Model{Name: "m", Schema: "marts", File: "transforms/marts/m.sql", SQL: sql}
	var diags diag.List
	parseHeader(m, &diags)
	return m.Header, diags
}

// checkPositions asserts every diagnostic names a file of the project and
// a line inside it (or just past its end, where YAML puts the empty
// document of "---").
func checkPositions(t *testing.T, diags diag.List, files map[string]string) {
	t.Helper()
	for _, d := range diags {
		text, ok := files[d.Pos.File]
		if !ok {
			t.Fatalf("diagnostic names file %q, not one of the project's: %s", d.Pos.File, d)
		}
		if lines := countLines(text); d.Pos.Line < 0 || d.Pos.Line > lines+1 {
			t.Fatalf("diagnostic on line %d of a %d-line file: %s", d.Pos.Line, lines, d)
		}
	}
}

// countLines counts lines as YAML does: CR LF, a lone CR, LF, NEL, LS and
// PS each end one.
func countLines(text string) int {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	n := 1
	for _, r := range text {
		switch r {
		case '\r', '\n', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// lineRef is a message's mention of another line of the file ("mapping
// key "a" already defined at line 3"), which moves with the file too.
var lineRef = regexp.MustCompile(`\bline (\d+)`)

// lines lists the diagnostics' lines and messages, each line shifted.
func lines(diags diag.List, shift int) []string {
	var out []string
	for _, d := range diags {
		line := d.Pos.Line
		if line > 0 {
			line += shift
		}
		msg := lineRef.ReplaceAllStringFunc(d.Message, func(m string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(m, "line "))
			return fmt.Sprintf("line %d", n+shift)
		})
		out = append(out, fmt.Sprintf("%d: %s", line, msg))
	}
	return out
}

// describe writes a header out in full, its tests' lines less shift.
func describe(h ModelHeader, shift int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q %q %q\n", h.Materialized, h.Description, h.Columns)
	for _, t := range h.Tests {
		args, _ := yaml.Marshal(t.Args)
		fmt.Fprintf(&b, "%s %s %q %s:%d:%d %s\n", t.Kind, t.Severity, t.Name, t.Pos.File, t.Pos.Line-shift, t.Pos.Col, args)
	}
	return b.String()
}

// FuzzModelHeader feeds the /* jixiao ... */ header of a model file. It must
// never panic; materialized is table, view or incremental (with its
// partition column) unless an error says why;
// every diagnostic is on a line of the file; and the header's lines are the
// file's own, so moving the header down by blank lines moves every
// diagnostic by as many lines and parses the same header.
func FuzzModelHeader(f *testing.F) {
	f.Fuzz(func(t *testing.T, header, body string, pad int) {
		pad = max(pad, -pad) % 8
		file := strings.Repeat("\n", pad) + HeaderMarker + "\n" + header + "\n*/\n" + body
		h, diags := headerOf(file)
		checkPositions(t, diags, map[string]string{"transforms/marts/m.sql": file})
		if h.Materialized != MaterializeTable && h.Materialized != MaterializeView && h.Materialized != MaterializeIncremental && !diags.HasErrors() {
			t.Fatalf("materialized %q without an error", h.Materialized)
		}
		if h.Materialized == MaterializeIncremental && h.PartitionBy == "" && !diags.HasErrors() {
			t.Fatalf("an incremental model without partition_by and no error")
		}
		for _, tst := range h.Tests {
			if tst.Kind == "" || tst.Pos.File != "transforms/marts/m.sql" {
				t.Fatalf("test without a kind or a file: %+v", tst)
			}
		}
		const more = 3
		h2, diags2 := headerOf(strings.Repeat("\n", more) + file)
		if want, got := lines(diags, more), lines(diags2, 0); !reflect.DeepEqual(want, got) {
			t.Fatalf("moved down %d lines, the diagnostics do not move with it:\n%q\n%q", more, want, got)
		}
		if a, b := describe(h, 0), describe(h2, more); a != b {
			t.Fatalf("moved down, the header reads differently:\n%s\n%s", a, b)
		}
	})
}

// FuzzProjectYAML feeds jixiao.yaml and a source declaration to the project
// loader, the path every project file takes. It must never panic, and every
// diagnostic must name one of the files and a line inside it.
func FuzzProjectYAML(f *testing.F) {
	f.Fuzz(func(t *testing.T, config, source string) {
		files := map[string]string{ConfigFile: config, "sources/progress.yaml": source}
		fsys := fstest.MapFS{}
		for name, text := range files {
			fsys[name] = &fstest.MapFile{Data: []byte(text)}
		}
		files[""] = "" // a diagnostic about the project as a whole
		_, diags := Load(fsys)
		checkPositions(t, diags, files)
	})
}
