//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReportsShowsReceiptsAndWritesReminders runs the default project's
// transforms over the tiny fixture's progress files: a month no report
// came for is listed to 催报, in the grid, as CSV and as a workbook.
func TestReportsShowsReceiptsAndWritesReminders(t *testing.T) {
	dir := planProjectWithReceipts(t)
	if code, out, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := jixiao(t, dir, "reports")
	if code != ExitOK {
		t.Fatalf("reports exit %d: %s", code, errOut)
	}
	for _, want := range []string{"月报报送情况", "需要催报", "未收到", "请该单位补报本月月报"} {
		if !strings.Contains(out, want) {
			t.Errorf("reports lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = jixiao(t, dir, "reports", "--format", "csv")
	if code != ExitOK || !strings.HasPrefix(out, "单位,月份,情况,被拒收文件,拒收原因,处理办法\n") {
		t.Errorf("csv: %d %q", code, out)
	}
	book := filepath.Join(t.TempDir(), "催报.xlsx")
	if code, _, errOut := jixiao(t, dir, "reports", "--format", "xlsx", "--out", book); code != ExitOK {
		t.Fatalf("xlsx: %s", errOut)
	}
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetName(0))
	// a title row, then the header, then a reminder a row
	if len(rows) < 3 || rows[0][0] != "催报清单" || !strings.Contains(strings.Join(rows[1], ","), "处理办法") || rows[2][2] != "未收到" {
		t.Errorf("workbook rows: %v", rows)
	}
}

// planProjectWithReceipts copies testdata/projects/plan with the default
// project's transforms: its units report in some months only.
func planProjectWithReceipts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join("..", "..")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata", "projects", "plan"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "transforms"), os.DirFS(filepath.Join(root, "transforms"))); err != nil {
		t.Fatal(err)
	}
	return dir
}
