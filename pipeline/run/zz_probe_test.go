//go:build duckdb_arrow

package run

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"jixiao/pipeline/extract"
	"jixiao/pipeline/project"
)

func BenchmarkProbeParse(b *testing.B) {
	const rows = 200_000
	dir := b.TempDir()
	writeProgressCSV(b, dir, rows)
	os.MkdirAll(filepath.Join(dir, "sources"), 0o755)
	os.WriteFile(filepath.Join(dir, "sources", "progress.yaml"), []byte(benchSource), 0o644)
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte("name: bench\nplan_year: 2017\n"), 0o644)
	p, _ := project.Load(os.DirFS(dir))
	ctx := context.Background()
	env := extract.Env{FS: p.FS, Units: extract.NewUnitIndex(nil)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, _ := extract.Default().Extract(ctx, env, p.Sources[0], extract.State{})
		l := res.Loads[0]
		for l.Reader.Next() {
		}
		l.Reader.Release()
	}
}
