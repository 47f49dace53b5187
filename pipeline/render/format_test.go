package render

import (
	"math/big"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	d := time.Date(2017, 6, 30, 8, 5, 0, 0, time.UTC)
	tests := []struct{ got, want string }{
		{FormatDate(d), "2017年6月30日"},
		{FormatMonth(d), "2017年6月"},
		{FormatDateTime(d), "2017年6月30日 08:05"},
		{FormatWanYuan(1234567), "123.46万元"},
		{FormatWanYuan(123456789012), "12,345,678.90万元"},
		{FormatPercent(0.8567), "85.7%"},
		{FormatNumber(-1234.5, 1), "-1,234.5"},
		{FormatNumber(-0.001, 1), "0.0"},
		{FormatCell(nil, ""), "—"},
		{FormatCell(int64(9441), "integer"), "9,441"},
		{FormatCell(big.NewInt(22), "integer"), "22"},
		{FormatCell(0.7, "percent"), "70.0%"},
		{FormatCell(int64(25000), "wanyuan"), "2.50万元"},
		{FormatCell(time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC), "month"), "2017年6月"},
		{FormatCell(time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC), ""), "2017年6月1日"},
		{FormatCell("滞后", ""), "滞后"},
		{FormatCell(true, ""), "是"},
		{FormatCell(false, ""), "否"},
		{FormatCell([]any{"r1-progress-3", "r1-progress-11"}, ""), "r1-progress-3，r1-progress-11"},
		{FormatCell([]any{0.5, nil}, "percent"), "50.0%，—"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}
