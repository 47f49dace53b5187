//go:build duckdb_arrow

package render

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A panel reads at most PanelRows rows: when its query has more, the panel,
// its CSV and its workbook say so instead of passing a part for the whole.
func TestCappedPanelSaysSo(t *testing.T) {
	if _, err := Assets(); errors.Is(err, ErrNoECharts) {
		t.Skip("ECharts bundle not embedded: run `make assets` (make test does)")
	}
	page := "title: 明细\npanels:\n" +
		"  - {title: 全部, sql: \"SELECT range AS n FROM range(5)\", chart: table}\n" +
		"  - {title: 刚好, sql: \"SELECT range AS n FROM range(3)\", chart: table}\n"
	out := filepath.Join(t.TempDir(), "site")
	if _, err := Site(context.Background(), siteWarehouse(t), siteProject(t, page), Options{OutDir: out, PanelRows: 3}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(out, "index.html"))
	html := string(raw)
	const note = "仅显示前 3 行，完整数据请用 jixiao export 或 jixiao query"
	if strings.Count(html, note) != 1 {
		t.Errorf("the capped panel should say %q once (and the full one not at all): %d times", note, strings.Count(html, note))
	}
	got := inlineDownloads(t, html)
	if csv := string(got["明细 - 全部.csv"]); csv != "\uFEFFn\n0\n1\n2\n"+note+"\n" {
		t.Errorf("capped CSV: %q", csv)
	}
	if csv := string(got["明细 - 刚好.csv"]); csv != "\uFEFFn\n0\n1\n2\n" {
		t.Errorf("a panel holding every row has no note: %q", csv)
	}
	for name, sheet := range map[string]string{"明细 - 全部.xlsx": "全部"} {
		f, err := excelize.OpenReader(bytes.NewReader(got[name]))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(sheet)
		f.Close()
		if len(rows) != 6 || len(rows[5]) == 0 || rows[5][0] != note {
			t.Errorf("%s: rows %v, want 3 data rows and the note last", name, rows)
		}
	}
	// The page's workbook (a sheet per panel) says it too.
	f, err := excelize.OpenFile(filepath.Join(out, "data", "index.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rows, _ := f.GetRows("1 全部"); len(rows) != 6 || rows[5][0] != note {
		t.Errorf("page workbook: %v", rows)
	}
	if rows, _ := f.GetRows("2 刚好"); len(rows) != 5 {
		t.Errorf("page workbook, full panel: %v", rows)
	}
}
