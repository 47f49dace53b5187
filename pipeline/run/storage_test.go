//go:build duckdb_arrow

package run

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jixiao/internal/fixture"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// A run still recorded as running when the next run starts was cut short
// (kill -9, a power cut): the next run marks it interrupted and says so.
func TestNextRunMarksAnUnfinishedRunInterrupted(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.StartRun(context.Background(), warehouse.RunRecord{RunID: "20170630-080000-dead", Command: "run", StartedAt: time.Now().Add(-time.Minute)})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := execute(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.LockNote, "已将 1 次未正常结束的运行（20170630-080000-dead）标记为中断") {
		t.Errorf("the run does not say it marked the unfinished run: %q", s.LockNote)
	}
	if got := query[string](t, dir, "SELECT status || ': ' || error FROM meta.runs WHERE run_id = '20170630-080000-dead'"); !strings.HasPrefix(got, "interrupted: 运行中断") || !strings.Contains(got, s.RunID) {
		t.Errorf("unfinished run: %s", got)
	}
	if got := query[int64](t, dir, "SELECT count(*) FROM meta.runs WHERE status = 'running'"); got != 0 {
		t.Errorf("%d runs still running", got)
	}
}

// A run on a full disk fails with what to do, in Chinese, before DuckDB's
// words. The write-ahead log on /dev/full fails every write as a full disk.
func TestRunOnFullDiskSaysWhatToDo(t *testing.T) {
	if _, err := os.Stat("/dev/full"); errors.Is(err, fs.ErrNotExist) {
		t.Skip("no /dev/full on this system")
	}
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, ".jixiao", "warehouse.duckdb.wal")
	os.Remove(wal)
	if err := os.Symlink("/dev/full", wal); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	_, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", FullRefresh: true})
	var full *warehouse.DiskFullError
	if !errors.As(err, &full) || !strings.HasPrefix(err.Error(), "磁盘空间已满") || !strings.Contains(err.Error(), "\n原始错误：") ||
		!strings.Contains(err.Error(), "No space left on device") {
		t.Fatalf("want the disk-full explanation, got %v", err)
	}
}

// Models built by a run that never got to their tests (killed between the
// stages, or a `jixiao transform` alone) are tested by the next run, though
// nothing changed since: their last tests ran on the builds before.
func TestBuildsWithoutTheirTestsAreTestedNext(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	skip := Options{SkipUnchanged: true}
	if s := rerun(t, dir, skip); s.Err != nil || len(s.Tests) != 4 {
		t.Fatalf("first run: %v, %d tests", s.Err, len(s.Tests))
	}
	if _, err := execute(t, dir, StageTransform); err != nil {
		t.Fatal(err)
	}
	s := rerun(t, dir, skip)
	if s.Err != nil || statuses(s) != "staging.stg_progress=unchanged marts.completion=unchanged" || len(s.Tests) != 4 {
		t.Fatalf("after models were built without their tests: %v, %s, %d tests, want all 4", s.Err, statuses(s), len(s.Tests))
	}
	// Tested since: only the test that warned runs again.
	if s = rerun(t, dir, skip); len(s.Tests) != 1 || s.Tests[0].Status != "warn" {
		t.Errorf("tested since: want the warned test only, ran %d", len(s.Tests))
	}
}
