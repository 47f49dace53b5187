//go:build duckdb_arrow

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/internal/require"
)

// TestArm64BinaryRunsTheDefaultProject cross-builds jixiao for linux-arm64
// (信创 desktops and servers on Kunpeng and Phytium) as `make dist` does,
// and runs it under qemu-user on the default project with small demo data:
// the whole pipeline, then a query of the assessment.
func TestArm64BinaryRunsTheDefaultProject(t *testing.T) {
	cc, err1 := exec.LookPath("aarch64-linux-gnu-gcc")
	qemu, err2 := exec.LookPath("qemu-aarch64-static")
	if err1 != nil || err2 != nil {
		require.Service(t, require.Arm64, "cross-building and running the arm64 binary needs Debian's gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu and qemu-user-static")
		return
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "jixiao-linux-arm64")
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1", "GOOS=linux", "GOARCH=arm64", "CC="+cc, "CXX=aarch64-linux-gnu-g++")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build for arm64: %v\n%s", err, out)
	}

	// The default project, as `jixiao init` writes it, with demo data small
	// enough for an emulated run.
	dir := filepath.Join(tmp, "project")
	writeDefaultProject(t, dir, 0.02)
	jixiao := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(qemu, append([]string{"-L", "/usr/aarch64-linux-gnu", bin, "--project", dir}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("arm64 jixiao %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := jixiao("run"); !strings.Contains(out, "成功") {
		t.Errorf("arm64 run:\n%s", out)
	}
	out := jixiao("query", "SELECT count(*) AS units, min(rank) AS first FROM marts.unit_assessment", "--format", "csv")
	if !strings.Contains(out, "units,first\n8,1\n") {
		t.Errorf("arm64 query of the assessment: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "site", "index.html")); err != nil {
		t.Errorf("arm64 run wrote no site: %v", err)
	}
}
