//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jixiao/internal/fixture"
)

// jixiao export fund-monitor, fund-targets and fund-self-eval write a
// fund's form; models still export as before.
func TestExportFundForms(t *testing.T) {
	dir := fixture.Copy(t, "plan")
	if err := os.CopyFS(filepath.Join(dir, "transforms"), os.DirFS(filepath.Join("..", "..", "transforms"))); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatalf("run: %s %s", out, errOut)
	}
	out := filepath.Join(t.TempDir(), "m.xlsx")
	code, stdout, stderr := jixiao(t, dir, "export", "fund-monitor", "--fund", "G3", "--month", "2017-07", "--out", out)
	if code != ExitOK || !strings.Contains(stdout, "已导出 fund-monitor G3（截至2017年7月）") {
		t.Fatalf("export fund-monitor: %d %s %s", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "全市,环翠区,文登区" {
		t.Errorf("sheets %s", got)
	}
	if v, _ := f.GetCellValue("全市", "A2"); v != "（2017年1–7月，数据截至2017年7月）" {
		t.Errorf("subtitle %q", v)
	}
	f.Close()
	// One unit only, and the other two forms with their default names.
	out = filepath.Join(t.TempDir(), "u.xlsx")
	if code, _, stderr := jixiao(t, dir, "export", "fund-monitor", "--fund", "G3", "--unit", "371003", "--out", out); code != ExitOK {
		t.Fatalf("one unit: %s", stderr)
	}
	if f, err := excelize.OpenFile(out); err != nil || strings.Join(f.GetSheetList(), ",") != "文登区" {
		t.Errorf("one unit's sheets: %v", err)
	}
	for _, name := range []string{"fund-targets", "fund-self-eval"} {
		out := filepath.Join(t.TempDir(), name+".xlsx")
		if code, stdout, stderr := jixiao(t, dir, "export", name, "--fund", "G3", "--out", out); code != ExitOK {
			t.Errorf("%s: %d %s %s", name, code, stdout, stderr)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "fund-monitor"}, ExitUsage, "需要 --fund 资金编号"},
		{[]string{"export", "fund-monitor", "--fund", "G3", "--month", "2017-13"}, ExitUsage, "--month 写作 2017-07"},
		{[]string{"export", "fund-monitor", "--fund", "G3", "--format", "csv"}, ExitUsage, "表格只导出为 xlsx"},
		{[]string{"export", "fund-monitor", "--fund", "G9"}, ExitFailed, "没有资金 G9 的数据"},
		{[]string{"export", "fund-monitor", "--fund", "G3", "--month", "2018-01"}, ExitFailed, "运行监控表只能按 2017年1月 至 2017年12月 的月份生成"},
		{[]string{"export", "fund-self-eval", "--fund", "G3", "--month", "2017-06"}, ExitFailed, "自评表按数据截至的 2017年12月 评分"},
		{[]string{"export", "marts.fund_performance", "--fund", "G3"}, ExitUsage, "--fund、--month、--unit 只用于"},
	} {
		code, _, stderr := jixiao(t, dir, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: %d %q, want %d %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	// The model export keeps working beside the forms.
	if code, _, stderr := jixiao(t, dir, "export", "marts.fund_monitor", "--out", filepath.Join(t.TempDir(), "fm.xlsx")); code != ExitOK {
		t.Errorf("model export: %s", stderr)
	}
}
