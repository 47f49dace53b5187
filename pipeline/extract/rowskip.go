package extract

import "strings"

// The rows every file kind skips before a row is typed: blank rows, the
// totals rows (合计/总计/小计) a hand-filled table adds and that must not be
// summed twice, and the notes under a table (填表人, 审核人, 注：...). They
// live here, not in one kind's file, because more than one kind uses them:
// csv and xlsx skip blank and totals rows, xlsx also the notes, which
// people type under a workbook's table but exports do not write.

// blankRow is a row whose cells are all empty or spaces.
func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// totalsRow recognises 合计/总计/小计 rows, which must not be summed twice.
func totalsRow(cells []string) bool {
	for _, c := range cells {
		if c == "" {
			continue
		}
		// Every totals label starts with one of these (after spaces): most
		// rows are rejected here without any work.
		if r := strings.TrimLeft(c, " \t\u3000"); r != "" && !strings.HasPrefix(r, "合") && !strings.HasPrefix(r, "总") &&
			!strings.HasPrefix(r, "小") && !strings.HasPrefix(r, "全") {
			return false
		}
		s := strings.Join(strings.Fields(normalizeWidth(c)), "")
		if s == "" {
			continue
		}
		// normalizeWidth has made a full-width colon (：) ASCII.
		switch s {
		case "合计", "总计", "小计", "全市合计", "合计:", "总计:", "小计:":
			return true
		}
		return false
	}
	return false
}

// noteRow recognises the notes hand-filled reports put under the table
// (填表人, 联系电话, 注：...), which are not data.
func noteRow(cells []string) bool {
	for _, c := range cells {
		s := strings.TrimSpace(normalizeWidth(c))
		if s == "" {
			continue
		}
		for _, p := range []string{"填表人", "填报人", "制表人", "制表", "审核人", "审核", "负责人", "联系电话", "联系人", "注:", "注：", "说明:", "说明：", "备注:", "备注："} {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	return false
}
