package extract

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// legacyGrowthHash is the hash an earlier jixiao wrote: the file's SHA-256,
// its size and its line count.
func legacyGrowthHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	h := hex.EncodeToString(sum[:])
	if strings.HasSuffix(content, "\n") {
		h += fmt.Sprintf(":%d:%d", len(content), strings.Count(content, "\n"))
	}
	return h
}

func TestGrowthHash(t *testing.T) {
	rows := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "%d,2017-01-01,康复\n", i)
		}
		return b.String()
	}
	small, big := rows(0, 10), rows(0, 200000) // big spans several of growthHash's 1 MiB reads
	// A previous file ending exactly where a read ends.
	exact := strings.Repeat("x", 1<<20-1) + "\n"
	hashOf := func(content string) string {
		h, _, err := growthHash(fileInput{name: "f.csv", size: int64(len(content)), data: []byte(content)}, "")
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, tc := range []struct {
		name      string
		prev, now string
		legacy    bool // prev's hash was written by an earlier jixiao (SHA-256)
		unchanged bool // the hash returned is prev's
		grownAt   int  // bytes of prev skipped, -1 when the file is read whole
	}{
		{name: "first load", prev: "", now: small, grownAt: -1},
		{name: "grown", prev: small, now: small + rows(10, 20), grownAt: len(small)},
		{name: "grown, large", prev: big, now: big + rows(200000, 200100), grownAt: len(big)},
		{name: "grown from a read's end", prev: exact, now: exact + small, grownAt: len(exact)},
		{name: "unchanged", prev: big, now: big, unchanged: true, grownAt: -1},
		{name: "a row before the end changed", prev: small, now: "X" + small[1:] + rows(10, 20), grownAt: -1},
		{name: "cut shorter", prev: big, now: big[:len(big)/2], grownAt: -1},
		{name: "no line break at the end", prev: strings.TrimSuffix(small, "\n"), now: small + rows(10, 20), grownAt: -1},
		{name: "legacy, grown", prev: big, now: big + rows(200000, 200100), legacy: true, grownAt: len(big)},
		{name: "legacy, unchanged", prev: big, now: big, legacy: true, unchanged: true, grownAt: -1},
		{name: "legacy, unchanged without a line break at the end", prev: "a,b", now: "a,b", legacy: true, unchanged: true, grownAt: -1},
		{name: "legacy, changed", prev: small, now: "X" + small[1:] + rows(10, 20), legacy: true, grownAt: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := ""
			if tc.prev != "" {
				prev = hashOf(tc.prev)
				if tc.legacy {
					prev = legacyGrowthHash(tc.prev)
				}
			}
			// Read from a file system, as a large export is streamed.
			fsys := fstest.MapFS{"f.csv": {Data: []byte(tc.now)}}
			got, grown, err := growthHash(fileInput{name: "f.csv", size: int64(len(tc.now)), fsys: fsys}, prev)
			if err != nil {
				t.Fatal(err)
			}
			want := hashOf(tc.now)
			if tc.unchanged {
				want = prev
			}
			if got != want {
				t.Errorf("hash %q, want %q", got, want)
			}
			if !strings.HasPrefix(got, growthPrefix) && !tc.unchanged {
				t.Errorf("hash %q has no %s prefix", got, growthPrefix)
			}
			switch {
			case tc.grownAt < 0 && grown != nil:
				t.Errorf("read from byte %d, want the whole file", grown.offset)
			case tc.grownAt >= 0 && grown == nil:
				t.Errorf("read whole, want from byte %d", tc.grownAt)
			case grown != nil && (grown.offset != int64(tc.grownAt) || grown.lines != strings.Count(tc.prev, "\n")):
				t.Errorf("read from byte %d, line %d; want %d, %d", grown.offset, grown.lines, tc.grownAt, strings.Count(tc.prev, "\n"))
			}
		})
	}
}

// A file's content hash is an XXH3; a load an earlier jixiao recorded with
// the file's SHA-256 still finds the unchanged file, and the file's next
// load records the XXH3. Replace loads hash all their files the same way.
func TestContentHashAcceptsEarlierSHA256(t *testing.T) {
	a := "t\n单位,月份,本月完成\n环翠区,2017-01,1\n"
	files := fstest.MapFS{"data/a.csv": {Data: []byte(a)}}
	legacy := sha256.Sum256([]byte(a))
	for _, tt := range []struct {
		name    string
		prev    string
		content string
		skipped bool
	}{
		{"never loaded", "", a, false},
		{"an earlier SHA-256, unchanged", hex.EncodeToString(legacy[:]), a, true},
		{"an earlier SHA-256, changed", hex.EncodeToString(legacy[:]), a + "高区,2017-01,2\n", false},
		{"a SHA-256 of other content", strings.Repeat("0", 64), a, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files["data/a.csv"] = &fstest.MapFile{Data: []byte(tt.content)}
			src, env := source(t, files, progressDecl)
			state := State{Hashes: map[string]string{}}
			if tt.prev != "" {
				state.Hashes["data/a.csv"] = tt.prev
			}
			res, err := CSV{}.Extract(t.Context(), env, src, state)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Skipped) == 1; got != tt.skipped || len(res.Loads)+len(res.Skipped) != 1 {
				t.Fatalf("skipped %v, loads %d; want skipped %v", res.Skipped, len(res.Loads), tt.skipped)
			}
			for _, l := range res.Loads {
				l.Reader.Release()
				if !strings.HasPrefix(l.ContentHash, growthPrefix) || len(l.ContentHash) != len(growthPrefix)+32 {
					t.Errorf("recorded %q, want an XXH3", l.ContentHash)
				}
				// As recorded, it finds the file unchanged.
				again, err := CSV{}.Extract(t.Context(), env, src, State{Hashes: map[string]string{"data/a.csv": l.ContentHash}})
				if err != nil || len(again.Skipped) != 1 {
					t.Errorf("with its own hash: %+v, %v", again, err)
				}
			}
		})
	}
}
