//go:build duckdb_arrow

package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
)

// TestUserSQLInARunReadsOnlyTheProject: models, data tests and panels run on
// the writing connection, so each is tried with a way out of the warehouse.
// A model may read the project's own files; nothing may write one.
func TestUserSQLInARunReadsOnlyTheProject(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(outside, []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string // in the run's error
	}{
		{"model reads a file outside the project",
			map[string]string{"transforms/marts/leak.sql": "SELECT * FROM read_csv('" + outside + "')"},
			[]string{"transforms/marts/leak.sql", "已拒绝", "不能读写仓库以外的文件"}},
		{"model reads a system file",
			map[string]string{"transforms/marts/leak.sql": "SELECT * FROM read_text('/etc/hostname')"},
			[]string{"transforms/marts/leak.sql", "已拒绝"}},
		{"model adds a second statement",
			map[string]string{"transforms/marts/leak.sql": "SELECT 1 AS x;\nCOPY (SELECT 1) TO 'pwned.csv'"},
			[]string{"transforms/marts/leak.sql", "SELECT"}},
		{"data test reads a system file",
			map[string]string{"transforms/marts/probe.sql": "/* jixiao\ntests:\n  - assert: \"SELECT * FROM glob('/etc/host*')\"\n    name: probe\n*/\nSELECT 1 AS x"},
			[]string{"probe", "已拒绝"}},
		{"data test smuggles a COPY",
			map[string]string{"transforms/marts/probe.sql": "/* jixiao\ntests:\n  - assert: \"SELECT 1 AS x) ; COPY (SELECT 1) TO 'pwned.csv' --\"\n    name: probe\n*/\nSELECT 1 AS x"},
			[]string{"probe"}},
		{"panel copies over a page",
			map[string]string{"dashboards/evil.yaml": "title: 攻击\npanels:\n  - title: p\n    sql: \"COPY (SELECT 1) TO 'pwned.csv'\"\n    chart: table\n"},
			[]string{"已拒绝"}},
		{"panel reads a system file",
			map[string]string{"dashboards/evil.yaml": "title: 攻击\npanels:\n  - title: p\n    sql: \"SELECT * FROM read_csv('/etc/passwd')\"\n    chart: table\n"},
			[]string{"已拒绝"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := fixture.Copy(t, "tiny")
			for name, body := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := execute(t, dir)
			if err == nil {
				t.Fatal("the run succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, f := range []string{"pwned.csv", "site/pwned.csv", "transforms/marts/pwned.csv"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s was written", f)
				}
			}
		})
	}

	t.Run("model reads the project's own files", func(t *testing.T) {
		dir := fixture.Copy(t, "tiny")
		// DuckDB resolves a relative path against the working folder: jixiao
		// runs in the project folder.
		t.Chdir(dir)
		body := "SELECT count(*) AS n FROM read_csv('data/targets.csv') UNION ALL SELECT count(*) FROM read_csv('" + dir + "/data/targets.csv')"
		if err := os.WriteFile(filepath.Join(dir, "transforms/marts/own.sql"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := execute(t, dir); err != nil {
			t.Fatal(err)
		}
		if n := query[int](t, dir, "SELECT sum(n) FROM marts.own"); n != 4 {
			t.Errorf("rows read from data/targets.csv: %d", n)
		}
	})
}
