package extract

import "testing"

// Each row rule says which rows it skips and, as much, which it keeps: a
// unit named 合肥 or a note in a data column is data.
func TestRowSkipRules(t *testing.T) {
	tests := []struct {
		name                string
		cells               []string
		blank, totals, note bool
	}{
		{name: "empty", cells: []string{"", "", ""}, blank: true},
		{name: "spaces and tabs", cells: []string{" ", "\t", ""}, blank: true},
		{name: "data", cells: []string{"环翠区", "12"}},
		{name: "合计", cells: []string{"合计", "120"}, totals: true},
		{name: "spaced 合 计 after an empty cell", cells: []string{"", "合 计", "120"}, totals: true},
		{name: "全市合计", cells: []string{"全市合计", "120"}, totals: true},
		{name: "full-width colon", cells: []string{"合计：", "5"}, totals: true},
		{name: "总计 with a full-width colon", cells: []string{"总计：", "5"}, totals: true},
		{name: "小计 with a colon", cells: []string{"小计:", "5"}, totals: true},
		{name: "小计", cells: []string{"小计"}, totals: true},
		{name: "a name that starts like a total", cells: []string{"合肥", "1"}},
		{name: "填表人 footer", cells: []string{"", "填表人：张三", "", "审核人：李四"}, note: true},
		{name: "审核人 footer", cells: []string{"审核人:李四"}, note: true},
		{name: "注 note", cells: []string{"注：本表按月报送"}, note: true},
		{name: "note text after data", cells: []string{"环翠区", "填表人"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := blankRow(tt.cells); got != tt.blank {
				t.Errorf("blankRow(%q) = %v, want %v", tt.cells, got, tt.blank)
			}
			if got := totalsRow(tt.cells); got != tt.totals {
				t.Errorf("totalsRow(%q) = %v, want %v", tt.cells, got, tt.totals)
			}
			if got := noteRow(tt.cells); got != tt.note {
				t.Errorf("noteRow(%q) = %v, want %v", tt.cells, got, tt.note)
			}
		})
	}
}
