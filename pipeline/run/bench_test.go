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

	"jixiao/internal/benchenv"
	"jixiao/pipeline/extract"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"

	"github.com/xuri/excelize/v2"
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
	benchenv.RecordLoad(b)
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
	// The baseline's read_csv reads the file through SQL, which the sandbox
	// allows only inside ReadDirs, as a run allows the project folder.
	w, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), warehouse.Options{ReadDirs: []string{dir}})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	env := extract.Env{FS: p.FS, Units: extract.NewUnitIndex(nil)}
	var ours, base, typed time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := extract.Default().Extract(ctx, env, p.Sources[0], extract.State{})
		if err != nil {
			b.Fatal(err)
		}
		l := res.Loads[0]
		n, err := w.Load(ctx, warehouse.LoadRequest{LoadID: fmt.Sprint("l", i), Source: "progress", Kind: "csv", Schema: "raw", Table: "progress",
			Mode: warehouse.ModeReplace, Reader: l.Reader, StartedAt: start, Stats: func() warehouse.LoadStats { return loadStats(l.Stats()) }})
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

		// read_csv guesses unit_code to be a number; told the declared types
		// it stores the same columns jixiao does, lineage aside.
		start = time.Now()
		if err := w.Exec(ctx, "CREATE OR REPLACE TABLE raw.typed AS SELECT * FROM read_csv("+warehouse.QuoteString(path)+", header = true, "+
			"columns = {'unit_code': 'VARCHAR', 'indicator_id': 'VARCHAR', 'month': 'DATE', 'actual': 'BIGINT', 'amount': 'DOUBLE', 'remark': 'VARCHAR'})"); err != nil {
			b.Fatal(err)
		}
		typed += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/ours.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)*float64(b.N)/base.Seconds(), "baseline_rows/s")
	benchenv.Ratio(b, "read_csv", ours, base)
	benchenv.Ratio(b, "read_csv_declared_types", ours, typed)
}

// BenchmarkXLSXExtract reads a 100,000-row, 10-column sheet through the xlsx
// kind; the baseline is excelize merely streaming through the same cells.
func BenchmarkXLSXExtract(b *testing.B) {
	benchenv.RecordLoad(b)
	const rows = 100_000
	dir := b.TempDir()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"单位", "指标", "月份", "本月完成", "累计完成", "金额", "人数", "户数", "备注", "状态"}
	sw.SetRow("A1", header)
	units := []string{"环翠区", "文登区", "荣成市", "乳山市", "高区", "经区", "临港区", "市本级"}
	for i := 0; i < rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{units[i%8], fmt.Sprintf("E%02d", i%20), fmt.Sprintf("2017-%02d", i%12+1), i % 97, i % 1000, float64(i%5000) + 0.5, i % 13, i % 7, "无", "正常"})
	}
	sw.Flush()
	path := filepath.Join(dir, "data", "big.xlsx")
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	decl := "kind: xlsx\npath: data/big.xlsx\ncolumns:\n" +
		"  - {name: unit_code, type: unit, required: true, aliases: [单位]}\n  - {name: indicator_id, type: text, aliases: [指标]}\n" +
		"  - {name: month, type: date, aliases: [月份]}\n  - {name: actual, type: integer, aliases: [本月完成]}\n" +
		"  - {name: cumulative, type: integer, aliases: [累计完成]}\n  - {name: amount, type: number, aliases: [金额]}\n" +
		"  - {name: persons, type: integer, aliases: [人数]}\n  - {name: households, type: integer, aliases: [户数]}\n" +
		"  - {name: remark, type: text, aliases: [备注]}\n  - {name: status, type: text, aliases: [状态]}\n"
	os.MkdirAll(filepath.Join(dir, "sources"), 0o755)
	os.WriteFile(filepath.Join(dir, "sources", "big.yaml"), []byte(decl), 0o644)
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte("name: bench\nplan_year: 2017\nunits:\n"+unitsYAML()), 0o644)
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	env := extract.Env{FS: p.FS, Units: extract.NewUnitIndex(p.Config.Units)}
	ctx := context.Background()
	var ours, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := extract.Default().Extract(ctx, env, p.Sources[0], extract.State{})
		if err != nil {
			b.Fatal(err)
		}
		// The file streams: read it through, as DuckDB would.
		l := res.Loads[0]
		for l.Reader.Next() {
		}
		if err := l.Reader.Err(); err != nil {
			b.Fatal(err)
		}
		l.Reader.Release()
		if st := l.Stats(); st.RowsRead != rows || len(st.Rejected) != 0 {
			b.Fatalf("read %d, rejected %d", st.RowsRead, len(st.Rejected))
		}
		ours += time.Since(start)

		start = time.Now()
		wb, err := excelize.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		it, _ := wb.Rows("Sheet1")
		n := 0
		for it.Next() {
			cells, _ := it.Columns(excelize.Options{RawCellValue: true})
			n += len(cells)
		}
		it.Close()
		wb.Close()
		base += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/ours.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)*float64(b.N)/base.Seconds(), "baseline_rows/s")
	benchenv.Ratio(b, "excelize_stream", ours, base)
}

