//go:build duckdb_arrow

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/fixture"
)

// jixiao demo into a folder of earlier demo data replaces it: a project
// whose units changed gets no report of a unit it no longer lists.
func TestDemoAgainReplacesTheEarlierDemoData(t *testing.T) {
	dir := fixture.Copy(t, "plan")
	out := filepath.Join(t.TempDir(), "data")
	if code, _, errOut := jixiao(t, dir, "demo", "--out", out, "--scale", "0.01", "--months", "2"); code != ExitOK {
		t.Fatalf("demo: %s", errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "reports", "*文登区*")); len(m) == 0 {
		t.Fatal("no report of 文登区")
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "jixiao.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(cfg), "\n") {
		if !strings.Contains(line, "文登区") {
			kept = append(kept, line)
		}
	}
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte(strings.Join(kept, "\n")), 0o644)
	if code, _, errOut := jixiao(t, dir, "demo", "--out", out, "--scale", "0.01", "--months", "2", "--seed", "7"); code != ExitOK {
		t.Fatalf("demo again: %s", errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(out, "reports", "*文登区*")); len(m) != 0 {
		t.Errorf("reports of a unit no longer listed: %v", m)
	}
}
