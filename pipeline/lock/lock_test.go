package lock

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelperHoldsLock is not a test: run as a child process, it takes the
// lock and holds it until killed.
func TestHelperHoldsLock(t *testing.T) {
	path := os.Getenv("JIXIAO_LOCK_HELPER")
	if path == "" {
		return // a helper process only
	}
	if _, err := Acquire(context.Background(), path, "helper", 0); err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
}

func holdInChild(t *testing.T, warehouse string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=TestHelperHoldsLock", "-test.count=1")
	cmd.Env = append(os.Environ(), "JIXIAO_LOCK_HELPER="+warehouse)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper: %q", line)
	}
	return cmd
}

func TestLockAcrossProcesses(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	child := holdInChild(t, wh)

	// A second process finds the warehouse busy and is told who holds it.
	_, err := Acquire(context.Background(), wh, "run", 0)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Holder.PID != child.Process.Pid || busy.Holder.Command != "helper" ||
		!strings.Contains(err.Error(), "正被jixiao 进程") {
		t.Fatalf("want busy with the holder named, got %v", err)
	}
	// Waiting a little is not enough while the holder works.
	start := time.Now()
	if _, err := Acquire(context.Background(), wh, "run", 500*time.Millisecond); !errors.As(err, &busy) || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("want busy after waiting, got %v after %v", err, time.Since(start))
	}

	// The holder is killed: its lock file stays, but the lock is free and
	// the stale record is reported when the next process takes over.
	child.Process.Kill()
	child.Wait()
	l, err := Acquire(context.Background(), wh, "run", 0)
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	if !strings.Contains(l.Stale, "已清除") || !strings.Contains(l.Stale, "helper") {
		t.Errorf("stale lock not reported: %q", l.Stale)
	}
	l.Release()

	// A clean release leaves nothing that looks stale.
	l, err = Acquire(context.Background(), wh, "run", 0)
	if err != nil || l.Stale != "" {
		t.Errorf("after a clean release: %v %q", err, l.Stale)
	}
	l.Release()
}

func TestWaitingForALockThatIsReleased(t *testing.T) {
	wh := filepath.Join(t.TempDir(), "w.duckdb")
	first, err := Acquire(context.Background(), wh, "schedule:nightly", 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		first.Release()
	}()
	second, err := Acquire(context.Background(), wh, "run", 5*time.Second)
	if err != nil {
		t.Fatalf("a waiting run must get the lock once it is released: %v", err)
	}
	second.Release()
}
