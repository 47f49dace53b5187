// Package progress shows what a long step is doing: a line that updates in
// place on a terminal, and plain one-line-per-event logs otherwise (cron
// mails, CI logs, the scheduler's output).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Reporter receives progress events from the pipeline stages.
type Reporter interface {
	// Stage starts a named stage of total items (0 if unknown).
	Stage(name string, total int)
	// Item reports that one item of the current stage finished.
	Item(done, total int, label string, failed bool)
	// Log prints a line that stays.
	Log(format string, args ...any)
}

// New returns a live reporter when out is a terminal, else a plain one
// whose lines are stamped with the time in loc: the project's time zone,
// which its run ids use too (nil: the machine's).
func New(out io.Writer, loc *time.Location) Reporter {
	if f, ok := out.(*os.File); ok && isTerminal(f) {
		return &live{out: out}
	}
	if loc == nil {
		loc = time.Local
	}
	return &plain{out: out, loc: loc}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// Discard reports nothing.
type Discard struct{}

func (Discard) Stage(string, int)           {}
func (Discard) Item(int, int, string, bool) {}
func (Discard) Log(string, ...any)          {}

// plain writes one line per finished item: quiet enough for logs, complete
// enough to see where a run stopped.
type plain struct {
	mu    sync.Mutex
	out   io.Writer
	loc   *time.Location
	stage string
}

func (p *plain) Stage(name string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage = name
	if total > 0 {
		fmt.Fprintf(p.out, "%s %s（共 %d 项）\n", p.stamp(), name, total)
	} else {
		fmt.Fprintf(p.out, "%s %s\n", p.stamp(), name)
	}
}

func (p *plain) Item(done, total int, label string, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	mark := "完成"
	if failed {
		mark = "失败"
	}
	fmt.Fprintf(p.out, "%s   [%d/%d] %s %s\n", p.stamp(), done, total, label, mark)
}

func (p *plain) Log(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.out, format+"\n", args...)
}

func (p *plain) stamp() string { return time.Now().In(p.loc).Format("15:04:05") }

// live keeps one status line per stage, rewritten in place.
type live struct {
	mu     sync.Mutex
	out    io.Writer
	stage  string
	start  time.Time
	active bool
}

func (l *live) clear() {
	if l.active {
		fmt.Fprint(l.out, "\r\033[K")
		l.active = false
	}
}

func (l *live) Stage(name string, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clear()
	l.stage, l.start = name, time.Now()
	fmt.Fprintf(l.out, "%s …", name)
	l.active = true
}

func (l *live) Item(done, total int, label string, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clear()
	if failed {
		fmt.Fprintf(l.out, "  ✗ %s\n", label)
	}
	width := 20
	filled := 0
	if total > 0 {
		filled = done * width / total
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
	fmt.Fprintf(l.out, "%s %s %d/%d %s", l.stage, bar, done, total, label)
	l.active = true
}

func (l *live) Log(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clear()
	fmt.Fprintf(l.out, format+"\n", args...)
}
