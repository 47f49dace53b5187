//go:build duckdb_arrow

package extract

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// watchedFS counts the whole-file reads of its files, and can put another
// content in place once a file has been opened (hashed) and before it is
// read whole: an office copying a corrected report while a run hashes it.
type watchedFS struct {
	fstest.MapFS
	reads map[string]int
	// after, when set, is the content a file has from its first Open on.
	after map[string]string
}

func (w *watchedFS) Open(name string) (fs.File, error) {
	f, err := w.MapFS.Open(name)
	if next, ok := w.after[name]; ok {
		w.MapFS[name] = &fstest.MapFile{Data: []byte(next)}
		delete(w.after, name)
	}
	return f, err
}

func (w *watchedFS) ReadFile(name string) ([]byte, error) {
	w.reads[name]++
	return w.MapFS.ReadFile(name)
}

// A file loaded before is hashed from disk and held in memory only when it
// changed; the hash recorded is that of the content parsed, even when the
// file changed again between the hash and the read.
func TestLoadedFileIsHeldOnlyWhenChanged(t *testing.T) {
	const (
		name = "data/a.csv"
		v1   = "进度表\n单位,月份,本月完成\n环翠区,2017-01,1\n"
		v2   = "进度表\n单位,月份,本月完成\n环翠区,2017-01,2\n"
		v3   = "进度表\n单位,月份,本月完成\n环翠区,2017-01,3\n高区,2017-01,4\n"
	)
	for _, mode := range []struct {
		decl string
		key  string // what the hash is recorded under
	}{
		{progressDecl, name},
		{strings.Replace(progressDecl, "load: append", "load: replace", 1), "data/*.csv"},
	} {
		t.Run(mode.key, func(t *testing.T) {
			files := fstest.MapFS{name: {Data: []byte(v1)}}
			src, env := source(t, files, mode.decl)
			w := &watchedFS{MapFS: files, reads: map[string]int{}}
			env.FS = w
			extractOnce := func(state State) *Result {
				t.Helper()
				res, err := CSV{}.Extract(context.Background(), env, src, state)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			// hashOf is the hash a first load of content records.
			hashOf := func(content string) string {
				t.Helper()
				fresh := fstest.MapFS{name: {Data: []byte(content)}}
				_, e := source(t, fresh, mode.decl)
				res, err := CSV{}.Extract(context.Background(), e, src, State{})
				if err != nil || len(res.Loads) != 1 {
					t.Fatalf("first load of %q: %v, %d loads", content, err, len(res.Loads))
				}
				rows(t, res.Loads[0])
				return res.Loads[0].ContentHash
			}
			before := func(h string) State { return State{Hashes: map[string]string{mode.key: h}} }

			first := extractOnce(State{})
			if len(first.Loads) != 1 || w.reads[name] != 1 {
				t.Fatalf("first load: %d loads, %d whole reads; want 1 and 1", len(first.Loads), w.reads[name])
			}
			h1 := first.Loads[0].ContentHash
			rows(t, first.Loads[0])

			again := extractOnce(before(h1))
			if len(again.Loads) != 0 || len(again.Skipped) != 1 || w.reads[name] != 1 {
				t.Fatalf("unchanged: %d loads, %d skipped, %d whole reads; want 0, 1 and still 1", len(again.Loads), len(again.Skipped), w.reads[name])
			}

			w.MapFS[name] = &fstest.MapFile{Data: []byte(v2)}
			changed := extractOnce(before(h1))
			if len(changed.Loads) != 1 || w.reads[name] != 2 {
				t.Fatalf("changed: %d loads, %d whole reads; want 1 and 2", len(changed.Loads), w.reads[name])
			}
			if got := rows(t, changed.Loads[0]); len(got) != 1 || !strings.Contains(got[0], "actual=2") {
				t.Errorf("changed rows: %v", got)
			}
			if changed.Loads[0].ContentHash != hashOf(v2) {
				t.Error("the changed file's hash is not that of its content")
			}

			// Hashed as v2, then copied over with v3 before it is read: what
			// loads is v3, under v3's hash, so the next run skips it.
			w.MapFS[name] = &fstest.MapFile{Data: []byte(v2)}
			w.after = map[string]string{name: v3}
			raced := extractOnce(before(h1))
			if len(raced.Loads) != 1 {
				t.Fatalf("raced: %d loads", len(raced.Loads))
			}
			if got := rows(t, raced.Loads[0]); len(got) != 2 {
				t.Errorf("raced rows: %v, want v3's two", got)
			}
			if raced.Loads[0].ContentHash != hashOf(v3) {
				t.Error("the hash recorded is not that of the content loaded")
			}
		})
	}
}
