package schedule

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"jixiao/pipeline/project"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func jobOf(name, spec string, retries int, backoff time.Duration, missed string) *project.Schedule {
	return &project.Schedule{Name: name, Cron: spec, Run: "pipeline", Retries: retries, BackoffDuration: backoff,
		TimeoutDuration: time.Hour, Missed: missed}
}

// recorder is a Runner that records its calls and answers from a script.
type recorder struct {
	mu    sync.Mutex
	calls []string
	fail  func(attempt int) bool
	clock Clock
}

func (r *recorder) run(ctx context.Context, j *project.Schedule, attempt int) error {
	r.mu.Lock()
	r.calls = append(r.calls, j.Name+"@"+r.clock.Now().In(shanghai).Format("01-02 15:04")+"#"+string(rune('0'+attempt)))
	r.mu.Unlock()
	if r.fail != nil && r.fail(attempt) {
		return errors.New("source unreachable")
	}
	return nil
}

func (r *recorder) got() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.calls, " ")
}

// start runs the scheduler until the test ends; it returns the log.
func start(t *testing.T, s *Scheduler) (*bytes.Buffer, context.CancelFunc, chan error) {
	t.Helper()
	var buf bytes.Buffer
	var mu sync.Mutex
	s.log = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &buf, cancel, done
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitFor waits until the scheduler waits on the clock.
func waitFor(t *testing.T, c *FakeClock) time.Time {
	t.Helper()
	select {
	case at := <-c.Waiting:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("the scheduler never waited")
	}
	return time.Time{}
}

func TestNextRunsInShanghai(t *testing.T) {
	s, err := New([]*project.Schedule{jobOf("nightly", "30 2 * * *", 0, 0, ""), jobOf("monthly", "0 6 5 * *", 0, 0, ""),
		jobOf("quarterly", "0 7 6 1,4,7,10 *", 0, 0, "")}, shanghai, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	next := s.NextRuns(at("2017-06-30 03:00"))
	for name, want := range map[string]string{"nightly": "2017-07-01 02:30", "monthly": "2017-07-05 06:00", "quarterly": "2017-07-06 07:00"} {
		if got := next[name].In(shanghai).Format("2006-01-02 15:04"); got != want {
			t.Errorf("%s: next %s, want %s", name, got, want)
		}
	}
	// 02:30 in Shanghai is 18:30 UTC the day before.
	if got := next["nightly"].UTC().Format("2006-01-02 15:04"); got != "2017-06-30 18:30" {
		t.Errorf("nightly in UTC: %s", got)
	}
	if _, err := New([]*project.Schedule{jobOf("bad", "every night", 0, 0, "")}, shanghai, nil, nil, nil); err == nil {
		t.Error("a bad cron spec must be an error")
	}
}

func TestJobFiresAtItsTime(t *testing.T) {
	clock := NewFakeClock(at("2017-06-30 02:00"))
	r := &recorder{clock: clock}
	s, _ := New([]*project.Schedule{jobOf("nightly", "30 2 * * *", 0, 0, "")}, shanghai, clock, r.run, nil)
	log, _, _ := start(t, s)
	if w := waitFor(t, clock); !w.Equal(at("2017-06-30 02:30")) {
		t.Fatalf("waits until %v", w)
	}
	clock.Advance(30 * time.Minute)
	waitFor(t, clock) // until tomorrow
	if r.got() != "nightly@06-30 02:30#1" {
		t.Errorf("calls: %s", r.got())
	}
	if !strings.Contains(log.String(), "run succeeded") {
		t.Errorf("log: %s", log)
	}
}

func TestRetryThenSuccess(t *testing.T) {
	clock := NewFakeClock(at("2017-06-30 02:29"))
	r := &recorder{clock: clock, fail: func(attempt int) bool { return attempt == 1 }}
	s, _ := New([]*project.Schedule{jobOf("nightly", "30 2 * * *", 3, 5*time.Minute, "")}, shanghai, clock, r.run, nil)
	start(t, s)
	waitFor(t, clock)
	clock.Advance(time.Minute)
	if w := waitFor(t, clock); !w.Equal(at("2017-06-30 02:35")) {
		t.Fatalf("the retry waits until %v, want 02:35", w)
	}
	clock.Advance(5 * time.Minute)
	waitFor(t, clock)
	if r.got() != "nightly@06-30 02:30#1 nightly@06-30 02:35#2" {
		t.Errorf("calls: %s", r.got())
	}
}

func TestRetryExhaustion(t *testing.T) {
	clock := NewFakeClock(at("2017-06-30 02:29"))
	r := &recorder{clock: clock, fail: func(int) bool { return true }}
	s, _ := New([]*project.Schedule{jobOf("nightly", "30 2 * * *", 2, time.Minute, "")}, shanghai, clock, r.run, nil)
	log, _, _ := start(t, s)
	waitFor(t, clock)
	clock.Advance(time.Minute) // 02:30, attempt 1
	waitFor(t, clock)
	clock.Advance(time.Minute) // 02:31, attempt 2 after 1 minute
	waitFor(t, clock)
	clock.Advance(2 * time.Minute) // 02:33, attempt 3 after 2 minutes
	waitFor(t, clock)              // back to waiting for tomorrow
	if r.got() != "nightly@06-30 02:30#1 nightly@06-30 02:31#2 nightly@06-30 02:33#3" {
		t.Errorf("calls: %s", r.got())
	}
	if !strings.Contains(log.String(), "run gave up") || strings.Count(log.String(), "run failed") != 3 {
		t.Errorf("log: %s", log)
	}
}

func TestMissedRunPolicy(t *testing.T) {
	clock := NewFakeClock(at("2017-07-02 09:00"))
	r := &recorder{clock: clock}
	s, _ := New([]*project.Schedule{
		jobOf("nightly", "30 2 * * *", 0, 0, project.MissedRunOnce),
		jobOf("monthly", "0 6 1 * *", 0, 0, project.MissedSkip),
	}, shanghai, clock, r.run, nil)
	// The scheduler was down since June 29: both jobs missed runs.
	s.LastRun = func(string) (time.Time, bool) { return at("2017-06-29 02:30"), true }
	log, _, _ := start(t, s)
	waitFor(t, clock)
	if r.got() != "nightly@07-02 09:00#1" {
		t.Errorf("only the run_once job runs, once: %s", r.got())
	}
	if !strings.Contains(log.String(), `msg="missed run skipped" job=monthly`) {
		t.Errorf("log: %s", log)
	}
}

func TestShutdownLetsTheRunFinishOrAbortsIt(t *testing.T) {
	for _, finish := range []bool{true, false} {
		clock := NewFakeClock(at("2017-06-30 02:29"))
		started, release := make(chan struct{}), make(chan struct{})
		var aborted bool
		run := func(ctx context.Context, j *project.Schedule, attempt int) error {
			close(started)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				aborted = true
				return ctx.Err()
			}
		}
		s, _ := New([]*project.Schedule{jobOf("nightly", "30 2 * * *", 3, time.Minute, "")}, shanghai, clock, run, nil)
		s.Grace = 10 * time.Second
		log, cancel, done := start(t, s)
		waitFor(t, clock)
		clock.Advance(time.Minute)
		<-started
		cancel() // SIGTERM
		waitFor(t, clock)
		if finish {
			close(release)
		} else {
			clock.Advance(10 * time.Second)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
			done <- nil
		case <-time.After(5 * time.Second):
			t.Fatal("the scheduler did not stop")
		}
		if aborted == finish {
			t.Errorf("finish=%v: aborted=%v\n%s", finish, aborted, log)
		}
		if !finish && (!strings.Contains(log.String(), "aborting the run") || strings.Contains(log.String(), "retrying")) {
			t.Errorf("an aborted run is not retried: %s", log)
		}
	}
}
