//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
)

// A report a unit sent in the wrong format sits in the source's folder
// where the path passes over it: extract, the run's record and check all
// say so, naming the file and what to save it as. Lock and hidden files
// are left alone.
func TestIgnoredFilesAreReported(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	for _, f := range []string{"2017-03.xlsx", "2017-04.xls", "~$2017-03.xlsx", ".2017-05.csv.xls", "2017-01.xlsx"} {
		if err := os.WriteFile(filepath.Join(dir, "data/progress", f), []byte("PK"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	warnings := []string{
		"sources/progress.yaml:2:7: warning: 忽略 data/progress/2017-03.xlsx：请另存为 .csv",
		"sources/progress.yaml:2:7: warning: 忽略 data/progress/2017-04.xls：请另存为 .csv",
	}
	notWarned := []string{"~$", ".2017-05", "2017-01.xlsx"}
	checkOutput := func(what, out string, prefix string) {
		t.Helper()
		for _, w := range warnings {
			if !strings.Contains(out, prefix+w) {
				t.Errorf("%s lacks %q:\n%s", what, prefix+w, out)
			}
		}
		for _, n := range notWarned {
			if strings.Contains(out, n) {
				t.Errorf("%s warns of %s:\n%s", what, n, out)
			}
		}
	}

	code, out, errOut := jixiao(t, dir, "extract")
	if code != ExitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errOut)
	}
	checkOutput("extract output", out, "    注意 ")

	_, out, _ = jixiao(t, dir, "query", "SELECT detail FROM meta.run_steps WHERE step = 'extract'", "--format", "csv")
	if !strings.Contains(out, "2 条警告") {
		t.Errorf("the extract step's detail has no warnings:\n%s", out)
	}
	checkOutput("the extract step's detail", out, "")

	code, out, errOut = jixiao(t, dir, "check")
	if code != ExitOK || !strings.Contains(out, "检查通过") {
		t.Errorf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	checkOutput("check", errOut, dir+"/")
}
