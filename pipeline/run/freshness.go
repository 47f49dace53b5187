package run

import (
	"context"
	"fmt"
	"math"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Staleness is a source whose newest load is older than its freshness allows.
type Staleness struct {
	Source string
	// Level is "warn" or "error".
	Level    string
	Age      time.Duration
	LastLoad time.Time
}

// Message says it in Chinese for the run summary and the dashboards.
func (s Staleness) Message() string {
	age := fmt.Sprintf("%.0f 小时", s.Age.Hours())
	if s.Age >= 48*time.Hour {
		age = fmt.Sprintf("%.0f 天", math.Floor(s.Age.Hours()/24))
	}
	if s.LastLoad.IsZero() {
		return fmt.Sprintf("数据源 %s 从未入库", s.Source)
	}
	level := "已超过预警时限"
	if s.Level == "error" {
		level = "已超过最长时限"
	}
	return fmt.Sprintf("数据源 %s 已 %s未更新（%s）", s.Source, age, level)
}

// CheckFreshness reports the sources whose newest successful load is older
// than their declared warn_after or error_after.
func CheckFreshness(ctx context.Context, w *warehouse.Warehouse, p *project.Project, now time.Time) ([]Staleness, error) {
	changes, err := w.SourceChanges(ctx)
	if err != nil {
		return nil, err
	}
	var out []Staleness
	for _, src := range p.Sources {
		f := src.Freshness
		if f.WarnAfter == "" && f.ErrorAfter == "" {
			continue
		}
		last := changes[src.Table()]
		age := now.Sub(last)
		if errAfter, err := project.ParseAge(f.ErrorAfter); err == nil && (last.IsZero() || age > errAfter) {
			out = append(out, Staleness{Source: src.Name, Level: "error", Age: age, LastLoad: last})
			continue
		}
		if warnAfter, err := project.ParseAge(f.WarnAfter); err == nil && (last.IsZero() || age > warnAfter) {
			out = append(out, Staleness{Source: src.Name, Level: "warn", Age: age, LastLoad: last})
		}
	}
	return out, nil
}
