package warehouse

import (
	"context"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// startWriteback starts writeback of path's dirty pages every interval
// (sync_file_range with SYNC_FILE_RANGE_WRITE: it starts the writes and
// does not wait for them) until stop returns.
func startWriteback(ctx context.Context, path string, every time.Duration) (stop func()) {
	f, err := os.Open(path)
	if err != nil {
		return func() {} // a file it cannot open is DuckDB's to report
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				// An error (a file system without it) only means no help.
				if unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE) != nil {
					return
				}
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		f.Close()
	}
}
