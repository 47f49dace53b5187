package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"jixiao/pipeline/project"
)

// monthly are one unit's figures for one indicator, month by month.
type monthly struct {
	done   []float64 // 本月完成
	demand []float64 // 本月需求, for ratio and every-case indicators
}

// progressSeries draws a unit's path through the year for one indicator.
func progressSeries(ind Indicator, u project.Unit, p float64, rng *rand.Rand) monthly {
	m := monthly{done: make([]float64, 12), demand: make([]float64, 12)}
	target := ind.TargetFor(u)
	switch ind.Kind {
	case "deadline":
		if target <= 0 {
			return m
		}
		due := 12
		if len(ind.Due) >= 7 {
			due, _ = strconv.Atoi(ind.Due[5:7])
		}
		month := int(math.Round(float64(due)/p)) + rng.IntN(3) - 1
		if month >= 1 && month <= 12 {
			m.done[month-1] = target
		}
	case "ratio":
		// Money paid against money owed (万元): the rate drifts with pace.
		for i := range m.done {
			owed := math.Round((20+rng.Float64()*30)*u.Share*100) / 10
			m.demand[i] = owed
			m.done[i] = math.Round(owed*math.Min(1, target*p*(0.92+rng.Float64()*0.12))*10) / 10
		}
	case "every_case":
		for i := range m.done {
			found := float64(rng.IntN(3 + int(u.Share*20)))
			m.demand[i] = found
			helped := found
			if p < 0.9 && found > 0 && rng.Float64() < 0.4 {
				helped--
			}
			m.done[i] = helped
		}
	default:
		if target <= 0 {
			return m
		}
		if ind.Direction == "反向" {
			for i := range m.done {
				m.done[i] = math.Max(0, math.Round(target/12*(2-p)+rng.NormFloat64()*0.8))
			}
			return m
		}
		if target <= 5 {
			// Small targets (a base, a meeting) are done one by one, each in a
			// month that comes earlier for units ahead of pace.
			for k := 1; k <= int(target); k++ {
				month := int(math.Ceil(12*float64(k)/(target+0.5)*(0.55+rng.Float64()*0.5)/p)) - 1
				if month >= 0 && month < 12 {
					m.done[month]++
				}
			}
			return m
		}
		prev := 0.0
		for i := range m.done {
			// Cumulative progress follows pace, with noise.
			want := target * math.Min(1.4, float64(i+1)/12*p*(0.92+rng.Float64()*0.16))
			cum := math.Max(prev, math.Floor(want))
			m.done[i] = cum - prev
			prev = cum
		}
	}
	return m
}

// spelling is how a report names its unit: the canonical name mostly, an
// alias now and then, as real reports do.
func spelling(u project.Unit, month int) string {
	if len(u.Aliases) > 0 && month%4 == 0 {
		return u.Aliases[month%len(u.Aliases)]
	}
	return u.Name
}

