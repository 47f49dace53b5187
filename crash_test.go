//go:build duckdb_arrow

package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// TestMain lets the test binary stand in for the jixiao binary: with
// JIXIAO_TEST_AS_CLI=1 it runs the command line on its arguments, so that
// a test can run jixiao as a process of its own and kill it, and a
// benchmark time it whole; with JIXIAO_TEST_AS_BARE_DUCKDB=1 it is the
// bare DuckDB baseline's program (BenchmarkScaleVsBareDuckDB).
func TestMain(m *testing.M) {
	if os.Getenv("JIXIAO_TEST_AS_CLI") == "1" {
		os.Exit(runCLI(context.Background()))
	}
	if os.Getenv(bareDuckDBEnv) == "1" {
		if err := bareDuckDB(context.Background(), os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writeDefaultProject writes the embedded project with demo data of the
// given scale into dir, as `jixiao init` does.
func writeDefaultProject(t testing.TB, dir string, scale float64) {
	t.Helper()
	if err := os.CopyFS(dir, defaultProject); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cat, err := demo.ReadCatalog(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(context.Background(), cat, demo.Options{Scale: scale, Seed: 2017, Months: 9, Out: filepath.Join(dir, "data")}); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies a project folder into an empty one.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// jixiaoProcess runs jixiao (this test binary standing in) in a process of
// its own, on the project in dir. kill, when set, is asked about each line
// the run prints (one line per step: its output is not a terminal) with
// the stage it is in; when it says so, the process is killed with SIGKILL,
// as kill -9 does. after, when positive, kills it after that long instead.
// It returns whether the process was killed, and its output.
func jixiaoProcess(t *testing.T, dir string, args []string, kill func(stage, line string) bool, after time.Duration) (bool, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--project", dir}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JIXIAO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "JIXIAO_TEST_AS_CLI=1")
	out, err := cmd.StdoutPipe()
	if err == nil {
		cmd.Stderr = cmd.Stdout
		err = cmd.Start()
	}
	if err != nil {
		t.Errorf("start jixiao: %v", err) // not Fatal: this may run on another goroutine
		return false, err.Error()
	}
	killed := false
	if after > 0 {
		timer := time.AfterFunc(after, func() { cmd.Process.Kill() })
		defer timer.Stop()
	}
	var text strings.Builder
	stage := ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		text.WriteString(line + "\n")
		for _, name := range []string{"读取数据源", "构建模型", "数据测试", "生成看板"} {
			if strings.Contains(line, " "+name) && !strings.Contains(line, "[") {
				stage = name
			}
		}
		if kill != nil && !killed && kill(stage, line) {
			cmd.Process.Kill()
			killed = true
		}
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok && ee.ProcessState.String() == "signal: killed" {
		killed = true
	}
	return killed, text.String()
}

// table is a table's rows, each as its text without the floating-point
// values, and those values apart, sorted.
type table []row

type row struct {
	text   string
	floats []float64
}

// snapshot is what a run leaves that must not depend on crashes before it:
// the raw tables' row counts, the marts' rows and the quarantine.
func snapshot(t *testing.T, dir string) map[string]table {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	read := func(q string) table {
		t.Helper()
		res, err := w.Query(ctx, q, 0)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out table
		for _, r := range res.Rows {
			var rw row
			for _, v := range r {
				if f, ok := v.(float64); ok {
					rw.floats = append(rw.floats, f)
					v = "float"
				}
				rw.text += fmt.Sprintf("%v|", v)
			}
			out = append(out, rw)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].text != out[j].text {
				return out[i].text < out[j].text
			}
			return fmt.Sprint(out[i].floats) < fmt.Sprint(out[j].floats)
		})
		return out
	}
	out := map[string]table{}
	for _, r := range read(`SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('raw', 'marts')`) {
		name := strings.TrimSuffix(r.text, "|")
		schema, tbl, _ := strings.Cut(name, ".")
		if schema == "raw" {
			out[name] = read("SELECT count(*) FROM " + warehouse.QuoteTable(schema, tbl))
			continue
		}
		keep := columnsButLoadIDs(t, w, schema, tbl)
		out[name] = read(fmt.Sprintf("SELECT %s FROM %s", strings.Join(keep, ", "), warehouse.QuoteTable(schema, tbl)))
	}
	out["meta.quarantine"] = read(`SELECT source, file, sheet, row_number, column_name, raw_value, reason FROM meta.quarantine`)
	return out
}

// diff says how two snapshots of a table differ, "" when they do not.
// Floating-point values may differ in their last digits: DuckDB adds in
// parallel, in no fixed order.
func (a table) diff(b table) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d rows, want %d", len(b), len(a))
	}
	for i := range a {
		if a[i].text != b[i].text || !numbersAgree(a[i].floats, b[i].floats, 1e-3) {
			return fmt.Sprintf("row %q %v, want %q %v", b[i].text, b[i].floats, a[i].text, a[i].floats)
		}
	}
	return ""
}

// untested lists the data tests that have not run since their model's
// latest build: a model built by a run killed before its tests must not
// be shown as if it had passed them.
func untested(t *testing.T, dir string) []string {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Query(context.Background(), `WITH built AS (
			SELECT model, max(finished_at) AS at FROM meta.model_builds WHERE status = 'success' GROUP BY model),
		tested AS (SELECT model, test_name, max(ran_at) AS at FROM meta.test_results GROUP BY ALL)
		SELECT t.model || ' ' || t.test_name FROM tested t JOIN built b USING (model) WHERE t.at < b.at ORDER BY 1`, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, r[0].(string))
	}
	return out
}

