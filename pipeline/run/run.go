package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jixiao/pipeline/check"
	"jixiao/pipeline/diag"
	"jixiao/pipeline/lock"
	"jixiao/pipeline/progress"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// Stage is one step of the pipeline.
type Stage string

// The stages, in the order they run.
const (
	StageExtract   Stage = "extract"
	StageTransform Stage = "transform"
	StageTest      Stage = "test"
	StageRender    Stage = "render"
)

// AllStages is the whole pipeline.
var AllStages = []Stage{StageExtract, StageTransform, StageTest, StageRender}

// Options describe one run.
type Options struct {
	Project *project.Project
	// Base is the folder relative paths of jixiao.yaml resolve against.
	Base string
	// Warehouse overrides the config's warehouse path.
	Warehouse string
	// Site overrides the config's site folder.
	Site string
	// Command names what started the run (run, extract, schedule:nightly...).
	Command string
	Job     string
	Stages  []Stage
	// Sources limits extraction to these sources; empty means all.
	Sources []string
	// Select limits transform and test to these selectors; empty means all.
	Select []string
	// FullRefresh reloads file sources even when their content was loaded before.
	FullRefresh bool
	// Version is the binary's version: a new jixiao re-renders the site.
	Version string
	// SkipUnchanged leaves alone what nothing changed for since the last run:
	// models whose file and inputs are the same, their tests, and the site.
	SkipUnchanged bool
	Reporter      progress.Reporter
	Registries    Registries
	Getenv        func(string) string
	Now           func() time.Time
	// LockWait is how long to wait for another process writing the same
	// warehouse (0: fail at once with who holds it).
	LockWait time.Duration
}

// SourceOutcome is what one source's extraction did.
type SourceOutcome struct {
	Name         string
	Loads        int
	Skipped      []string
	RowsRead     int64
	RowsLoaded   int64
	RowsRejected int64
	Warnings     diag.List
	Err          error
}

// Summary is the outcome of a run.
type Summary struct {
	RunID     string
	Status    string
	Err       error
	StartedAt time.Time
	Duration  time.Duration
	Stages    map[Stage]time.Duration
	Sources   []SourceOutcome
	Models    []transform.BuildResult
	Tests     []check.Result
	Render    *render.Result
	// RenderUnchanged is true when the site was left as it was: nothing it
	// shows changed.
	RenderUnchanged bool
	SiteDir         string
	Warehouse       string
	// Diagnostics holds project warnings (errors stop the run before it starts).
	Diagnostics diag.List
	// LockNote says when a lock left by a killed process was cleared, and
	// which runs it left unfinished were marked interrupted.
	LockNote string
	// Stale lists sources older than their declared freshness.
	Stale []Staleness
}

// Resolve returns path relative to base unless it is absolute.
func Resolve(base, path string) string {
	if filepath.IsAbs(path) || base == "" {
		return path
	}
	return filepath.Join(base, path)
}

