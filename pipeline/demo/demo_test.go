package demo

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/pipeline/project"
)

func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	root := filepath.Join("..", "..")
	m := fstest.MapFS{"jixiao.yaml": {Data: mustRead(t, filepath.Join(root, "jixiao.yaml"))}}
	for _, f := range []string{"indicators.csv", "funds.csv", "fund_indicators.csv"} {
		m["data/catalog/"+f] = &fstest.MapFile{Data: mustRead(t, filepath.Join(root, "data", "catalog", f))}
	}
	p, diags := project.Load(m)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	c, err := ReadCatalog(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// digest hashes every file under dir, by name.
func digest(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out[p] = sha256.Sum256(mustRead(t, filepath.Join(dir, p)))
		}
		return nil
	})
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	c := testCatalog(t)
	a, b := t.TempDir(), t.TempDir()
	o := Options{Scale: 0.02, Seed: 7, Months: 6}
	o.Out = a
	sa, err := Generate(context.Background(), c, o)
	if err != nil {
		t.Fatal(err)
	}
	o.Out = b
	if _, err := Generate(context.Background(), c, o); err != nil {
		t.Fatal(err)
	}
	da, db := digest(t, a), digest(t, b)
	if len(da) != len(db) || len(da) < 10 {
		t.Fatalf("files: %d vs %d", len(da), len(db))
	}
	for name, h := range da {
		if db[name] != h {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	// 8 units x 6 months, plus one corrected re-send.
	if sa.Workbooks != 49 || sa.Persons != int(68000*0.02) || sa.Services == 0 || sa.Ledger == 0 || sa.Reviews == 0 {
		t.Errorf("summary %+v", sa)
	}
	if !Current(a, Options{Scale: 0.02, Seed: 7, Months: 6, Out: a}) || Current(a, Options{Scale: 0.02, Seed: 8, Months: 6}) {
		t.Error("the marker must match exactly the options used")
	}
	o.Seed, o.Out = 8, t.TempDir()
	Generate(context.Background(), c, o)
	if digest(t, o.Out)["roster/persons.csv"] == da["roster/persons.csv"] {
		t.Error("another seed must give other people")
	}
}

// The roster carries real-looking personal data, so that hashing it away
// in staging is tested on what an office really has.
func TestRosterLooksReal(t *testing.T) {
	c := testCatalog(t)
	dir := t.TempDir()
	if _, err := Generate(context.Background(), c, Options{Scale: 0.01, Seed: 1, Months: 3, Out: dir}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(mustRead(t, filepath.Join(dir, "roster", "persons.csv")))), "\n")
	idRe := regexp.MustCompile(`^37\d{4}(19|20)\d{6}\d{3}[\dX]$`)
	for _, l := range lines[1:20] {
		f := strings.Split(l, ",")
		id := f[4]
		if !idRe.MatchString(id) || idChecksum(id[:17]) != id[17] || !strings.HasPrefix(f[0], id) || len(f[0]) != 20 {
			t.Errorf("bad ID or certificate number in %q", l)
		}
	}
	ledger := mustRead(t, filepath.Join(dir, "ledger", "2017-专项资金台账.csv"))
	if strings.Contains(string(ledger), "资金编号") {
		t.Error("the ledger must be GBK-encoded, as finance exports it")
	}
}

func TestOverlayMergesFolders(t *testing.T) {
	base := fstest.MapFS{"jixiao.yaml": {Data: []byte("x")}, "data/catalog/a.csv": {Data: []byte("a")}}
	upper := fstest.MapFS{"reports/r.xlsx": {Data: []byte("r")}, "catalog/b.csv": {Data: []byte("b")}}
	o := Overlay{Base: base, Upper: upper, Prefix: "data"}
	entries, err := fs.ReadDir(o, "data")
	if err != nil || len(entries) != 2 || entries[0].Name() != "catalog" || entries[1].Name() != "reports" {
		t.Fatalf("data/: %v %v", entries, err)
	}
	matches, _ := fs.Glob(o, "data/catalog/*.csv")
	if strings.Join(matches, ",") != "data/catalog/a.csv,data/catalog/b.csv" {
		t.Errorf("glob %v", matches)
	}
	if b, err := fs.ReadFile(o, "data/reports/r.xlsx"); err != nil || string(b) != "r" {
		t.Errorf("read through: %q %v", b, err)
	}
	if _, err := fs.ReadFile(o, "data/none"); err == nil {
		t.Error("a missing file must be missing")
	}
}
