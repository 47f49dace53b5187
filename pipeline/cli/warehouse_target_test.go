//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
)

// A project whose PostgreSQL warehouse's variable is not set: commands
// that need the warehouse say which variable, check goes on against the
// declarations and says so.
func TestPostgresWarehouseWithoutItsVariable(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	f, err := os.OpenFile(filepath.Join(dir, "jixiao.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("warehouse: {kind: postgres, dsn_env: JIXIAO_PG_DSN}\n")
	f.Close()
	for _, args := range [][]string{{"query", "SELECT 1"}, {"runs"}, {"run"}, {"export", "marts.completion", "--format", "csv"}} {
		code, _, errOut := jixiao(t, dir, args...)
		if code == 0 || !strings.Contains(errOut, "环境变量 JIXIAO_PG_DSN 未设置") {
			t.Errorf("jixiao %s: exit %d, %s", strings.Join(args, " "), code, errOut)
		}
	}
	code, out, errOut := jixiao(t, dir, "check")
	if code != 0 || !strings.Contains(errOut, "本次只对照各数据源声明的列检查") || !strings.Contains(out, "检查通过") {
		t.Errorf("check: exit %d\n%s\n%s", code, out, errOut)
	}
}
