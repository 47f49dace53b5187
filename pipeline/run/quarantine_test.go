//go:build duckdb_arrow

package run

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/pipeline/project"
)

// Reloading leaves no old rejects behind: a full refresh twice keeps the
// same quarantine, and a file re-sent with its bad row fixed takes its
// reject away.
func TestReloadsLeaveNoQuarantineResidue(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	extract := func(fullRefresh bool) {
		t.Helper()
		p, diags := project.Load(os.DirFS(dir))
		if diags.HasErrors() {
			t.Fatalf("load: %v", diags)
		}
		if _, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "extract", Stages: []Stage{StageExtract},
			FullRefresh: fullRefresh}); err != nil {
			t.Fatal(err)
		}
	}
	rejects := "SELECT count(*) || ' ' || string_agg(file || ':' || row_number, ' ') FROM meta.quarantine"
	for i := 0; i < 3; i++ {
		extract(true)
		if got := query[string](t, dir, rejects); got != "1 data/progress/2017-02.csv:3" {
			t.Fatalf("after full refresh %d: %s", i+1, got)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "data/progress/2017-02.csv"), []byte("单位,月份,本月完成\n环翠区,2017-02,12\n高区,2017-02,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	extract(false)
	if got := query[int64](t, dir, "SELECT count(*) FROM meta.quarantine"); got != 0 {
		t.Errorf("the fixed file still has %d rejects", got)
	}
}
