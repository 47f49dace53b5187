package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding/simplifiedchinese"

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

// A month later the demo holds the same first months and one more, as a
// real office's data does: --months 9 writes --months 8's data, then
// September's. The services export grows at its end, so a load can take
// only its new rows.
func TestAnotherMonthExtendsTheData(t *testing.T) {
	c := testCatalog(t)
	eight, nine := t.TempDir(), t.TempDir()
	for dir, months := range map[string]int{eight: 8, nine: 9} {
		if _, err := Generate(context.Background(), c, Options{Scale: 0.03, Seed: 2017, Months: months, Out: dir}); err != nil {
			t.Fatal(err)
		}
	}
	d8, d9 := digest(t, eight), digest(t, nine)
	for name := range d8 {
		if name == MarkerFile || d8[name] == d9[name] {
			continue
		}
		a, b := mustRead(t, filepath.Join(eight, name)), mustRead(t, filepath.Join(nine, name))
		switch name {
		case "roster/services.csv":
			if !bytes.HasPrefix(b, a) {
				t.Errorf("%s: the September export does not start with August's", name)
				continue
			}
			added := strings.Split(strings.TrimSpace(string(b[len(a):])), "\n")
			for _, l := range added {
				if f := strings.Split(l, ","); len(f) < 4 || !strings.HasPrefix(f[3], "2017-09-") {
					t.Errorf("%s: a row added in September is not September's: %q", name, l)
					break
				}
			}
			if len(added) < 100 {
				t.Errorf("%s: only %d rows added in September", name, len(added))
			}
		case "ledger/2017-专项资金台账.csv":
			rows := func(data []byte, months int) []string {
				text, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, l := range strings.Split(string(text), "\n") {
					if f := strings.Split(l, ","); len(f) > 3 && f[3] >= "2017-01" && f[3] <= fmt.Sprintf("2017-%02d", months) {
						out = append(out, l)
					}
				}
				return out
			}
			if r8, r9 := rows(a, 8), rows(b, 8); len(r8) == 0 || strings.Join(r8, "\n") != strings.Join(r9, "\n") {
				t.Errorf("%s: the first eight months' rows differ (%d and %d rows)", name, len(r8), len(r9))
			}
			if len(rows(b, 9)) <= len(rows(b, 8)) {
				t.Errorf("%s: no September rows", name)
			}
		case "survey/satisfaction.json":
			var s8, s9 struct {
				Data struct{ Items []map[string]any }
			}
			if json.Unmarshal(a, &s8) != nil || json.Unmarshal(b, &s9) != nil || len(s9.Data.Items) <= len(s8.Data.Items) {
				t.Fatalf("%s: %d and %d answers", name, len(s8.Data.Items), len(s9.Data.Items))
			}
			if fmt.Sprint(s8.Data.Items) != fmt.Sprint(s9.Data.Items[:len(s8.Data.Items)]) {
				t.Errorf("%s: the first eight months' answers differ", name)
			}
			for _, it := range s9.Data.Items[len(s8.Data.Items):] {
				if !strings.HasPrefix(fmt.Sprint(it["answered_at"]), "2017-09-") {
					t.Errorf("%s: an answer added in September is not September's: %v", name, it)
					break
				}
			}
		default:
			t.Errorf("%s differs between --months 8 and --months 9", name)
		}
	}
	if len(d9) != len(d8)+8 {
		t.Errorf("--months 9 wrote %d files, --months 8 %d: want eight more reports", len(d9), len(d8))
	}
}
