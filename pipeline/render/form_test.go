//go:build duckdb_arrow

package render

import (
	"bytes"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"jixiao/internal/xlsxtest"
)

// sampleForm is a monitoring form in small: a two-row header with cells
// spanning rows and columns, money, a rate, a count with its unit, a tick
// and a light.
func sampleForm() *form {
	return &form{Sheet: "全市", Title: "项目支出绩效目标执行监控表", Subtitle: "（2017年1–6月）", Widths: []float64{10, 12, 12, 6, 6, 5},
		Tables: []formTable{{
			Caption: "绩效指标",
			Head: [][]formCell{
				{headCell("三级指标", 1, 2), headCell("1–6月", 2, 1), headCell("偏差原因分析", 2, 1), headCell("灯", 1, 2)},
				{headCell("实际完成值", 1, 1), headCell("执行率", 1, 1), headCell("经费保障", 1, 1), headCell("其他", 1, 1)},
			},
			Body: [][]formCell{
				{textCell("预算执行"), valueCell(1381.8234, fmtWanYuanWan), valueCell(0.7404, fmtPercent), tick(true, false), tick(false, false),
					{Text: "红", Value: "红", Light: "红"}},
				{textCell("服务人数"), measureCell(6699.0, "人"), valueCell(nil, fmtPercent), tick(false, false), tick(true, true),
					{Text: "绿", Value: "绿", Light: "绿"}},
			},
		}},
		Notes: []string{"全年预计 = 1–6月累计 ÷ 6 × 12。"},
	}
}

// TestFormWorkbookLayout reads the form's sheet back as Excel would: the
// header's merged cells, money and rates holding their raw values under
// number formats, a count shown with its unit, lights as fills.
func TestFormWorkbookLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := writeForms(&buf, []*form{sampleForm()}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	merged, _ := f.GetMergeCells("全市")
	var refs []string
	for _, m := range merged {
		refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	sort.Strings(refs)
	// Title and subtitle across the sheet, the caption, the spanning
	// headers (A4:A5, B4:C4, D4:E4, F4:F5) and the note.
	if got := strings.Join(refs, " "); got != "A1:F1 A2:F2 A3:F3 A4:A5 A8:F8 B4:C4 D4:E4 F4:F5" {
		t.Errorf("merged cells %s", got)
	}
	checkCells(t, buf.Bytes(), "全市", []cellCheck{
		{"A4", "三级指标", "三级指标", "", "EEF2F7"},
		{"B5", "实际完成值", "实际完成值", "", "EEF2F7"},
		{"B6", "1,381.82", "1381.8234", "#,##0.00", ""},
		{"C6", "74.0%", "0.7404", "0.0%", ""},
		{"D6", "✓", "✓", "", ""},
		{"F6", "红", "红", "", "EF9A9A"},
		{"B7", "6,699人", "6699", `#,##0"人"`, ""},
		{"E7", "✓*", "✓*", "", ""},
		{"F7", "绿", "绿", "", "C8E6C9"},
		// A covered cell of a merged header keeps the header's style, so its
		// borders print (excelize reads the merged range's value there).
		{"C4", "1–6月", "1–6月", "", "EEF2F7"},
	})
	if fill := xlsxtest.Fill(t, buf.Bytes(), "全市", "F6"); fill != "EF9A9A" {
		t.Errorf("red light fill %q", fill)
	}
	ps, err := f.GetPageLayout("全市")
	if err != nil || ps.Orientation == nil || *ps.Orientation != "landscape" {
		t.Errorf("page layout %+v: %v", ps, err)
	}
}

// The page shows the same layout: spans, lights, the unit beside a count.
func TestFormHTML(t *testing.T) {
	html := string(sampleForm().html())
	for _, want := range []string{
		`<th rowspan="2">三级指标</th><th colspan="2">1–6月</th><th colspan="2">偏差原因分析</th><th rowspan="2">灯</th>`,
		`<td class="al-right">1,381.82</td><td class="al-right">74.0%</td>`,
		`<td class="light-red">红</td>`, `<td class="al-right">6,699人</td>`, `<td class="al-center">—</td>`,
		`<li>全年预计 = 1–6月累计 ÷ 6 × 12。</li>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("form HTML lacks %s\n%s", want, html)
		}
	}
}

// Consecutive rows of the same 一级/二级 indicator merge into one cell.
func TestLevelCellsMerge(t *testing.T) {
	items := []rec{{"level1": "产出", "level2": "数量"}, {"level1": "产出", "level2": "数量"}, {"level1": "产出", "level2": "成本"}, {"level1": "效益", "level2": "成本"}}
	var got []string
	for _, lv := range levelCells(items) {
		got = append(got, strings.TrimSpace(lv[0].Text+" "+lv[1].Text)+":"+string(rune('0'+lv[0].RowSpan+1))+string(rune('0'+lv[1].RowSpan+1)))
	}
	// RowSpan -1 (shown 0) is a cell covered by the one above.
	if s := strings.Join(got, " "); s != "产出 数量:43 :00 成本:02 效益 成本:22" {
		t.Errorf("levels %s", s)
	}
}

// A sheet name keeps what Excel accepts: the characters it refuses become
// their full-width forms, the name is cut to max characters (not bytes),
// and an empty title gets a name.
func TestSheetName(t *testing.T) {
	for _, tc := range []struct {
		title string
		max   int
		want  string
	}{
		{"各单位完成情况", 31, "各单位完成情况"},
		{"康复/托养: [2017]*?'\\", 31, "康复／托养： （2017）＊？’＼"},
		{"一二三四五六七八九十", 4, "一二三四"},
		{"", 31, "数据"},
	} {
		if got := sheetName(tc.title, tc.max); got != tc.want {
			t.Errorf("sheetName(%q, %d) = %q, want %q", tc.title, tc.max, got, tc.want)
		}
	}
}
