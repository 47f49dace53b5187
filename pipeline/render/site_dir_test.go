package render

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
)

// writeVersion renders a fake site (an index page saying text) the way
// Site does, and swaps it in.
func writeVersion(t *testing.T, out, runID, text string) {
	t.Helper()
	tmp, err := newSiteDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.html"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := swapSite(tmp, out, runID); err != nil {
		t.Fatal(err)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func readIndex(t *testing.T, out string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The site is a link to its version's folder, readable by all; the next
// render's version replaces it, the version before stays until the render
// after, and older ones go.
func TestSiteIsALinkToItsVersion(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	writeVersion(t, out, "20170630-080500-1a2b", "v1")
	if target, err := os.Readlink(out); err != nil || target != ".site-20170630-080500-1a2b" {
		t.Fatalf("site links to %q, %v", target, err)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("site folder mode %v, %v: want 0755 so that others can read it", info.Mode().Perm(), err)
	}
	writeVersion(t, out, "20170630-090000-3c4d", "v2")
	if got := readIndex(t, out); got != "v2" {
		t.Errorf("index.html = %q", got)
	}
	if got := names(t, parent); len(got) != 3 || got[0] != ".site-20170630-080500-1a2b" || got[1] != ".site-20170630-090000-3c4d" || got[2] != "site" {
		t.Errorf("the folder holds %q: want the site link, its version and the one before", got)
	}
	// The same run rendering twice gets a version of its own.
	writeVersion(t, out, "20170630-090000-3c4d", "v3")
	if got := names(t, parent); readIndex(t, out) != "v3" || len(got) != 3 || got[0] != ".site-20170630-090000-3c4d" {
		t.Errorf("rerender: %q, %q", readIndex(t, out), got)
	}
}

// A plain site folder from an older jixiao becomes a link, its content
// replaced.
func TestPlainSiteFolderIsMigrated(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	if err := os.MkdirAll(filepath.Join(out, "assets"), 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "index.html"), []byte("old"), 0o644)
	writeVersion(t, out, "r1", "new")
	if info, err := os.Lstat(out); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("site is not a link after the render: %v", err)
	}
	if got := readIndex(t, out); got != "new" {
		t.Errorf("index.html = %q", got)
	}
	if got := names(t, parent); len(got) != 2 {
		t.Errorf("left behind: %q", got)
	}
}

// What a killed render leaves (its temporary folder, a link never renamed)
// is removed when the next render starts, and a version never linked once
// it has swapped; the version the site shows is not touched until the new
// one replaces it, and the one before stays until the render after.
func TestNextRenderRemovesWhatAKilledRenderLeft(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	writeVersion(t, out, "r0", "v0")
	writeVersion(t, out, "r1", "v1")
	for _, dir := range []string{".site.new-123456", ".site.new-999/data", ".site-r2", ".site.old-abcd"} {
		if err := os.MkdirAll(filepath.Join(parent, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(".site-r2", filepath.Join(parent, ".site.link-dead"))
	os.MkdirAll(filepath.Join(parent, "other"), 0o755)
	tmp, err := newSiteDir(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".site-r0", ".site-r1", ".site-r2", filepath.Base(tmp), "other", "site"}
	if got := names(t, parent); !slices.Equal(got, want) {
		t.Errorf("after a render started: %q, want %q", got, want)
	}
	if got := readIndex(t, out); got != "v1" {
		t.Errorf("the shown site changed before the swap: %q", got)
	}
	if err := swapSite(tmp, out, "r3"); err != nil {
		t.Fatal(err)
	}
	if got, want := names(t, parent), []string{".site-r1", ".site-r3", "other", "site"}; !slices.Equal(got, want) {
		t.Errorf("after the swap: %q, want %q", got, want)
	}
}

// Readers never find the site missing while renders replace it: the link
// is replaced, never removed first. (Whether a reader finds the files of
// the version it looked up depends on how long it takes: the version
// before is kept until the next render, and renders here follow each
// other within a millisecond.)
func TestSiteNeverMissingDuringSwaps(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site")
	writeVersion(t, out, "r0", "v0")
	var stop atomic.Bool
	var missing atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
				missing.Add(1)
			}
		}
	}()
	for i := range 100 {
		writeVersion(t, out, "", string(rune('a'+i%26)))
	}
	stop.Store(true)
	wg.Wait()
	if n := missing.Load(); n > 0 {
		t.Errorf("the site was missing %d times during 100 swaps", n)
	}
}
