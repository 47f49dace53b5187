//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
)

// TestQueryCannotWriteReadFilesOrReachOut tries, through `jixiao query`,
// every way out of the warehouse an attacker or a careless user would try:
// each is refused with a Chinese reason, and nothing is written.
func TestQueryCannotWriteReadFilesOrReachOut(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if code, out, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	wh := filepath.Join(dir, ".jixiao", "warehouse.duckdb")
	index := filepath.Join(dir, "site", "index.html")
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	leak := filepath.Join(t.TempDir(), "leak.csv")
	for _, c := range []struct {
		name, sql, reason string
	}{
		{"copy rows anywhere", "COPY (SELECT * FROM raw.progress) TO '" + leak + "'", "不能读写仓库以外的文件"},
		{"copy over a page", "COPY (SELECT '<script>alert(1)</script>') TO '" + index + "' (HEADER false)", "不能读写仓库以外的文件"},
		{"copy over the warehouse", "COPY (SELECT 1) TO '" + wh + "'", "不能读写仓库以外的文件"},
		{"copy relative", "COPY (SELECT 1) TO 'x.csv'", "不能读写仓库以外的文件"},
		{"read a system file", "SELECT * FROM read_csv('/etc/passwd')", "不能读写仓库以外的文件"},
		{"read_text", "SELECT * FROM read_text('/etc/hostname')", "不能读写仓库以外的文件"},
		{"glob", "SELECT * FROM glob('/root/*')", "不能读写仓库以外的文件"},
		{"attach another file", "ATTACH '" + filepath.Join(dir, "other.duckdb") + "'", "不能读写仓库以外的文件"},
		{"export database", "EXPORT DATABASE '" + filepath.Join(dir, "dump") + "'", "不能读写仓库以外的文件"},
		{"install an extension", "INSTALL httpfs", "不安装、不加载扩展"},
		{"turn autoinstall on", "SET autoinstall_known_extensions = true", "不能修改数据库设置"},
		{"turn external access on", "SET enable_external_access = true", "不能修改数据库设置"},
		{"unlock", "SET lock_configuration = false", "不能修改数据库设置"},
		{"write a profile", "PRAGMA profiling_output = '" + leak + "'", "不能修改数据库设置"},
		{"drop a table", "DROP TABLE marts.completion", "只读查询不能执行"},
		{"insert", "INSERT INTO raw.targets SELECT * FROM raw.targets", "只读查询不能执行"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := jixiao(t, dir, "query", c.sql)
			if code != ExitFailed || !strings.Contains(errOut, "已拒绝") || !strings.Contains(errOut, c.reason) {
				t.Errorf("%s: exit %d, want refused with %q\nstdout: %s\nstderr: %s", c.sql, code, c.reason, out, errOut)
			}
		})
	}
	for _, f := range []string{leak, filepath.Join(dir, "x.csv"), filepath.Join(dir, "other.duckdb"), filepath.Join(dir, "dump")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was written", f)
		}
	}
	if now, _ := os.ReadFile(index); string(now) != string(page) {
		t.Error("site/index.html changed")
	}
	// The warehouse is whole and still answers.
	if code, out, errOut := jixiao(t, dir, "query", "SELECT count(*) AS n FROM marts.completion", "--format", "csv"); code != ExitOK || out != "n\n2\n" {
		t.Errorf("warehouse after the attempts: exit %d %q %s", code, out, errOut)
	}
	// A query's own columns keep their names, however many there are.
	if code, out, _ := jixiao(t, dir, "query", "SELECT 1 a, 2 b, 3 c, 4 d, 5 e, 6 f, 7 g, 8 h", "--format", "csv"); code != ExitOK || !strings.HasPrefix(out, "a,b,c,d,e,f,g,h\n") {
		t.Errorf("eight columns: %q", out)
	}
	// export still writes its own file, and only that one.
	out := filepath.Join(dir, "completion.parquet")
	if code, _, errOut := jixiao(t, dir, "export", "marts.completion", "--format", "parquet", "--out", out); code != ExitOK {
		t.Fatalf("export parquet: %s", errOut)
	}
	if code, res, errOut := jixiao(t, dir, "query", "SELECT count(*) AS n FROM read_parquet('"+out+"')", "--format", "csv"); code != ExitFailed || !strings.Contains(errOut, "已拒绝") {
		t.Errorf("query may not read the exported file either: exit %d %s %s", code, res, errOut)
	}
}
