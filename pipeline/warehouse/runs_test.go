//go:build duckdb_arrow

package warehouse

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A run left running (its process was killed) is marked interrupted by the
// next writer, with a note and the last moment it recorded as its finish;
// finished runs are left alone.
func TestMarkInterrupted(t *testing.T) {
	ctx := context.Background()
	w, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Date(2017, 6, 30, 8, 0, 0, 0, time.UTC)
	for _, id := range []string{"killed", "done"} {
		if err := w.StartRun(ctx, RunRecord{RunID: id, Command: "run", StartedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.RecordStep(ctx, StepRecord{RunID: "killed", Step: "extract", StartedAt: start, FinishedAt: start.Add(3 * time.Second), Status: StatusSuccess}); err != nil {
		t.Fatal(err)
	}
	if err := w.FinishRun(ctx, RunRecord{RunID: "done", FinishedAt: start.Add(time.Second), Status: StatusSuccess}); err != nil {
		t.Fatal(err)
	}
	ids, err := w.MarkInterrupted(ctx, "next")
	if err != nil || len(ids) != 1 || ids[0] != "killed" {
		t.Fatalf("MarkInterrupted = %v, %v", ids, err)
	}
	runs, err := w.RecentRuns(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		switch r.RunID {
		case "killed":
			if r.Status != StatusInterrupted || !strings.Contains(r.Error, "运行中断") || !strings.Contains(r.Error, "next") ||
				r.FinishedAt.Sub(r.StartedAt) != 3*time.Second {
				t.Errorf("killed run: %+v", r)
			}
		case "done":
			if r.Status != StatusSuccess || r.Error != "" {
				t.Errorf("a finished run was changed: %+v", r)
			}
		}
	}
	if StatusLabel(StatusInterrupted) != "中断" || StatusLabel(StatusSuccess) != "成功" || StatusLabel("warn") != "警告" || StatusLabel("odd") != "odd" {
		t.Error("StatusLabel")
	}
	if ids, err := w.MarkInterrupted(ctx, "again"); err != nil || len(ids) != 0 {
		t.Errorf("second MarkInterrupted = %v, %v", ids, err)
	}
}
