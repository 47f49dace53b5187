//go:build duckdb_arrow

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"jixiao/internal/fixture"
	"jixiao/pipeline/demo"
)

// jixiaoIn runs the command line as if started in the folder wd, with no
// --project: the way an analyst runs it in a clone.
func jixiaoIn(t *testing.T, wd string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" },
		DefaultProject: fstest.MapFS{"jixiao.yaml": {Data: []byte("name: 内置\nplan_year: 2017\n")}},
		Getwd:          func() (string, error) { return wd, nil }}
	code := Main(context.Background(), args, env)
	return code, out.String(), errOut.String()
}

// In a folder holding jixiao.yaml, or below one, jixiao uses that project,
// not the built-in copy, and says which it uses.
func TestWorkingFolderProject(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	below := filepath.Join(dir, "transforms", "marts")
	code, out, errOut := jixiaoIn(t, below, "check")
	if code != ExitOK || !strings.Contains(out, "项目：测试项目") || !strings.Contains(out, "文件夹 "+dir+" 中的 jixiao.yaml") || !strings.Contains(out, "2 个模型") {
		t.Fatalf("check in a project's subfolder: exit %d\n%s%s", code, out, errOut)
	}
	// A model the analyst just added is checked, and its mistakes found.
	os.WriteFile(filepath.Join(below, "by_month.sql"), []byte("SELECT month, sum(actul) AS actual\nFROM staging.stg_progress GROUP BY month\n"), 0o644)
	code, _, errOut = jixiaoIn(t, dir, "check")
	if code != ExitUsage || !strings.Contains(errOut, `transforms/marts/by_month.sql:1: 找不到列 "actul"`) || !strings.Contains(errOut, "是否想写 actual？") {
		t.Errorf("check must see the new model: exit %d\n%s", code, errOut)
	}
	os.WriteFile(filepath.Join(below, "by_month.sql"), []byte("SELECT month, sum(actual) AS actual\nFROM staging.stg_progress GROUP BY month\n"), 0o644)
	code, out, errOut = jixiaoIn(t, dir, "run")
	if code != ExitOK || !strings.Contains(out, "文件夹 "+dir+" 中的 jixiao.yaml") || !strings.Contains(out, "3 个构建成功") {
		t.Errorf("run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, ".jixiao", "warehouse.duckdb")); err != nil {
		t.Errorf("the warehouse belongs in the project folder: %v", err)
	}

	// With no jixiao.yaml up the tree, the built-in project is used and named so.
	code, out, _ = jixiaoIn(t, t.TempDir(), "check")
	if code != ExitOK || !strings.Contains(out, "jixiao 内置的默认项目") {
		t.Errorf("built-in: exit %d\n%s", code, out)
	}
}

// A broken project exits 2 whatever the command: an unknown table or a
// cycle found when run validates the project is no run failure.
func TestBrokenProjectExitsTwo(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "transforms/marts/x.sql"), []byte("SELECT *\nFROM staging.stg_progres\n"), 0o644)
	for _, cmd := range []string{"run", "transform", "check"} {
		code, _, errOut := jixiao(t, dir, cmd)
		if code != ExitUsage || !strings.Contains(errOut, `transforms/marts/x.sql:2: unknown table "staging.stg_progres"`) || !strings.Contains(errOut, "did you mean staging.stg_progress?") {
			t.Errorf("%s with an unknown table: exit %d, want %d\n%s", cmd, code, ExitUsage, errOut)
		}
	}
	os.WriteFile(filepath.Join(dir, "transforms/marts/x.sql"), []byte("SELECT * FROM marts.y\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "transforms/marts/y.sql"), []byte("SELECT 1 AS a,\n  (SELECT 1 FROM marts.x) AS b\n"), 0o644)
	code, _, errOut := jixiao(t, dir, "run")
	if code != ExitUsage || !strings.Contains(errOut, "transforms/marts/y.sql:2: dependency cycle: marts.x -> marts.y -> marts.x") {
		t.Errorf("run with a cycle: exit %d\n%s", code, errOut)
	}
}

// demo_data lays generated data over data/ only where data/ holds no demo
// data of its own (jixiao init writes it there).
func TestWantsDemoData(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	cfg, _ := os.ReadFile(filepath.Join(dir, "jixiao.yaml"))
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), append(cfg, []byte("demo_data: true\n")...), 0o644)
	// The fixture has no catalog to generate from: wanting demo data fails
	// with the reason...
	code, _, errOut := jixiao(t, dir, "run")
	if code == ExitOK || !strings.Contains(errOut, "demo data needs the catalog") {
		t.Errorf("demo_data without a catalog: exit %d %s", code, errOut)
	}
	// ...and data/ with demo data of its own is used as it is.
	os.WriteFile(filepath.Join(dir, "data", demo.MarkerFile), []byte("scale=1\n"), 0o644)
	code, out, errOut := jixiao(t, dir, "run")
	if code != ExitOK || strings.Contains(out, "正在生成演示数据") {
		t.Errorf("data/ holding demo data: exit %d\n%s%s", code, out, errOut)
	}
}
