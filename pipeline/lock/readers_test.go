package lock

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A reader that keeps the warehouse open past the writer's wait makes it
// fail with what is true: readers, not another run, hold it.
func TestWriterWaitsForReadersThenSaysWho(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	held, err := AcquireRead(context.Background(), wh, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireWithReaderWait(context.Background(), wh, "run", 0, 300*time.Millisecond)
	var be *BusyError
	if !errors.As(err, &be) || !be.Readers || !strings.Contains(err.Error(), "仓库正被只读进程") {
		t.Fatalf("want a readers' BusyError, got %v", err)
	}
	held.Release()
	l, err := AcquireWithReaderWait(context.Background(), wh, "run", 0, 300*time.Millisecond)
	if err != nil {
		t.Fatalf("once the reader is gone the writer goes ahead: %v", err)
	}
	defer l.Release()
	// While the writer holds it, a reader is told who writes.
	_, err = AcquireRead(context.Background(), wh, 200*time.Millisecond)
	if !errors.As(err, &be) || be.Readers || !strings.Contains(err.Error(), "（run，开始于") {
		t.Fatalf("want the writer named, got %v", err)
	}
}

// A writer waiting for readers turns new readers away, so readers polling
// in a loop cannot starve it.
func TestWaitingWriterGoesBeforeNewReaders(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	first, err := AcquireRead(context.Background(), wh, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := AcquireWithReaderWait(context.Background(), wh, "run", 0, 5*time.Second)
		if err == nil {
			defer l.Release()
		}
		got <- err
	}()
	time.Sleep(300 * time.Millisecond) // the writer now holds the write lock and waits
	if _, err := AcquireRead(context.Background(), wh, 0); err == nil {
		t.Error("a new reader was let in while a writer waited")
	}
	first.Release()
	if err := <-got; err != nil {
		t.Fatalf("writer: %v", err)
	}
}