// NewRunID makes a run id that sorts by time and reads as one: 20170630-080500-1a2b.
func NewRunID(now time.Time) string {
	var b [2]byte
	rand.Read(b[:])
	return now.Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// Execute runs the chosen stages. The returned error is the run's failure
// (also in Summary.Err); a nil Summary means the run could not start.
func Execute(ctx context.Context, o Options) (*Summary, error) {
	o.Registries.fill()
	if o.Reporter == nil {
		o.Reporter = progress.Discard{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if len(o.Stages) == 0 {
		o.Stages = AllStages
	}
	cfg := o.Project.Config
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	whPath := o.Warehouse
	if whPath == "" {
		whPath = Resolve(o.Base, cfg.Warehouse)
	}
	site := o.Site
	if site == "" {
		site = Resolve(o.Base, cfg.Site)
	}
	// One writer per warehouse, across processes too.
	command := o.Command
	if o.Job != "" {
		command = "schedule:" + o.Job
	}
	if err := os.MkdirAll(filepath.Dir(whPath), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(whPath), err)
	}
	held, err := lock.Acquire(ctx, whPath, command, o.LockWait)
	if err != nil {
		return nil, err
	}
	defer held.Release()
	// Models may read the project's own files (read_csv('data/...')) and
	// nothing else outside the warehouse.
	base := o.Base
	if base == "" {
		base = "."
	}
	w, err := warehouse.Open(ctx, whPath, warehouse.Options{MemoryLimit: cfg.MemoryLimit, ReadDirs: []string{base}})
	if err != nil {
		return nil, warehouse.ExplainStorage(err)
	}
	defer w.Close()

	start := o.Now()
	s := &Summary{RunID: NewRunID(start.In(loc)), StartedAt: start, Stages: map[Stage]time.Duration{}, SiteDir: site, Warehouse: whPath,
		LockNote: held.Stale}
	// Runs still recorded as running were cut short: this process holds the
	// lock, so none of them is in progress.
	interrupted, err := w.MarkInterrupted(ctx, s.RunID)
	if err != nil {
		return nil, warehouse.ExplainStorage(err)
	}
	if len(interrupted) > 0 {
		s.LockNote = strings.TrimPrefix(s.LockNote+"；", "；") + fmt.Sprintf("已将 %d 次未正常结束的运行（%s）标记为中断", len(interrupted), strings.Join(interrupted, "、"))
	}
	rec := warehouse.RunRecord{RunID: s.RunID, Command: o.Command, Job: o.Job, Project: cfg.Name, StartedAt: start}
	if err := w.StartRun(ctx, rec); err != nil {
		return nil, warehouse.ExplainStorage(err)
	}

	plan, diags := Validate(ctx, o.Project, w, o.Registries)
	if err := diags.Err(); err != nil {
		s.Err = fmt.Errorf("the project has errors; nothing was run:\n%w", err)
	} else if err := publishProject(ctx, w, o.Project); err != nil {
		s.Err = err
	} else {
		s.Diagnostics = diags
		s.Err = executeStages(ctx, w, plan, o, s, site, loc)
	}

	s.Duration = o.Now().Sub(start)
	s.Status = warehouse.StatusSuccess
	if s.Err != nil {
		s.Status = warehouse.StatusFailed
	}
	fillTotals(&rec, s)
	rec.FinishedAt = o.Now()
	rec.Status = s.Status
	if s.Err != nil {
		rec.Error = s.Err.Error()
	}
	// Record the outcome even when the run was cancelled.
	if err := w.FinishRun(context.WithoutCancel(ctx), rec); err != nil {
		s.Err = errors.Join(s.Err, err)
	}
	s.Err = warehouse.ExplainDiskFull(s.Err)
	return s, s.Err
}

func publishProject(ctx context.Context, w *warehouse.Warehouse, p *project.Project) error {
	units := make([]warehouse.UnitRow, len(p.Config.Units))
	for i, u := range p.Config.Units {
		units[i] = warehouse.UnitRow{Code: u.Code, Name: u.Name, Kind: u.Kind, Aliases: u.Aliases, Share: u.Share}
	}
	c := p.Config
	yellow, red := c.Scoring.Lights()
	return w.PublishProject(ctx, warehouse.ProjectSettings{Name: c.Name, PlanYear: c.PlanYear, Timezone: c.Timezone,
		PaceTolerance: c.Scoring.PaceTolerance, OverachievementRatio: c.Scoring.OverachievementRatio,
		RankStep: c.Scoring.RankStep, BonusCap: c.Scoring.BonusCap, LateReportDeduction: c.Scoring.LateDeduction(),
		ExecutionBasis: c.Scoring.ExecutionBasis, Departments: c.Departments, LightYellow: yellow, LightRed: red}, units)
}

// dataPeriod is the newest value of the project's data_period column: the
// period the pages' 数据截至 stamp names.
func dataPeriod(ctx context.Context, w *warehouse.Warehouse, p *project.Project) (time.Time, error) {
	parts := strings.Split(p.Config.DataPeriod, ".")
	if len(parts) != 3 {
		return time.Time{}, nil
	}
	t, _, err := w.LatestDate(ctx, parts[0], parts[1], parts[2])
	return t, err
}

func has(stages []Stage, st Stage) bool {
	for _, s := range stages {
		if s == st {
			return true
		}
	}
	return false
}

func executeStages(ctx context.Context, w *warehouse.Warehouse, plan *Plan, o Options, s *Summary, site string, loc *time.Location) error {
	var failures []string
	step := func(st Stage, fn func() (string, error)) error {
		started := o.Now()
		detail, err := fn()
		s.Stages[st] = o.Now().Sub(started)
		status := warehouse.StatusSuccess
		if err != nil {
			status = warehouse.StatusFailed
			detail = strings.TrimSpace(detail + " " + err.Error())
		}
		if rerr := w.RecordStep(context.WithoutCancel(ctx), warehouse.StepRecord{RunID: s.RunID, Step: string(st), StartedAt: started,
			FinishedAt: o.Now(), Status: status, Detail: detail}); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}

	if has(o.Stages, StageExtract) {
		if err := step(StageExtract, func() (string, error) { return extractSources(ctx, w, plan.Project, o, s) }); err != nil {
			failures = append(failures, err.Error())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	if stale, err := CheckFreshness(ctx, w, plan.Project, o.Now()); err == nil {
		s.Stale = stale
	}
	selected, err := plan.Graph.Select(o.Select)
	if err != nil {
		return err
	}
	buildFailed := false
	if has(o.Stages, StageTransform) {
		err := step(StageTransform, func() (string, error) {
			o.Reporter.Stage("构建模型", len(selected))
			bo := transform.BuildOptions{
				RunID: s.RunID, Concurrency: plan.Project.Config.Concurrency, FullRefresh: o.FullRefresh,
				OnDone: func(r transform.BuildResult, done, total int) {
					o.Reporter.Item(done, total, r.ID, r.Status == transform.BuildFailed || r.Status == transform.BuildSkipped)
				},
			}
			// What changed since each model's last build: a rerun skips what
			// nothing changed for, an incremental model looks only there.
			var err error
			if bo.Prior, bo.Changes, err = buildState(ctx, w); err != nil {
				return "", err
			}
			bo.SkipUnchanged = o.SkipUnchanged
			s.Models = transform.Build(ctx, w, plan.Graph, selected, bo)
			var errs []string
			built, kept, inPart := 0, 0, 0
			for _, r := range s.Models {
				switch r.Status {
				case transform.BuildSuccess:
					built++
					if r.Partitions != nil && !r.Partitions.Full {
						inPart++
					}
				case transform.BuildUnchanged:
					kept++
				case transform.BuildFailed:
					errs = append(errs, r.Err.Error())
				}
			}
			detail := fmt.Sprintf("%d/%d models built, %d unchanged", built, len(s.Models), kept)
			if inPart > 0 {
				detail += fmt.Sprintf(", %d by the partitions that changed", inPart)
			}
			if len(errs) > 0 {
				return detail, fmt.Errorf("%d model(s) failed:\n  %s", len(errs), strings.Join(errs, "\n  "))
			}
			return detail, nil
		})
		if err != nil {
			buildFailed = true
			failures = append(failures, err.Error())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	testsFailed := false
	if has(o.Stages, StageTest) {
		err := step(StageTest, func() (string, error) {
			tests := testsFor(plan, selected, o.Select)
			if o.SkipUnchanged && s.Models != nil {
				var err error
				if tests, err = changedTests(ctx, w, tests, s.Models); err != nil {
					return "", err
				}
			}
			// A model built in part is tested on the partitions it rebuilt.
			tests = o.Registries.Checks.OnChangedPartitions(tests, changedPartitions(plan, s.Models))
			o.Reporter.Stage("数据测试", len(tests))
			s.Tests = check.Run(ctx, w, tests, s.RunID, func(r check.Result, done, total int) {
				o.Reporter.Item(done, total, r.Test.Model+" "+r.Test.Name, r.Status == check.StatusFail || r.Status == check.StatusError)
			})
			var errs []string
			for _, r := range s.Tests {
				switch r.Status {
				case check.StatusFail:
					errs = append(errs, fmt.Sprintf("%s: %s %s: %d failing row(s)\n    %s", r.Test.Pos, r.Test.Model, r.Test.Name, r.Failures,
						strings.ReplaceAll(r.Sample, "\n", "\n    ")))
				case check.StatusError:
					errs = append(errs, r.Err.Error())
				}
			}
			if len(errs) > 0 {
				return "", fmt.Errorf("%d data test(s) failed:\n  %s", len(errs), strings.Join(errs, "\n  "))
			}
			return fmt.Sprintf("%d tests", len(s.Tests)), nil
		})
		if err != nil {
			testsFailed = true
			failures = append(failures, err.Error())
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}

	if has(o.Stages, StageRender) {
		switch {
		case buildFailed || testsFailed:
			// Leaders must not see numbers that failed their checks: the
			// previous site stays.
			failures = append(failures, "dashboards not rendered: the previous site is kept until models build and tests pass")
			_ = w.RecordStep(context.WithoutCancel(ctx), warehouse.StepRecord{RunID: s.RunID, Step: string(StageRender), StartedAt: o.Now(),
				FinishedAt: o.Now(), Status: warehouse.StatusSkipped, Detail: "models or error-severity tests failed"})
		default:
			err := step(StageRender, func() (string, error) {
				o.Reporter.Stage("生成看板", 0) // pages repeated with each are counted as they are written
				sp, err := planSite(ctx, w, plan.Project, site, o.Version, s.Stale)
				if err != nil {
					return "", err
				}
				if o.SkipUnchanged && !anyBuilt(s.Models) {
					last, lastSite, err := w.LastRender(ctx)
					if err != nil {
						return "", err
					}
					if _, statErr := os.Stat(filepath.Join(site, "index.html")); last == sp.Fingerprint && lastSite == site && statErr == nil {
						s.RenderUnchanged = true
						return "site unchanged", nil
					}
				}
				res, err := render.Site(ctx, w, plan.Project, render.Options{OutDir: site, RunID: s.RunID, DataAsOf: sp.AsOf, Period: sp.Period,
					Location: loc, Kinds: o.Registries.Panels, Stale: sp.Notes,
					Guide: &render.GuideInputs{Parents: plan.Graph.Parents, Children: plan.Graph.Children}})
				if err != nil {
					return "", err
				}
				if err := w.RecordRender(ctx, s.RunID, sp.Fingerprint, site, len(res.Pages)); err != nil {
					return "", err
				}
				s.Render = res
				for i, pg := range res.Pages {
					o.Reporter.Item(i+1, len(res.Pages), pg, false)
				}
				return fmt.Sprintf("%d pages", len(res.Pages)), nil
			})
			if err != nil {
				failures = append(failures, "render: "+err.Error())
			}
		}
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "\n"))
	}
	return nil
}

// changedPartitions says, of the models this run built in part, which
// partitions their tests look at.
func changedPartitions(plan *Plan, builds []transform.BuildResult) map[string]check.Changed {
	out := map[string]check.Changed{}
	for _, b := range builds {
		if b.Status == transform.BuildSuccess && b.Partitions != nil && b.Partitions.Filter != "" {
			out[b.ID] = check.Changed{Column: plan.Graph.Models[b.ID].Header.PartitionBy, Filter: b.Partitions.Filter}
		}
	}
	return out
}

// testsFor returns the tests of the selected models (all tests when nothing
// was selected).
func testsFor(plan *Plan, selected []string, selectors []string) []check.Test {
	if len(selectors) == 0 {
		return plan.Tests
	}
	in := map[string]bool{}
	for _, id := range selected {
		in[id] = true
	}
	var out []check.Test
	for _, t := range plan.Tests {
		if in[t.Model] {
			out = append(out, t)
		}
	}
	return out
}

func fillTotals(rec *warehouse.RunRecord, s *Summary) {
	for _, src := range s.Sources {
		if src.Loads > 0 {
			rec.SourcesLoaded++
		}
		rec.RowsLoaded += src.RowsLoaded
		rec.RowsRejected += src.RowsRejected
	}
	for _, m := range s.Models {
		switch m.Status {
		case transform.BuildSuccess:
			rec.ModelsBuilt++
		case transform.BuildFailed:
			rec.ModelsFailed++
		}
	}
	for _, t := range s.Tests {
		switch t.Status {
		case check.StatusPass:
			rec.TestsPassed++
		case check.StatusWarn:
			rec.TestsWarned++
		default:
			rec.TestsFailed++
		}
	}
	if s.Render != nil {
		rec.PagesWritten = len(s.Render.Pages)
	}
}
