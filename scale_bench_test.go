//go:build duckdb_arrow

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// The bare baseline is DuckDB as it comes, with its own defaults, not
	// the warehouse package's settings (memory limit, sandbox).
	_ "github.com/duckdb/duckdb-go/v2"

	"jixiao/internal/benchenv"
	"jixiao/pipeline/warehouse"
)

// bareCoreQuery is the pipeline's core computation written for bare DuckDB,
// as PERFORMANCE.md's baseline does it: per unit, service type and month,
// services, distinct persons and amounts, cumulated over the months, joined
// to the targets, with completion, pace and status.
const bareCoreQuery = `CREATE OR REPLACE TABLE completion AS
WITH monthly AS (
    SELECT s.服务单位 AS unit, s.服务类型 AS service_type, date_trunc('month', s.服务日期) AS month,
           count(*) AS services, count(DISTINCT s.残疾人证号) AS persons, sum(s."金额（元）") AS amount
    FROM services s JOIN persons p ON p.残疾人证号 = s.残疾人证号
    GROUP BY ALL),
cumulative AS (
    SELECT *, sum(persons) OVER w AS persons_cum, sum(amount) OVER w AS amount_cum
    FROM monthly WINDOW w AS (PARTITION BY unit, service_type ORDER BY month))
SELECT c.*, t.指标编号 AS indicator_id, t.全市目标 AS target,
       c.persons_cum / nullif(t.全市目标, 0) AS completion, month(c.month) / 12 AS pace,
       CASE WHEN completion >= 1 THEN '完成' WHEN completion >= pace - 0.05 THEN '正常' ELSE '滞后' END AS status
FROM cumulative c JOIN targets t ON t.服务类型 = c.service_type`

// bareDuckDBEnv makes this test binary the bare DuckDB baseline (see
// TestMain): a program that opens a DuckDB file, loads the CSVs named by
// its arguments, runs the core query, prints the result's rows and closes.
const bareDuckDBEnv = "JIXIAO_TEST_AS_BARE_DUCKDB"

// bareDuckDB is the bare baseline's program: args are the database file,
// then persons.csv, services.csv and indicators.csv, and optionally a
// memory_limit to open the database with (else DuckDB's own default).
func bareDuckDB(ctx context.Context, args []string) error {
	if len(args) != 4 && len(args) != 5 {
		return fmt.Errorf("usage: %s=1 %s DB persons.csv services.csv indicators.csv [memory_limit]", bareDuckDBEnv, os.Args[0])
	}
	dsn := args[0]
	if len(args) == 5 {
		dsn += "?memory_limit=" + url.QueryEscape(args[4])
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for i, table := range []string{"persons", "services", "targets"} {
		q := "CREATE TABLE " + table + " AS SELECT * FROM read_csv(" + warehouse.QuoteString(args[i+1]) + ")"
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if _, err := db.ExecContext(ctx, bareCoreQuery); err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM completion WHERE status IS NOT NULL").Scan(&n); err != nil {
		return err
	}
	fmt.Println(n)
	// Closing checkpoints the file, as jixiao's close does.
	return db.Close()
}

// process is one timed process: from start to exit, as `time` gives it.
type process struct {
	elapsed time.Duration
	// peakRSS is the most memory the process held, in bytes.
	peakRSS int64
	stdout  string
}

// timeProcess runs cmd and times it whole, with its peak memory.
func timeProcess(b *testing.B, cmd *exec.Cmd) process {
	b.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	// The peak is the child's own high-water mark (VmHWM), read while it
	// runs: the rusage of wait4 would not do, since Linux carries the
	// parent's peak into a child across exec, and this benchmark's process
	// holds gigabytes of generated demo data.
	stop := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var most int64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			most = max(most, highWater(cmd.Process.Pid))
			select {
			case <-stop:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	elapsed := time.Since(start)
	close(stop)
	p := process{elapsed: elapsed, stdout: stdout.String(), peakRSS: <-peak}
	if err != nil {
		b.Fatalf("%s: %v\n%s\n%s", strings.Join(cmd.Args, " "), err, stdout.String(), stderr.String())
	}
	return p
}

// highWater is a running process's peak resident memory in bytes (VmHWM
// in /proc/PID/status), 0 once it has exited.
func highWater(pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb << 10
		}
	}
	return 0
}

// testBinaryAs is a command running this test binary in the role env names
// (JIXIAO_TEST_AS_CLI: jixiao itself), with none of the caller's JIXIAO_
// settings.
func testBinaryAs(env string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JIXIAO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env+"=1")
	return cmd
}

