//go:build duckdb_arrow

package run

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"jixiao/pipeline/extract"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// writeProgressCSV writes n rows shaped like a unit progress export.
func writeProgressCSV(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, "data", "progress.csv")
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "unit_code,indicator_id,month,actual,amount,remark")
	units := []string{"371000", "371002", "371003", "371082", "371083", "371071", "371072", "371073"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "%s,E%02d-%d,2017-%02d-01,%d,%d.%02d,备注%d\n", units[i%8], i%20, i%3, i%12+1, i%97, i%5000, i%100, i%7)
	}
	w.Flush()
	f.Close()
	return path
}

const benchSource = `kind: csv
path: data/progress.csv
encoding: utf-8
columns:
  - {name: unit_code, type: text, required: true}
  - {name: indicator_id, type: text, required: true}
  - {name: month, type: date, required: true}
  - {name: actual, type: integer, required: true}
  - {name: amount, type: number}
  - {name: remark, type: text}
`

// BenchmarkCSVLoad loads one CSV file through jixiao's path (parse, type
// and quarantine in Go, Arrow into DuckDB) and, as the baseline, through
// DuckDB's own read_csv into the same warehouse.
func BenchmarkCSVLoad(b *testing.B) {
	const rows = 200_000
	dir := b.TempDir()
	path := writeProgressCSV(b, dir, rows)
	os.MkdirAll(filepath.Join(dir, "sources"), 0o755)
	os.WriteFile(filepath.Join(dir, "sources", "progress.yaml"), []byte(benchSource), 0o644)
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte("name: bench\nplan_year: 2017\n"), 0o644)
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	env := extract.Env{FS: p.FS, Units: extract.NewUnitIndex(nil)}
	var ours, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := extract.Default().Extract(ctx, env, p.Sources[0], extract.State{})
		if err != nil {
			b.Fatal(err)
		}
		l := res.Loads[0]
		n, err := w.Load(ctx, warehouse.LoadRequest{LoadID: fmt.Sprint("l", i), Source: "progress", Kind: "csv", Schema: "raw", Table: "progress",
			Mode: warehouse.ModeReplace, Reader: l.Reader, RowsRead: l.RowsRead, StartedAt: start})
		l.Reader.Release()
		if err != nil || n != rows {
			b.Fatalf("loaded %d: %v", n, err)
		}
		ours += time.Since(start)

		start = time.Now()
		if err := w.Exec(ctx, "CREATE OR REPLACE TABLE raw.baseline AS SELECT * FROM read_csv("+warehouse.QuoteString(path)+", header = true)"); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/ours.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)*float64(b.N)/base.Seconds(), "baseline_rows/s")
	b.ReportMetric(ours.Seconds()/base.Seconds(), "x_vs_read_csv")
}
