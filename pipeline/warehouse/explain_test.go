//go:build duckdb_arrow

package warehouse

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// builtWarehouse writes a warehouse with some data and returns its bytes.
func builtWarehouse(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(context.Background(), "CREATE TABLE raw.x AS SELECT range AS i FROM range(100000)"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkExplained asserts err's first line is the Chinese explanation (with
// the remedy) and the second keeps DuckDB's own text.
func checkExplained(t *testing.T, err error, firstLine []string, duckdb string) {
	t.Helper()
	if err == nil {
		t.Fatal("opened without an error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) < 2 {
		t.Fatalf("want the explanation and DuckDB's text on two lines, got %q", err)
	}
	for _, want := range firstLine {
		if !strings.Contains(lines[0], want) {
			t.Errorf("first line lacks %q: %s", want, lines[0])
		}
	}
	if strings.Contains(lines[0], "IO Error") || !strings.Contains(lines[1], duckdb) {
		t.Errorf("DuckDB's text belongs on the second line:\n%s", err)
	}
}

// A warehouse file cut short (a copy that did not finish) or with a bad
// header is explained with the remedy, whether opened to write or to read.
func TestOpenDamagedWarehouse(t *testing.T) {
	data := builtWarehouse(t)
	random := make([]byte, 1<<20)
	rand.Read(random)
	for _, tt := range []struct {
		name   string
		data   []byte
		duckdb string
	}{
		{"truncated", data[:len(data)/3], "Could not read enough bytes"},
		{"header only", data[:4096], "Could not read enough bytes"},
		{"bad header", data[:100], "Could not read enough bytes"},
		{"random bytes", random, "not a valid DuckDB database file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.duckdb")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, ro := range []bool{false, true} {
				_, err := Open(context.Background(), path, Options{ReadOnly: ro})
				var corrupt *CorruptError
				if !errors.As(err, &corrupt) {
					t.Fatalf("read-only %v: want a CorruptError, got %v", ro, err)
				}
				checkExplained(t, err, []string{"仓库文件已损坏", "mv " + path + " " + path + ".damaged", "jixiao run --full-refresh"}, tt.duckdb)
			}
		})
	}
}

// A full disk is explained with its remedy. /dev/full fails every write
// with ENOSPC, as a full disk does.
func TestOpenOnFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); errors.Is(err, fs.ErrNotExist) {
		t.Skip("no /dev/full on this system")
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	var full *DiskFullError
	if !errors.As(err, &full) {
		t.Fatalf("want a DiskFullError, got %v", err)
	}
	checkExplained(t, err, []string{"磁盘空间已满", "请清理该磁盘"}, "No space left on device")
}

// Other errors pass through as they are.
func TestExplainKeepsOtherErrors(t *testing.T) {
	other := errors.New("Catalog Error: Table with name x does not exist!")
	if got := ExplainStorage(other); got != other {
		t.Errorf("Explain changed an unrelated error: %v", got)
	}
	if ExplainStorage(nil) != nil {
		t.Error("ExplainStorage(nil) is not nil")
	}
	once := ExplainStorage(errors.New(`IO Error: Could not write file "a b.wal": No space left on device`))
	if ExplainStorage(once) != once || !strings.Contains(once.Error(), "a b.wal") {
		t.Errorf("explained twice or lost the file: %v", once)
	}
	if got := quoteShell("/tmp/a b'c"); got != `'/tmp/a b'\''c'` {
		t.Errorf("quoteShell: %s", got)
	}
}
