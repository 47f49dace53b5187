package extract

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/pipeline/project"
)

func xlsxSourceFS(t *testing.T, data fs.FS, decl string) (*project.Source, Env) {
	m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\nunits:\n  - {code: \"371002\", name: 环翠区, kind: 区市}\n")}, "sources/progress.yaml": {Data: []byte(decl)}}
	fs.WalkDir(data, "reports", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xlsx") {
			b, _ := fs.ReadFile(data, p)
			m["data/"+p] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	p, diags := project.Load(m)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p.Sources[0], Env{FS: m, Units: NewUnitIndex(p.Config.Units)}
}
