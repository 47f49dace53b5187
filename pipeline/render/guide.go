package render

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// GuideInputs is what the data guide needs beyond the warehouse: the model
// graph (what each model reads and what reads it).
type GuideInputs struct {
	Parents  map[string][]string
	Children map[string][]string
}

type guideView struct {
	Models  []guideModel
	Sources []guideSource
}

type guideModel struct {
	ID, File, Description, Materialized string
	Columns                             []guideColumn
	Tests                               []guideTest
	Reads, ReadBy                       string
	Rows                                string
	BuiltAt                             string
}

type guideColumn struct{ Name, Label, Type string }

type guideTest struct {
	Name, Severity, Status, Class, Failures, RanAt, RunID string
	// Note is what the result says besides its count: the failing rows'
	// sample, or why a pass read nothing (由模型 SQL 的 GROUP BY 保证…).
	Note string
}

// noteMost is how much of a test's sample the guide shows.
const noteMost = 160

type guideSource struct {
	Name, Kind, Description, File, LastLoad, Rows, Status, Class, Note string
}

// buildGuide describes every model and source for an analyst or auditor:
// what it is, its columns, its tests and their last results, what it reads
// and what reads it, and each source's last load.
func buildGuide(ctx context.Context, w *warehouse.Warehouse, p *project.Project, in *GuideInputs, loc *time.Location) (*guideView, error) {
	g := &guideView{}
	tests, err := w.LatestTestResults(ctx)
	if err != nil {
		return nil, err
	}
	builds, err := w.PriorBuilds(ctx)
	if err != nil {
		return nil, err
	}
	models := append([]*project.Model(nil), p.Models...)
	sort.Slice(models, func(i, j int) bool { return models[i].ID() < models[j].ID() })
	for _, m := range models {
		gm := guideModel{ID: m.ID(), File: m.File, Description: m.Header.Description, Materialized: map[string]string{"table": "表", "view": "视图"}[m.Header.Materialized]}
		cols, err := w.Columns(ctx, m.Schema, m.Name)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			gm.Columns = append(gm.Columns, guideColumn{Name: c.Name, Label: m.Header.Columns.Label(c.Name), Type: c.Type})
		}
		for _, r := range tests.Rows {
			if r[0] != m.ID() {
				continue
			}
			status := fmt.Sprint(r[3])
			gm.Tests = append(gm.Tests, guideTest{Name: fmt.Sprint(r[1]), Severity: map[string]string{"error": "错误", "warn": "警告"}[fmt.Sprint(r[2])],
				Status:   map[string]string{"pass": "通过", "fail": "未通过", "warn": "警告", "error": "无法运行"}[status],
				Class:    map[string]string{"pass": "done", "warn": "onpace", "fail": "behind", "error": "behind"}[status],
				Failures: FormatCell(r[4], "integer"), RanAt: ranAt(r[5], loc), RunID: fmt.Sprint(r[6]), Note: shortNote(fmt.Sprint(r[7]))})
		}
		if in != nil {
			gm.Reads = strings.Join(in.Parents[m.ID()], "、")
			gm.ReadBy = strings.Join(in.Children[m.ID()], "、")
		}
		if b, ok := builds[m.ID()]; ok {
			gm.BuiltAt = FormatDateTime(b.FinishedAt.In(loc))
		}
		g.Models = append(g.Models, gm)
	}
	loads, err := w.SourceLoadSummary(ctx)
	if err != nil {
		return nil, err
	}
	bySource := map[string][]any{}
	for _, r := range loads.Rows {
		bySource[fmt.Sprint(r[0])] = r
	}
	for _, s := range p.Sources {
		gs := guideSource{Name: s.Name, Kind: s.Kind, Description: s.Description, File: s.File, LastLoad: "（尚未入库）"}
		if r, ok := bySource[s.Name]; ok {
			if t, ok := r[1].(time.Time); ok {
				gs.LastLoad = FormatDateTime(t.In(loc))
			}
			gs.Rows = FormatCell(r[2], "integer")
			status := fmt.Sprint(r[3])
			gs.Status = map[string]string{"success": "成功", "failed": "失败"}[status]
			gs.Class = map[string]string{"success": "done", "failed": "behind"}[status]
			if status == "failed" && r[4] != nil {
				gs.Note = fmt.Sprint(r[4])
			}
		}
		g.Sources = append(g.Sources, gs)
	}
	return g, nil
}

// ranAt writes a test's run time, or a dash where the history has none.
func ranAt(v any, loc *time.Location) string {
	t, ok := v.(time.Time)
	if !ok {
		return "—"
	}
	return FormatDateTime(t.In(loc))
}

// shortNote is a test result's sample on one line, cut to noteMost
// characters.
func shortNote(sample string) string {
	note := strings.Join(strings.Fields(strings.ReplaceAll(sample, "\n", "；")), " ")
	if r := []rune(note); len(r) > noteMost {
		note = string(r[:noteMost]) + "…"
	}
	return note
}