// BenchmarkScaleVsBareDuckDB times three whole processes, from start to
// exit as a user times them, on demo data of JIXIAO_BENCH_SCALE (1 unless
// set; 100 is a province):
//   - `jixiao run` of the default project into a fresh warehouse and site
//     (this test binary standing in for jixiao, see TestMain): extract,
//     transform, test and render;
//   - bare DuckDB with its own defaults loading the same roster and
//     services CSVs into a file and running the core query;
//   - where Python has pandas, testdata/pandas_core.py doing the same,
//     interpreter start-up and imports included.
//
// jixiao does more than either baseline (every source, typing, quarantine,
// lineage, 30 models, 100 data tests, 90 pages), which x_vs_bare_duckdb
// and x_vs_pandas include. x_vs_bare_duckdb_same_work leaves out the run's
// test and render stages (as meta.run_steps times them), keeping its
// start-up, checks, extract, transform and close: the same loads and SQL
// the baselines do, and more. Each process's peak memory is reported too.
func BenchmarkScaleVsBareDuckDB(b *testing.B) {
	benchenv.RecordLoad(b)
	scale := benchScale(b)
	dir := b.TempDir()
	project := filepath.Join(dir, "project")
	writeDefaultProject(b, project, scale)
	persons := filepath.Join(project, "data", "roster", "persons.csv")
	services := filepath.Join(project, "data", "roster", "services.csv")
	catalog, err := fs.ReadFile(defaultProject, "data/catalog/indicators.csv")
	if err != nil {
		b.Fatal(err)
	}
	targets := filepath.Join(dir, "indicators.csv")
	if err := os.WriteFile(targets, catalog, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	python := pandasPython()
	if python == "" {
		b.Log("no Python with pandas (set JIXIAO_PYTHON, or apt-get install python3-pandas): the pandas baseline is left out")
	}
	var ours, sameWork, bare, bareLimited, pandas time.Duration
	var peakOurs, peakBare, peakBareLimited, peakPandas int64
	// jixiao's own default memory limit, which bare DuckDB also runs under
	// once: its default (80% of the machine) lets it hold five times the
	// memory jixiao may.
	limit := warehouse.DefaultMemoryLimit()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := b.TempDir()
		wh := filepath.Join(out, "warehouse.duckdb")
		cmd := testBinaryAs("JIXIAO_TEST_AS_CLI", "--project", project, "--warehouse", wh, "run", "--site", filepath.Join(out, "site"))
		cmd.Dir = project
		p := timeProcess(b, cmd)
		ours += p.elapsed
		sameWork += p.elapsed - testAndRender(b, ctx, wh)
		peakOurs = max(peakOurs, p.peakRSS)

		cmd = testBinaryAs(bareDuckDBEnv, filepath.Join(out, "bare.duckdb"), persons, services, targets)
		p = timeProcess(b, cmd)
		var rows int
		if _, err := fmt.Sscan(p.stdout, &rows); err != nil || rows == 0 {
			b.Fatalf("the bare core query gave %q: %v", p.stdout, err)
		}
		bare += p.elapsed
		peakBare = max(peakBare, p.peakRSS)

		cmd = testBinaryAs(bareDuckDBEnv, filepath.Join(out, "bare-limited.duckdb"), persons, services, targets, limit)
		p = timeProcess(b, cmd)
		bareLimited += p.elapsed
		peakBareLimited = max(peakBareLimited, p.peakRSS)

		if python != "" {
			p = timeProcess(b, exec.Command(python, "testdata/pandas_core.py", persons, services, targets))
			var secs float64
			var pandasRows int
			if _, err := fmt.Sscan(p.stdout, &secs, &pandasRows); err != nil || pandasRows != rows {
				b.Fatalf("pandas: %q %v (rows %d, bare DuckDB %d)", p.stdout, err, pandasRows, rows)
			}
			pandas += p.elapsed
			peakPandas = max(peakPandas, p.peakRSS)
		}
	}
	const gib = 1 << 30
	b.ReportMetric(scale, "scale")
	b.ReportMetric(ours.Seconds()/float64(b.N), "s/jixiao_run")
	b.ReportMetric(sameWork.Seconds()/float64(b.N), "s/jixiao_run_less_test_render")
	b.ReportMetric(float64(peakOurs)/gib, "GiB_peak_jixiao")
	b.ReportMetric(float64(peakBare)/gib, "GiB_peak_bare_duckdb")
	b.ReportMetric(float64(peakBareLimited)/gib, "GiB_peak_bare_duckdb_same_memory")
	benchenv.Ratio(b, "bare_duckdb", ours, bare)
	benchenv.Ratio(b, "bare_duckdb_same_work", sameWork, bare)
	benchenv.Ratio(b, "bare_duckdb_same_memory", ours, bareLimited)
	benchenv.Ratio(b, "bare_duckdb_same_work_same_memory", sameWork, bareLimited)
	if pandas > 0 {
		b.ReportMetric(float64(peakPandas)/gib, "GiB_peak_pandas")
		benchenv.Ratio(b, "pandas", ours, pandas)
		benchenv.Ratio(b, "pandas_same_work", sameWork, pandas)
	}
}

// testAndRender is how long the last run in the warehouse at path spent
// in its test and render stages, as meta.run_steps recorded them.
func testAndRender(b *testing.B, ctx context.Context, path string) time.Duration {
	b.Helper()
	w, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	runs, err := w.RecentRuns(ctx, 1)
	if err != nil || len(runs) != 1 {
		b.Fatalf("the run's record: %v (%d runs)", err, len(runs))
	}
	steps, err := w.RunSteps(ctx, runs[0].RunID)
	if err != nil {
		b.Fatal(err)
	}
	var spent time.Duration
	for _, row := range steps.Rows {
		if step := fmt.Sprint(row[0]); step != "test" && step != "render" {
			continue
		}
		var secs float64
		if _, err := fmt.Sscan(fmt.Sprint(row[2]), &secs); err != nil {
			b.Fatalf("step %v took %v seconds: %v", row[0], row[2], err)
		}
		spent += time.Duration(secs * float64(time.Second))
	}
	return spent
}

// pandasPython finds a Python that imports pandas: JIXIAO_PYTHON, python3,
// or Debian's /usr/bin/python3; "" if none does.
func pandasPython() string {
	for _, p := range []string{os.Getenv("JIXIAO_PYTHON"), "python3", "/usr/bin/python3"} {
		if p != "" && exec.Command(p, "-c", "import pandas").Run() == nil {
			return p
		}
	}
	return ""
}
