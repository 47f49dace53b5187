package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// Readers (query, serve, runs, export) hold a shared lock on
// <warehouse>.readers while they have the file open. A writer, once it
// holds the write lock, takes that lock exclusively before it opens the
// file: it waits for the readers to close it instead of failing on DuckDB's
// own file lock, and readers that arrive while a writer holds or waits for
// the write lock step back until it is done, so a reader polling in a loop
// cannot starve a scheduled run.

// ReadersPath is the readers' lock file of a warehouse file.
func ReadersPath(warehouse string) string { return warehouse + ".readers" }

// DefaultReaderWait bounds how long a writer waits for readers to close
// the warehouse; readers hold it for one query or one page.
const DefaultReaderWait = 2 * time.Minute

// ReadLock is a reader's hold on a warehouse.
type ReadLock struct{ f *os.File }

// AcquireRead takes a reader's hold on warehouse, waiting up to wait while a
// writer holds or waits for it. A folder the reader may not write to (a web
// server account on a shared drive) has no lock files to take: it reads
// without, as before.
func AcquireRead(ctx context.Context, warehouse string, wait time.Duration) (*ReadLock, error) {
	f, err := os.OpenFile(ReadersPath(warehouse), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return &ReadLock{}, nil
		}
		return nil, fmt.Errorf("open readers' lock %s: %w", ReadersPath(warehouse), err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := trySharedLock(f)
		if err == nil {
			if !writerWaiting(warehouse) {
				return &ReadLock{f: f}, nil
			}
			// A writer holds the write lock and waits for readers: let it go first.
			unlock(f)
		} else if !errors.Is(err, errLocked) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", ReadersPath(warehouse), err)
		}
		if time.Now().After(deadline) {
			f.Close()
			holder := Holder{}
			if lf, err := os.Open(Path(warehouse)); err == nil {
				holder = readHolder(lf)
				lf.Close()
			}
			return nil, &BusyError{Path: Path(warehouse), Holder: holder}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writerWaiting reports whether a writer holds the write lock: a shared
// lock on it fails. The test holds it for an instant, and a writer retries
// for a second before it gives up, so the test never turns a writer away.
func writerWaiting(warehouse string) bool {
	f, err := os.Open(Path(warehouse))
	if err != nil {
		return false
	}
	defer f.Close()
	if err := trySharedLock(f); err != nil {
		return true
	}
	unlock(f)
	return false
}

// Release gives up the reader's hold.
func (r *ReadLock) Release() error {
	if r == nil || r.f == nil {
		return nil
	}
	err := unlock(r.f)
	r.f.Close()
	r.f = nil
	return err
}

// waitForReaders takes the readers' lock exclusively for a writer that holds
// the write lock, waiting up to wait for readers to close the warehouse.
func waitForReaders(ctx context.Context, warehouse string, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(ReadersPath(warehouse), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open readers' lock %s: %w", ReadersPath(warehouse), err)
	}
	start := time.Now()
	for {
		err := tryLock(f)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, errLocked) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", ReadersPath(warehouse), err)
		}
		if time.Since(start) > wait {
			f.Close()
			return nil, &BusyError{Path: ReadersPath(warehouse), Readers: true, Waited: wait}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
