//go:build duckdb_arrow

package warehouse

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// The writeback runs beside DuckDB's own writes and syncs: the data is
// what DuckDB wrote, and stopping it leaves no file open behind.
func TestWriteBackWhileLoading(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	openFiles := func() int {
		if runtime.GOOS != "linux" {
			return 0
		}
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(fds)
	}
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := openFiles()
	stop := w.WriteBackWhileLoading(ctx)
	if err := w.Exec(ctx, `CREATE TABLE raw.t AS SELECT i, 'row ' || i AS s FROM range(2000000) r(i)`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * writebackEvery) // at least one writeback beside the table's pages
	if err := w.Exec(ctx, `INSERT INTO raw.t SELECT i, 'row ' || i FROM range(2000000, 2500000) r(i)`); err != nil {
		t.Fatal(err)
	}
	stop()
	if after := openFiles(); after != before {
		t.Errorf("%d files open after the writeback stopped, %d before", after, before)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, err = Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var n, sum int64
	if err := w.QueryRow(ctx, `SELECT count(*), sum(i) FROM raw.t`, nil, &n, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 2500000 || sum != 2500000*2499999/2 {
		t.Errorf("read back %d rows summing to %d", n, sum)
	}
	// A read-only warehouse writes nothing: no writeback, no file opened.
	before = openFiles()
	w.WriteBackWhileLoading(ctx)()
	if after := openFiles(); after != before {
		t.Errorf("a read-only warehouse's writeback opened %d files", after-before)
	}
}
