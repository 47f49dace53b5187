package project

import (
	"io/fs"

	"github.com/robfig/cron/v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Schedule is one job of schedules/*.yaml: when to run what.
type Schedule struct {
	Name string `yaml:"name"`
	Cron string `yaml:"cron"`
	// Run is what the job runs: pipeline, extract, transform, test or render.
	Run     string   `yaml:"run"`
	Sources []string `yaml:"sources"`
	Select  []string `yaml:"select"`

	File string   `yaml:"-"`
	Pos  diag.Pos `yaml:"-"`
}

// Job kinds a schedule may run.
var ScheduleRuns = []string{"pipeline", "extract", "transform", "test", "render"}

type scheduleFile struct {
	Jobs []Schedule `yaml:"jobs"`
}

func loadSchedules(fsys fs.FS, file string, diags *diag.List) []*Schedule {
	node := readMapping(fsys, file, "schedule", diags)
	if node == nil {
		return nil
	}
	var sf scheduleFile
	if !yamlx.Decode(file, node, &sf, diags) {
		return nil
	}
	jobsNode := yamlx.MappingValue(node, "jobs")
	var out []*Schedule
	for i := range sf.Jobs {
		j := &sf.Jobs[i]
		j.File = file
		j.Pos = yamlx.At(file, node)
		if jobsNode != nil && i < len(jobsNode.Content) {
			j.Pos = yamlx.At(file, jobsNode.Content[i])
		}
		if j.Name == "" {
			diags.Errorf(j.Pos, "job %d needs a name", i+1)
		}
		if _, err := cron.ParseStandard(j.Cron); err != nil {
			diags.Errorf(j.Pos, "job %s: cron %q: %v (use 5 fields: minute hour day month weekday)", j.Name, j.Cron, err)
		}
		if j.Run == "" {
			j.Run = "pipeline"
		}
		if !contains(ScheduleRuns, j.Run) {
			diags.Errorf(j.Pos, "job %s: run %q must be one of pipeline, extract, transform, test, render", j.Name, j.Run)
		}
		out = append(out, j)
	}
	return out
}
