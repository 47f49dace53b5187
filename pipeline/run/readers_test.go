//go:build duckdb_arrow

package run

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jixiao/internal/fixture"
	"jixiao/pipeline/lock"
	"jixiao/pipeline/warehouse"
)

// TestReadersNeverBreakARun: a reader polling the warehouse in a loop (a
// dashboard's /healthz, an analyst's query) beside ten runs. Every run
// succeeds: it waits for the reader to close the file, and the reader steps
// back while a run writes, told truthfully that a run is writing.
func TestReadersNeverBreakARun(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	wh := filepath.Join(dir, ".jixiao", "warehouse.duckdb")
	ctx, stop := context.WithCancel(context.Background())
	var reads, busy atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			held, err := lock.AcquireRead(ctx, wh, 0)
			var be *lock.BusyError
			if errors.As(err, &be) {
				// A writer holds the lock: the reader must not be told readers do.
				if be.Readers {
					t.Errorf("a reader was told something untrue: %v", err)
				}
				busy.Add(1)
				time.Sleep(5 * time.Millisecond)
				continue
			}
			if err != nil {
				return // cancelled
			}
			w, err := warehouse.Open(ctx, wh, warehouse.Options{ReadOnly: true, OnClose: func() { held.Release() }})
			if err != nil {
				held.Release()
				if ctx.Err() == nil { // else the test stopped the reader while it opened
					t.Errorf("reader open: %v", err)
				}
				return
			}
			if _, err := w.Query(ctx, "SELECT count(*) FROM meta.runs", 0); err != nil && ctx.Err() == nil {
				t.Errorf("reader query: %v", err)
			}
			// Hold the file a while, as a slow query would.
			time.Sleep(20 * time.Millisecond)
			w.Close()
			reads.Add(1)
		}
	}()
	for i := 0; i < 10; i++ {
		if _, err := execute(t, dir); err != nil {
			t.Errorf("run %d beside a reader: %v", i+1, err)
		}
		// Runs come minutes apart, not back to back: leave the reader a
		// moment, as a loaded machine may not schedule it otherwise.
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if reads.Load() == 0 {
		t.Error("the reader never read: the test proves nothing")
	}
	t.Logf("%d reads, %d times told a run was writing", reads.Load(), busy.Load())
}