// typedNumber writes a figure the way hand-filled sheets do: mostly a
// number, sometimes text, sometimes full-width digits.
func typedNumber(v float64, rng *rand.Rand) any {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	switch rng.IntN(10) {
	case 0:
		return s // typed as text
	case 1:
		var b strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' {
				b.WriteRune(r + 0xFEE0)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return v
}

func writeWorkbooks(ctx context.Context, c *Catalog, o Options, paces map[string]float64, rng *rand.Rand) (int, error) {
	dir := filepath.Join(o.Out, "reports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	units := sortedUnits(c.Units)
	series := map[string]map[string]monthly{}
	for _, u := range units {
		series[u.Code] = map[string]monthly{}
		for _, ind := range c.Indicators {
			switch {
			case ind.Source == "progress":
				series[u.Code][ind.ID] = progressSeries(ind, u, paces[u.Code], rng)
			case ind.Kind == "count" && ind.Direction == "正向":
				// Counted from the service records, but the unit reports its
				// own figure too, and explains the row when it falls behind.
				series[u.Code][ind.ID] = ownCount(ind, u, paces[u.Code])
			}
		}
	}
	// The slowest unit reports June late; the second-slowest re-sends May
	// corrected; one report names its unit wrongly (乳山县), which nothing
	// resolves, so its rows go to quarantine for the office to fix.
	slow, second := slowestTwo(units, paces)
	n := 0
	for month := 1; month <= o.Months; month++ {
		for _, u := range units {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			name := spelling(u, month)
			if u.Name == "乳山市" && month == 3 {
				name = "乳山县"
			}
			// Reports are due by the 5th of the next month; most arrive on time.
			reported := fmt.Sprintf("%d年%d月%d日", c.Year+(month/12), month%12+1, 2+rng.IntN(4))
			if u.Code == slow.Code && month == 6 {
				reported = fmt.Sprintf("%d年7月25日", c.Year)
			}
			file := filepath.Join(dir, fmt.Sprintf("%d-%02d-%s.xlsx", c.Year, month, u.Name))
			if err := writeWorkbook(file, c, u, name, reported, month, series[u.Code], rng, 0); err != nil {
				return n, err
			}
			n++
			if u.Code == second.Code && month == 5 && o.Months > 5 {
				corrected := filepath.Join(dir, fmt.Sprintf("%d-%02d-%s-更正.xlsx", c.Year, month, u.Name))
				if err := writeWorkbook(corrected, c, u, name, fmt.Sprintf("%d年6月12日", c.Year), month, series[u.Code], rng, 1); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

func slowestTwo(units []project.Unit, paces map[string]float64) (project.Unit, project.Unit) {
	a, b := units[0], units[1]
	if paces[b.Code] < paces[a.Code] {
		a, b = b, a
	}
	for _, u := range units[2:] {
		switch {
		case paces[u.Code] < paces[a.Code]:
			a, b = u, a
		case paces[u.Code] < paces[b.Code]:
			b = u
		}
	}
	return a, b
}

// writeWorkbook writes one unit's monthly report. correction > 0 changes
// the first figure, as a corrected re-send does.
func writeWorkbook(path string, c *Catalog, u project.Unit, name, reported string, month int, series map[string]monthly, rng *rand.Rand, correction float64) error {
	f := excelize.NewFile()
	defer f.Close()
	sh := "进度月报"
	f.SetSheetName("Sheet1", sh)
	set := func(cell string, v any) { f.SetCellValue(sh, cell, v) }
	set("A1", fmt.Sprintf("%d年%d月残疾人工作要点任务进度月报表", c.Year, month))
	f.MergeCell(sh, "A1", "I1")
	set("A2", "填报单位："+name+"残联")
	set("D2", "报送日期："+reported)
	set("A3", "指标编号")
	set("B3", "指标名称")
	set("C3", "本月")
	f.MergeCell(sh, "C3", "D3")
	set("C4", "完成数")
	set("D4", "需求数")
	set("E3", "累计完成")
	set("F3", "备注")
	set("G3", "偏差原因分析")
	set("H3", "完成目标可能性")
	set("I3", "纠偏措施")
	for _, col := range []string{"A", "B", "E", "F", "G", "H", "I"} {
		f.MergeCell(sh, col+"3", col+"4")
	}
	row := 5
	total := 0.0
	first := true
	for _, ind := range c.Indicators {
		s, ok := series[ind.ID]
		if !ok || (ind.TargetFor(u) <= 0 && ind.Kind != "ratio" && ind.Kind != "every_case") {
			continue
		}
		done := s.done[month-1]
		if first && correction > 0 {
			done += correction
			first = false
		}
		cum := 0.0
		for i := 0; i < month; i++ {
			cum += s.done[i]
		}
		r := strconv.Itoa(row)
		set("A"+r, ind.ID)
		set("B"+r, ind.Name)
		if ind.Source == "progress" {
			set("C"+r, typedNumber(done, rng))
		} else {
			set("C"+r, done) // no draw from rng: the other rows' figures stay as they were
		}
		if ind.Kind == "ratio" || ind.Kind == "every_case" {
			set("D"+r, typedNumber(s.demand[month-1], rng))
		}
		set("E"+r, cum)
		if reason, likelihood, action := explain(ind, u, s, month); reason != "" {
			set("G"+r, reason)
			set("H"+r, likelihood)
			set("I"+r, action)
		}
		total += done
		row++
		if row == 9 {
			row++ // a blank row left in the middle, as people do
		}
	}
	r := strconv.Itoa(row)
	set("A"+r, "合计")
	set("C"+r, total)
	set("A"+strconv.Itoa(row+2), "填表人：张晓梅　　联系电话：0631-52"+fmt.Sprintf("%05d", rng.IntN(100000)))
	f.NewSheet("填报说明")
	f.SetCellValue("填报说明", "A1", "本表每月5日前报送市残联；需求数仅比例类和“应救尽救”类指标填写。")
	f.SetCellValue("填报说明", "A2", "落后于序时进度的指标，请填写偏差原因分析（经费保障、制度保障、人员保障、硬件条件保障或其他，加冒号写明原因）、完成目标可能性（确定能、有可能、完全不可能）和纠偏措施。")
	f.SetCellValue("填报说明", "A3", "由服务记录统计的指标（就业、培训、康复、白内障手术等），本表数字仅供核对，以服务记录为准。")
	return f.SaveAs(path)
}

// ownCount is a unit's own monthly count of an indicator the service
// records count: its share of the target at its pace, as plain numbers
// (the report's figure for these rows is not the one jixiao uses).
func ownCount(ind Indicator, u project.Unit, p float64) monthly {
	m := monthly{done: make([]float64, 12), demand: make([]float64, 12)}
	target := ind.TargetFor(u)
	prev := 0.0
	for i := range m.done {
		cum := math.Floor(target * float64(i+1) / 12 * p)
		m.done[i] = math.Max(0, cum-prev)
		prev = math.Max(prev, cum)
	}
	return m
}

// The reasons units give for a row behind schedule, in the monitoring
// form's categories, with what they will do about it.
var deviations = []struct{ reason, action string }{
	{"经费保障：上级补助资金尚未全部到位，部分项目暂缓实施", "协调财政加快资金拨付，急需项目先行垫付"},
	{"人员保障：基层专职委员人手不足，入户服务进度偏慢", "抽调助残志愿者充实服务力量，实行每周调度"},
	{"制度保障：补贴申领流程调整，审核周期延长", "简化审核材料，推行容缺受理"},
	{"硬件条件保障：服务场地改造未完成，集中服务推迟", "借用社区场地先行开展服务"},
	{"其他：部分服务对象外出务工，需分批上门服务", "错时上门，节假日集中服务"},
}

// explain is what a unit writes in a row's 偏差原因分析, 完成目标可能性 and
// 纠偏措施: nothing for a row on schedule (or a milestone), and for one
// behind (a count behind 序时进度, a rate below its floor, a case not yet
// helped) a reason, how likely the target still is, and a measure; about
// one row in five behind is left blank, as units do. It draws nothing from
// the generator's random stream, so the figures stay as they were.
func explain(ind Indicator, u project.Unit, s monthly, month int) (reason, likelihood, action string) {
	target := ind.TargetFor(u)
	done, demand := 0.0, 0.0
	for i := 0; i < month; i++ {
		done += s.done[i]
		demand += s.demand[i]
	}
	var gap float64
	switch {
	case ind.Kind == "count" && ind.Direction == "正向" && target > 0:
		gap = float64(month)/12 - done/target
	case (ind.Kind == "ratio" || ind.Kind == "every_case") && demand > 0 && target > 0:
		gap = (target - done/demand) / target * 2 // a shortfall on a floor weighs double
	}
	if gap <= 0.05 {
		return "", "", ""
	}
	h := 0
	for _, b := range []byte(u.Code + ind.ID) {
		h = h*31 + int(b)
	}
	h += month * 7
	if h%5 == 0 {
		return "", "", "" // left blank: jixiao shows 未填写 and asks for it
	}
	d := deviations[h%len(deviations)]
	switch {
	case gap > 0.25:
		return d.reason, "完全不可能", d.action + "；年度目标难以完成，申请调整"
	case gap > 0.12:
		return d.reason, "有可能", d.action
	}
	return d.reason, "确定能", d.action
}
