// Package lock keeps two jixiao processes from writing one warehouse at the
// same time. It holds an OS file lock (flock on Unix, LockFileEx on
// Windows) on <warehouse>.lock: the kernel releases it when the process
// ends, however it ends, so a lock file left by a killed process is
// recognised as stale and taken over.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// errLocked is what tryLock returns while another process holds the lock.
var errLocked = errors.New("locked by another process")

// Lock is a held warehouse lock.
type Lock struct {
	f *os.File
	// readers is the readers' lock, held exclusively: no reader has the
	// warehouse open while the writer does.
	readers *os.File
	// Stale describes a lock file left by a process that is gone, if one was
	// taken over ("" otherwise).
	Stale string
}

// Holder says who holds a lock, as its lock file records it.
type Holder struct {
	PID     int
	Command string
	Since   time.Time
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "另一个 jixiao 进程"
	}
	return fmt.Sprintf("jixiao 进程 %d（%s，开始于 %s）", h.PID, h.Command, h.Since.Local().Format("2006-01-02 15:04:05"))
}

// BusyError means another process holds the lock: a writer, or readers
// that did not close the warehouse in time.
type BusyError struct {
	Path   string
	Holder Holder
	// Readers is set when readers, not a writer, kept the warehouse.
	Readers bool
	Waited  time.Duration
}

func (e *BusyError) Error() string {
	if e.Readers {
		return fmt.Sprintf("仓库正被只读进程（jixiao query、serve、runs 等）读取，等待 %s 后仍未关闭；请稍后再试，或用 --wait 等待更久", e.Waited.Round(time.Second))
	}
	return fmt.Sprintf("仓库正被%s写入；请等它结束后再试（或用 --wait 等待）", e.Holder)
}

// Path is the lock file of a warehouse file.
func Path(warehouse string) string { return warehouse + ".lock" }

// Acquire takes the lock of a warehouse for command, waiting up to wait for
// a holder to finish (0: do not wait). It returns a *BusyError when the
// lock stays held.
func Acquire(ctx context.Context, warehouse, command string, wait time.Duration) (*Lock, error) {
	return AcquireWithReaderWait(ctx, warehouse, command, wait, max(wait, DefaultReaderWait))
}

// AcquireWithReaderWait is Acquire that waits up to readerWait for readers
// to close the warehouse once the write lock is held.
func AcquireWithReaderWait(ctx context.Context, warehouse, command string, wait, readerWait time.Duration) (*Lock, error) {
	path := Path(warehouse)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	// A reader tests the lock for an instant (see writerWaiting): retry for
	// a second before taking a held lock for another writer.
	deadline := time.Now().Add(max(wait, time.Second))
	for {
		err = tryLock(f)
		if err == nil {
			break
		}
		if !errors.Is(err, errLocked) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			holder := readHolder(f)
			f.Close()
			return nil, &BusyError{Path: path, Holder: holder}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	l := &Lock{f: f}
	// A holder recorded in the file that no longer holds the lock ended
	// without cleaning up (killed, or the machine lost power).
	if prev := readHolder(f); prev.PID != 0 {
		l.Stale = fmt.Sprintf("已清除%s留下的过期锁", prev)
	}
	record := fmt.Sprintf("%d\n%s\n%s\n", os.Getpid(), command, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(record), 0)
		f.Sync()
	}
	// Readers finish what they read; new ones wait for this writer.
	readers, err := waitForReaders(ctx, warehouse, readerWait)
	if err != nil {
		l.Release()
		return nil, err
	}
	l.readers = readers
	return l, nil
}

// Release gives the lock up and empties the lock file, so the next holder
// does not take it for stale.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	if l.readers != nil {
		unlock(l.readers)
		l.readers.Close()
		l.readers = nil
	}
	l.f.Truncate(0)
	err := unlock(l.f)
	l.f.Close()
	l.f = nil
	return err
}

func readHolder(f *os.File) Holder {
	buf := make([]byte, 512)
	n, _ := f.ReadAt(buf, 0)
	lines := strings.Split(strings.TrimSpace(string(buf[:n])), "\n")
	if len(lines) < 3 {
		return Holder{}
	}
	pid, _ := strconv.Atoi(lines[0])
	since, _ := time.Parse(time.RFC3339, lines[2])
	return Holder{PID: pid, Command: lines[1], Since: since}
}
