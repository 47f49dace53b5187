package schedule

import (
	"sort"
	"sync"
	"time"
)

// Clock is the scheduler's time: the real one, or one a test advances, so
// that no test sleeps for real minutes.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the system clock.
type RealClock struct{}

func (RealClock) Now() time.Time                         { return time.Now() }
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a clock that moves only when told to.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	// Waiting receives a value each time something starts waiting, so a test
	// knows the scheduler has reached its next wait.
	Waiting chan time.Time
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock starts a fake clock at now.
func NewFakeClock(now time.Time) *FakeClock {
	return &FakeClock{now: now, Waiting: make(chan time.Time, 100)}
}

func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: at, ch: ch})
	select {
	case c.Waiting <- at:
	default:
	}
	return ch
}

// Advance moves the clock on and wakes every waiter whose time has come.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	sort.Slice(c.waiters, func(i, j int) bool { return c.waiters[i].at.Before(c.waiters[j].at) })
	var keep []waiter
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			keep = append(keep, w)
		}
	}
	c.waiters = keep
	c.mu.Unlock()
}

// AdvanceTo moves the clock to t.
func (c *FakeClock) AdvanceTo(t time.Time) { c.Advance(t.Sub(c.Now())) }