func unitsYAML() string {
	return `  - {code: "371000", name: 市本级, kind: 市本级}
  - {code: "371002", name: 环翠区, kind: 区市}
  - {code: "371003", name: 文登区, kind: 区市}
  - {code: "371082", name: 荣成市, kind: 区市}
  - {code: "371083", name: 乳山市, kind: 区市}
  - {code: "371071", name: 高区, kind: 开发区}
  - {code: "371072", name: 经区, kind: 开发区}
  - {code: "371073", name: 临港区, kind: 开发区}
`
}

// BenchmarkPostgresLoad loads a 1M-row table from the local PostgreSQL into
// the warehouse; the baseline is reading the same rows with database/sql
// and doing nothing with them.
func BenchmarkPostgresLoad(b *testing.B) {
	benchenv.RecordLoad(b)
	const rows = 1_000_000
	db, dsn := testPostgres(b)
	table := fmt.Sprintf("jixiao_bench_%d", time.Now().UnixNano()%1e12)
	if _, err := db.Exec(`CREATE TABLE ` + table + ` AS SELECT g AS id, (ARRAY['环翠区','文登区','荣成市','乳山市','高区','经区','临港区','市本级'])[g % 8 + 1] AS unit,
		'康复' AS service_type, DATE '2017-01-01' + (g % 365) AS served_on, (g % 5000)::numeric(12,2) AS amount,
		TIMESTAMP '2017-01-01' + g * INTERVAL '1 second' AS updated_at FROM generate_series(1, ` + fmt.Sprint(rows) + `) g`); err != nil {
		b.Fatal(err)
	}
	defer db.Exec("DROP TABLE " + table)
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "sources"), 0o755)
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte("name: bench\nplan_year: 2017\nunits:\n"+unitsYAML()), 0o644)
	os.WriteFile(filepath.Join(dir, "sources", "services.yaml"), []byte("kind: postgres\ndsn_env: DSN\ntable: "+table+"\ncursor: updated_at\nload: append\ncolumns:\n"+
		"  - {name: id, type: integer, required: true}\n  - {name: unit_code, type: unit, required: true, aliases: [unit]}\n"+
		"  - {name: service_type, type: text}\n  - {name: served_on, type: date}\n  - {name: amount, type: number}\n"+
		"  - {name: updated_at, type: timestamp, required: true}\n"), 0o644)
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	ctx := context.Background()
	var ours, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := filepath.Join(dir, fmt.Sprint("run", i))
		start := time.Now()
		s, err := Execute(ctx, Options{Project: p, Base: run, Command: "bench", Stages: []Stage{StageExtract},
			Getenv: func(string) string { return dsn }})
		if err != nil || s.Sources[0].RowsLoaded != rows {
			b.Fatalf("loaded %+v: %v", s.Sources, err)
		}
		ours += time.Since(start)

		start = time.Now()
		r, err := db.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY updated_at")
		if err != nil {
			b.Fatal(err)
		}
		vals := make([]any, 6)
		ptrs := make([]any, 6)
		for j := range vals {
			ptrs[j] = &vals[j]
		}
		for r.Next() {
			r.Scan(ptrs...)
		}
		r.Close()
		base += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/ours.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)*float64(b.N)/base.Seconds(), "baseline_rows/s")
	benchenv.Ratio(b, "raw_read", ours, base)
}
