//go:build duckdb_arrow

package run

import (
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/pipeline/project"
)

// Sources start largest first: those of unknown size (an API) before file
// sources, and file sources by the bytes their globs match now, ties in
// declared order.
func TestSourcesStartLargestFirst(t *testing.T) {
	csv := func(path string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("kind: csv\npath: " + path + "\ncolumns:\n  - {name: a, type: text}\n")}
	}
	rows := func(n int) *fstest.MapFile { return &fstest.MapFile{Data: []byte("a\n" + strings.Repeat("x\n", n))} }
	fsys := fstest.MapFS{
		"jixiao.yaml":               {Data: []byte("name: t\nplan_year: 2017\nunits:\n  - {code: \"1\", name: 甲, kind: 区市}\n")},
		"sources/a_small.yaml":      csv("data/small.csv"),
		"sources/b_reports.yaml":    csv("data/reports/*.csv"),
		"sources/c_large.yaml":      csv("data/large.csv"),
		"sources/d_survey.yaml":     {Data: []byte("kind: http\nurl: http://127.0.0.1:1/survey\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/e_also_small.yaml": csv("data/small2.csv"),
		"data/small.csv":            rows(10),
		"data/small2.csv":           rows(10),
		"data/large.csv":            rows(1000),
		"data/reports/2017-01.csv":  rows(300),
		"data/reports/2017-02.csv":  rows(300),
		"data/reports/notes.txt":    rows(5000), // not matched by the glob
	}
	p, diags := project.Load(fsys)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	reg := DefaultRegistries()
	var got []string
	for _, i := range largestFirst(p, p.Sources, reg.Extractors) {
		got = append(got, p.Sources[i].Name)
	}
	want := "d_survey c_large b_reports a_small e_also_small"
	if strings.Join(got, " ") != want {
		t.Errorf("start order %s, want %s", strings.Join(got, " "), want)
	}
}
