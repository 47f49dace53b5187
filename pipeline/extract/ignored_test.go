package extract

import (
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/pipeline/project"
)

// Files in a source's folder that its path passes over, named like its
// files but in another table format, are reported at the source's path;
// lock files, hidden files, other sources' files, files already saved in
// the right format and files that are not tables are not.
func TestIgnoredFilesAreReported(t *testing.T) {
	fsys := fstest.MapFS{
		"jixiao.yaml":                    {Data: []byte("name: t\nplan_year: 2017\n")},
		"sources/progress.yaml":          {Data: []byte("kind: xlsx\npath: data/reports/*.xlsx\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/ledger.yaml":            {Data: []byte("kind: csv\ndescription: 台账\npath: data/ledger/*.csv\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/extra.yaml":             {Data: []byte("kind: csv\npath: data/reports/extra_*.csv\ncolumns:\n  - {name: a, type: text}\n")},
		"sources/survey.yaml":            {Data: []byte("kind: http\nfile: data/survey/a.json\ncolumns:\n  - {name: a, type: text}\n")},
		"data/reports/2017-01-环翠.xlsx":   {},
		"data/reports/2017-01-高区.xls":    {},
		"data/reports/2017-02-高区.et":     {},
		"data/reports/2017-02-环翠.CSV":    {},
		"data/reports/2017-01-环翠.xls":    {}, // saved as .xlsx already
		"data/reports/~$2017-01-环翠.xlsx": {},
		"data/reports/.2017-03-环翠.xls":   {},
		"data/reports/extra_1.csv":       {}, // read by sources/extra.yaml
		"data/reports/说明.docx":           {},
		"data/reports/旧/2017-01-高区.xls":  {},
		"data/ledger/2017-专项资金台账.xlsx":   {},
		"data/ledger/2017-专项资金台账-更正.csv": {},
		"data/survey/a.xlsx":             {},
	}
	p, diags := project.Load(fsys)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, src := range p.Sources {
		for _, d := range Default().IgnoredFiles(p, src) {
			got = append(got, d.String())
		}
	}
	want := []string{
		"sources/ledger.yaml:3:7: warning: 忽略 data/ledger/2017-专项资金台账.xlsx：请另存为 .csv",
		"sources/progress.yaml:2:7: warning: 忽略 data/reports/2017-01-高区.xls：请另存为 .xlsx",
		"sources/progress.yaml:2:7: warning: 忽略 data/reports/2017-02-环翠.CSV：请另存为 .xlsx",
		"sources/progress.yaml:2:7: warning: 忽略 data/reports/2017-02-高区.et：请另存为 .xlsx",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
