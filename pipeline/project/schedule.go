package project

import (
	"io/fs"
	"time"

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
	// Retries is how many times a failed run is tried again, waiting Backoff
	// before the first retry and twice as long before each next one.
	Retries int    `yaml:"retries"`
	Backoff string `yaml:"backoff"`
	// Timeout bounds one attempt.
	Timeout string `yaml:"timeout"`
	// Missed says what to do on start about a run missed while the scheduler
	// was down: skip it (the default), or run once.
	Missed string `yaml:"missed"`

	BackoffDuration time.Duration `yaml:"-"`
	TimeoutDuration time.Duration `yaml:"-"`
	File            string        `yaml:"-"`
	Pos             diag.Pos      `yaml:"-"`
}

// Missed-run policies.
const (
	MissedSkip    = "skip"
	MissedRunOnce = "run_once"
)

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
		if j.Retries < 0 || j.Retries > 10 {
			diags.Errorf(j.Pos, "job %s: retries must be 0 to 10", j.Name)
		}
		j.BackoffDuration, j.TimeoutDuration = time.Minute, 2*time.Hour
		for _, d := range []struct {
			name, text string
			out        *time.Duration
		}{{"backoff", j.Backoff, &j.BackoffDuration}, {"timeout", j.Timeout, &j.TimeoutDuration}} {
			if d.text == "" {
				continue
			}
			v, err := time.ParseDuration(d.text)
			if err != nil || v <= 0 {
				diags.Errorf(j.Pos, "job %s: %s %q is not a duration such as 30s, 5m or 2h", j.Name, d.name, d.text)
				continue
			}
			*d.out = v
		}
		switch j.Missed {
		case "":
			j.Missed = MissedSkip
		case MissedSkip, MissedRunOnce:
		default:
			diags.Errorf(j.Pos, "job %s: missed %q must be skip or run_once", j.Name, j.Missed)
		}
		out = append(out, j)
	}
	return out
}
