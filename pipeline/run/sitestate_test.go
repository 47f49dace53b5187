//go:build duckdb_arrow

package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jixiao/internal/fixture"
)

// TestRerunRedrawsWhatThePagesSay: with skipping on, a rerun whose data did
// not change still redraws the site when what the stamp says changed (a
// source went stale, a source's load failed) or when jixiao itself changed,
// and leaves it alone otherwise.
func TestRerunRedrawsWhatThePagesSay(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	path := filepath.Join(dir, "sources/progress.yaml")
	decl, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(decl), "columns:", "freshness: {warn_after: 2d, error_after: 5d}\ncolumns:", 1)), 0o644)
	at := func(later time.Duration, version string) Options {
		return Options{SkipUnchanged: true, Version: version, Now: func() time.Time { return time.Now().Add(later) }}
	}
	pages := func() []string {
		var out []string
		entries, _ := filepath.Glob(filepath.Join(dir, "site", "*.html"))
		for _, e := range entries {
			b, _ := os.ReadFile(e)
			out = append(out, string(b))
		}
		if len(out) == 0 {
			t.Fatal("no pages")
		}
		return out
	}
	if s := rerun(t, dir, at(0, "v1")); s.Err != nil || s.RenderUnchanged {
		t.Fatalf("first run: %v", s.Err)
	}
	if s := rerun(t, dir, at(0, "v1")); !s.RenderUnchanged {
		t.Error("nothing changed, yet the site was redrawn")
	}
	// Three days on, no new data: the source is stale and every page says so.
	if s := rerun(t, dir, at(3*24*time.Hour, "v1")); s.RenderUnchanged || len(s.Stale) != 1 {
		t.Errorf("a source went stale and the site was left alone (stale %v)", s.Stale)
	}
	for _, pg := range pages() {
		if !strings.Contains(pg, "⚠ 数据源 progress 已 3 天未更新") {
			t.Fatal("a page lacks the stale source in its stamp")
		}
	}
	// An upgraded jixiao redraws the same data.
	if s := rerun(t, dir, at(3*24*time.Hour, "v2")); s.RenderUnchanged {
		t.Error("a new jixiao version left the old pages")
	}
	// A source's file breaks: the run fails for it, and every page says the
	// data is from the last good load.
	os.WriteFile(filepath.Join(dir, "data/progress/2017-02.csv"), []byte("单位,本月完成\n环翠区,5\n"), 0o644)
	if s := rerun(t, dir, at(3*24*time.Hour, "v2")); s.Err == nil || s.RenderUnchanged {
		t.Errorf("broken source: err %v, render unchanged %v", s.Err, s.RenderUnchanged)
	}
	for _, pg := range pages() {
		if !strings.Contains(pg, "⚠ 数据源 progress 最近一次读取失败") {
			t.Fatal("a page lacks the failed source in its stamp")
		}
	}
}
