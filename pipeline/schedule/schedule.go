// Package schedule runs the project's jobs at their cron times. It only
// calls the pipeline (through a Runner); nothing in the pipeline imports it.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/robfig/cron/v3"

	"jixiao/pipeline/project"
)

// Runner runs one attempt of a job. The context ends at the job's timeout
// or when the scheduler aborts the run on shutdown.
type Runner func(ctx context.Context, job *project.Schedule, attempt int) error

// Scheduler fires jobs at their cron times, one run at a time.
type Scheduler struct {
	jobs  []job
	loc   *time.Location
	clock Clock
	run   Runner
	log   *slog.Logger
	// Grace is how long a run may go on after a shutdown signal before it is
	// aborted (its model and site swaps keep the warehouse and site whole).
	Grace time.Duration
	// LastRun tells when a job last ran, for the missed-run policy.
	LastRun func(job string) (time.Time, bool)
	// OnState is told what the scheduler is doing, for a status page.
	OnState func(State)
}

type job struct {
	decl *project.Schedule
	spec cron.Schedule
	next time.Time
}

// State is what the scheduler is doing.
type State struct {
	Running string
	Next    map[string]time.Time
}

// New makes a scheduler for the jobs, in the project's time zone.
func New(jobs []*project.Schedule, loc *time.Location, clock Clock, run Runner, log *slog.Logger) (*Scheduler, error) {
	if loc == nil {
		loc = time.UTC
	}
	if clock == nil {
		clock = RealClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{loc: loc, clock: clock, run: run, log: log, Grace: 30 * time.Second}
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for _, j := range jobs {
		spec, err := parser.Parse("CRON_TZ=" + loc.String() + " " + j.Cron)
		if err != nil {
			return nil, fmt.Errorf("%s: job %s: cron %q: %w", j.Pos, j.Name, j.Cron, err)
		}
		s.jobs = append(s.jobs, job{decl: j, spec: spec})
	}
	return s, nil
}

// NextRuns returns each job's next fire time after t.
func (s *Scheduler) NextRuns(t time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for _, j := range s.jobs {
		out[j.decl.Name] = j.spec.Next(t)
	}
	return out
}

// Serve runs jobs until ctx ends, then lets a run in progress finish within
// Grace, or aborts it, and returns nil.
func (s *Scheduler) Serve(ctx context.Context) error {
	if len(s.jobs) == 0 {
		return errors.New("no jobs: declare them in schedules/*.yaml")
	}
	now := s.clock.Now()
	var due []*project.Schedule
	for i := range s.jobs {
		j := &s.jobs[i]
		j.next = j.spec.Next(now)
		s.log.Info("job scheduled", "job", j.decl.Name, "cron", j.decl.Cron, "next", j.next.In(s.loc).Format(time.RFC3339))
		if s.LastRun == nil {
			continue
		}
		last, ok := s.LastRun(j.decl.Name)
		if !ok {
			continue
		}
		if missed := j.spec.Next(last); missed.Before(now) {
			if j.decl.Missed == project.MissedRunOnce {
				s.log.Info("missed run: running once now", "job", j.decl.Name, "missed", missed.In(s.loc).Format(time.RFC3339))
				due = append(due, j.decl)
			} else {
				s.log.Info("missed run skipped", "job", j.decl.Name, "missed", missed.In(s.loc).Format(time.RFC3339))
			}
		}
	}
	s.report("")
	for {
		for _, d := range due {
			if ctx.Err() != nil {
				break
			}
			if aborted := s.runJob(ctx, d); aborted {
				return nil
			}
		}
		due = nil
		if ctx.Err() != nil {
			s.log.Info("scheduler stopped")
			return nil
		}
		// Wait for the earliest job.
		sort.SliceStable(s.jobs, func(a, b int) bool { return s.jobs[a].next.Before(s.jobs[b].next) })
		wait := s.jobs[0].next.Sub(s.clock.Now())
		select {
		case <-ctx.Done():
			s.log.Info("scheduler stopped")
			return nil
		case <-s.clock.After(wait):
		}
		now := s.clock.Now()
		for i := range s.jobs {
			j := &s.jobs[i]
			if !j.next.After(now) {
				due = append(due, j.decl)
				j.next = j.spec.Next(now)
			}
		}
		s.report("")
	}
}

func (s *Scheduler) report(running string) {
	if s.OnState == nil {
		return
	}
	next := map[string]time.Time{}
	for _, j := range s.jobs {
		next[j.decl.Name] = j.next
	}
	s.OnState(State{Running: running, Next: next})
}

// runJob runs a job with its retries. A shutdown during the run gives it
// Grace to finish; it reports whether the run had to be aborted.
func (s *Scheduler) runJob(ctx context.Context, j *project.Schedule) (aborted bool) {
	s.report(j.Name)
	defer s.report("")
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.attempts(ctx, runCtx, j)
	}()
	select {
	case <-done:
		return false
	case <-ctx.Done():
	}
	s.log.Info("shutting down: waiting for the run in progress", "job", j.Name, "grace", s.Grace.String())
	select {
	case <-done:
		return false
	case <-s.clock.After(s.Grace):
	}
	s.log.Warn("grace period over: aborting the run", "job", j.Name)
	cancel()
	<-done
	return true
}

// attempts tries a job up to 1 + Retries times; stop ends the waits between
// attempts, runCtx the attempts themselves.
func (s *Scheduler) attempts(stop, runCtx context.Context, j *project.Schedule) {
	backoff := j.BackoffDuration
	for attempt := 1; attempt <= j.Retries+1; attempt++ {
		start := s.clock.Now()
		s.log.Info("run started", "job", j.Name, "attempt", attempt)
		actx, cancel := context.WithTimeout(runCtx, j.TimeoutDuration)
		err := s.run(actx, j, attempt)
		cancel()
		took := s.clock.Now().Sub(start)
		if err == nil {
			s.log.Info("run succeeded", "job", j.Name, "attempt", attempt, "took", took.String())
			return
		}
		s.log.Error("run failed", "job", j.Name, "attempt", attempt, "took", took.String(), "error", err.Error())
		if attempt > j.Retries || runCtx.Err() != nil || stop.Err() != nil {
			if attempt > j.Retries {
				s.log.Error("run gave up", "job", j.Name, "attempts", attempt)
			}
			return
		}
		s.log.Info("retrying", "job", j.Name, "after", backoff.String())
		select {
		case <-stop.Done():
			return
		case <-s.clock.After(backoff):
		}
		backoff *= 2
	}
}
