package extract

import (
	"fmt"
	"strconv"
	"time"

	"jixiao/pipeline/project"
)

// rowRules are what a row is checked against beyond its cells' types: the
// project's units, and the bounds its declaration sets (min, max, within
// the plan year, not in the future).
type rowRules struct {
	units    *UnitIndex
	planYear int
	// today is the day of the run, in the project's time zone.
	today time.Time
}

// rowRules gathers the rules an extractor's rows are checked against.
func (e Env) rowRules() rowRules {
	today := e.Today
	if today.IsZero() {
		today = time.Now()
	}
	return rowRules{units: e.Units, planYear: e.PlanYear,
		today: time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)}
}

// checkBounds says why a converted value breaks its column's declared
// bounds, in the words of the office that fixes it; nil when it fits.
func (r rowRules) checkBounds(col *project.Column, c *cell) error {
	if c.null || col.Min == nil && col.Max == nil && col.Within == "" && !col.NotFuture {
		return nil
	}
	switch col.Type {
	case "integer", "number":
		v := c.f
		if col.Type == "integer" {
			v = float64(c.i)
		}
		if col.Min != nil && v < *col.Min {
			return fmt.Errorf("%s 小于允许的最小值 %s（该项只增不减，本期数不能为负；更正请重报当月数）", num(v), num(*col.Min))
		}
		if col.Max != nil && v > *col.Max {
			return fmt.Errorf("%s 大于允许的最大值 %s", num(v), num(*col.Max))
		}
	case "date", "timestamp":
		if col.Within == project.WithinPlanYear && r.planYear != 0 && c.t.Year() != r.planYear {
			return fmt.Errorf("%s 不在计划年度 %d 年内（请检查年份，或把该行报到对应年度的项目）", c.t.Format("2006-01-02"), r.planYear)
		}
		if col.NotFuture && c.t.After(r.today.Add(24*time.Hour-time.Nanosecond)) {
			return fmt.Errorf("%s 晚于今天（%s），日期可能填错", c.t.Format("2006-01-02"), r.today.Format("2006-01-02"))
		}
	}
	return nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