// checkSite asserts the site is a link to a whole version, with nothing
// beside it but that version and the one before.
func checkSite(t *testing.T, dir string) {
	t.Helper()
	site := filepath.Join(dir, "site")
	target, err := os.Readlink(site)
	if err != nil {
		t.Fatalf("site is not a link to its version: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, target, "index.html")); err != nil {
		t.Fatalf("the site's version is not whole: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var versions []string
	for _, e := range entries {
		switch name := e.Name(); {
		case strings.HasPrefix(name, ".site."):
			t.Errorf("a killed render's %s is left beside the site", name)
		case strings.HasPrefix(name, ".site-"):
			versions = append(versions, name)
		}
	}
	if len(versions) > 2 {
		t.Errorf("site versions left: %q", versions)
	}
}

// TestKilledRunsLeaveNoResidue runs the default project (demo data at a
// small scale) and kills it with SIGKILL at each stage boundary, inside a
// stage and at random moments, then runs it to the end: raw row counts,
// the marts and the quarantine must be those of a clean run; the killed
// runs are marked 中断; every data test has run on the models as they are;
// the site is whole, with nothing of the killed renders beside it.
func TestKilledRunsLeaveNoResidue(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test runs jixiao a dozen times")
	}
	project := t.TempDir()
	writeDefaultProject(t, project, 0.02)
	clean, crashed := t.TempDir(), t.TempDir()
	copyDir(t, project, clean)
	copyDir(t, project, crashed)

	// The clean run goes on beside the first kills; the random ones need
	// its duration.
	cleanDone := make(chan time.Duration, 1)
	var cleanOut string
	go func() {
		start := time.Now()
		killed, out := jixiaoProcess(t, clean, []string{"run"}, nil, 0)
		if killed || !strings.Contains(out, "成功") {
			cleanOut = out
			cleanDone <- 0
			return
		}
		cleanDone <- time.Since(start)
	}()

	items := 0
	at := func(stage string, nth int) func(string, string) bool {
		return func(st, line string) bool {
			if st != stage {
				items = 0
				return false
			}
			if nth == 0 {
				return true // the stage has begun: everything before it is committed
			}
			if strings.Contains(line, "[") {
				items++
			}
			return items >= nth
		}
	}
	var full time.Duration
	received := false
	waitClean := func() {
		if !received {
			full, received = <-cleanDone, true
		}
	}
	defer waitClean() // the clean run's folder goes when the test ends
	seed := time.Now().UnixNano()
	rnd := rand.New(rand.NewPCG(uint64(seed), 0))
	random := func() time.Duration {
		if waitClean(); full == 0 {
			t.Fatalf("clean run:\n%s", cleanOut)
		}
		return time.Duration(rnd.Int64N(int64(full)))
	}
	kills := []struct {
		name  string
		args  []string
		kill  func(string, string) bool
		after func() time.Duration
	}{
		{"as extract begins", []string{"run"}, at("读取数据源", 0), nil},
		{"after the first source", []string{"run"}, at("读取数据源", 1), nil},
		{"as transform begins", []string{"run"}, at("构建模型", 0), nil},
		{"after five models", []string{"run"}, at("构建模型", 5), nil},
		{"as the tests begin", []string{"run"}, at("数据测试", 0), nil},
		{"as render begins", []string{"run"}, at("生成看板", 0), nil},
		{"at random", []string{"run", "--full-refresh"}, nil, random},
		{"at random", []string{"run", "--full-refresh"}, nil, random},
	}
	interrupted := 0
	for _, k := range kills {
		var after time.Duration
		if k.after != nil {
			after = k.after()
		}
		killed, out := jixiaoProcess(t, crashed, k.args, k.kill, after)
		t.Logf("killed %s (%v): %v", k.name, after.Round(time.Millisecond), killed)
		if !killed && after == 0 {
			t.Fatalf("the run ended before it could be killed %s:\n%s", k.name, out)
		}
		// A run killed at a stage had recorded its start and not its end; one
		// killed at random may have recorded its success already (a kill
		// during the checkpoint at close), so it is not counted.
		if killed && k.after == nil && strings.Contains(out, "读取数据源") {
			interrupted++
		}
	}
	killed, out := jixiaoProcess(t, crashed, []string{"run"}, nil, 0)
	if killed || !strings.Contains(out, "成功") {
		t.Fatalf("the run after the crashes (random kills: seed %d):\n%s", seed, out)
	}
	want, got := snapshot(t, clean), snapshot(t, crashed)
	var names []string
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if d := want[name].diff(got[name]); d != "" {
			t.Errorf("%s after the crashes differs from a clean run: %s", name, d)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tables after the crashes, %d after a clean run", len(got), len(want))
	}
	if u := untested(t, crashed); len(u) > 0 {
		t.Errorf("data tests not run since their model was last built: %q", u)
	}
	checkSite(t, crashed)
	_, runs := jixiaoProcess(t, crashed, []string{"runs", "--limit", "50"}, nil, 0)
	if n := strings.Count(runs, "中断"); n < interrupted || strings.Contains(runs, "running") {
		t.Errorf("want %d runs marked 中断 and none running:\n%s", interrupted, runs)
	}
}
