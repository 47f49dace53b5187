//go:build duckdb_arrow

package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zeebo/xxh3"

	"jixiao/internal/fixture"
	"jixiao/pipeline/check"
	"jixiao/pipeline/lock"
	"jixiao/pipeline/progress"
	"jixiao/pipeline/project"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

func execute(t *testing.T, dir string, stages ...Stage) (*Summary, error) {
	t.Helper()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	s, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Stages: stages})
	if s == nil {
		t.Fatalf("run did not start: %v", err)
	}
	return s, err
}

// writeFile writes text to name under dir, making its folders.
func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func query[T any](t *testing.T, dir, q string) T {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var v T
	if err := w.QueryRow(context.Background(), q, nil, &v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func TestFullRunRecordsHistory(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	s, err := execute(t, dir)
	if err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if s.Status != warehouse.StatusSuccess || len(s.Models) != 2 || len(s.Tests) != 4 || s.Render == nil || len(s.Render.Pages) != 1 {
		t.Fatalf("summary %+v", s)
	}
	// The row with 二 is quarantined, the rest loads.
	if got := query[int64](t, dir, "SELECT actual FROM marts.completion WHERE unit_code = '371002'"); got != 22 {
		t.Errorf("环翠区 actual = %d, want 22", got)
	}
	if got := query[string](t, dir, "SELECT reason || ' @ ' || file || ':' || row_number FROM meta.quarantine"); !strings.Contains(got, "不是数字 @ data/progress/2017-02.csv:3") {
		t.Errorf("quarantine: %s", got)
	}
	checks := map[string]string{
		"SELECT status FROM meta.runs WHERE run_id = '" + s.RunID + "'":                                                        "success",
		"SELECT (rows_loaded, rows_rejected, models_built, tests_passed, tests_warned, pages_written)::VARCHAR FROM meta.runs": "(5, 1, 2, 3, 1, 1)",
		"SELECT string_agg(step, ',' ORDER BY started_at) FROM meta.run_steps WHERE status = 'success'":                        "extract,transform,test,render",
		"SELECT string_agg(model, ',' ORDER BY model) FROM meta.model_builds WHERE status = 'success'":                         "marts.completion,staging.stg_progress",
		"SELECT string_agg(test_name, ',') FROM meta.test_results WHERE status = 'warn'":                                       "not_over_target",
		"SELECT count(*)::VARCHAR FROM meta.source_loads WHERE status = 'success' AND content_hash IS NOT NULL":                "3",
		"SELECT count(DISTINCT load_id)::VARCHAR FROM staging.stg_progress":                                                    "2",
	}
	for q, want := range checks {
		if got := query[string](t, dir, q); got != want {
			t.Errorf("%s\n got %s, want %s", q, got, want)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{`<script src="assets/echarts.min.js">`, "运行编号 " + s.RunID, "数据截至", "各单位完成率", "完成率"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Errorf("page refers to the network")
	}
	if st, err := os.Stat(filepath.Join(dir, "site", "assets", "echarts.min.js")); err != nil || st.Size() < 500_000 {
		t.Errorf("ECharts bundle not in the site: %v", err)
	}
}

func TestRerunLoadsNothingAndResentFileReplacesItsRows(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	s, err := execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range s.Sources {
		if src.Loads != 0 || src.RowsLoaded != 0 || len(src.Skipped) == 0 {
			t.Errorf("second extract of %s: %+v", src.Name, src)
		}
	}
	// 高区 re-sends February with the typo corrected.
	if err := os.WriteFile(filepath.Join(dir, "data/progress/2017-02.csv"), []byte("单位,月份,本月完成\n环翠区,2017-02,12\n高区,2017-02,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	if got := query[string](t, dir, "SELECT string_agg(unit_code || '=' || actual, ',' ORDER BY unit_code) FROM marts.completion"); got != "371002=22,371071=32" {
		t.Errorf("after re-send: %s (rows of the re-sent file must not double)", got)
	}
}

func TestFailedModelKeepsThePreviousSite(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	first, err := execute(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	bad := "SELECT unit_code, CAST('x' || actual AS INTEGER) AS month, actual, _load_id AS load_id FROM raw.progress"
	if err := os.WriteFile(filepath.Join(dir, "transforms/staging/stg_progress.sql"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := execute(t, dir)
	if err == nil || s.Status != warehouse.StatusFailed {
		t.Fatalf("want a failed run, got %v", err)
	}
	if !strings.Contains(err.Error(), "transforms/staging/stg_progress.sql") || !strings.Contains(err.Error(), "previous site is kept") {
		t.Errorf("error: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	if string(before) != string(after) || !strings.Contains(string(after), first.RunID) {
		t.Errorf("the site changed after a failed run")
	}
	if got := query[string](t, dir, "SELECT status FROM meta.run_steps WHERE run_id = '"+s.RunID+"' AND step = 'render'"); got != "skipped" {
		t.Errorf("render step %s", got)
	}
	if got := query[int](t, dir, "SELECT count(*) FROM marts.completion"); got != 2 {
		t.Errorf("marts.completion lost its rows: %d", got)
	}
}

func TestErrorSeverityTestFailsTheRun(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	path := filepath.Join(dir, "transforms/marts/completion.sql")
	sql, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(sql), "    severity: warn\n", "", 1)), 0o644)
	os.WriteFile(filepath.Join(dir, "data/targets.csv"), []byte("单位,全年目标\n环翠区,12\n高区,24\n"), 0o644)
	s, err := execute(t, dir)
	if err == nil || !strings.Contains(err.Error(), "not_over_target: 2 failing row(s)") || !strings.Contains(err.Error(), "unit_code=371002") {
		t.Fatalf("want the failing test with a sample row, got %v", err)
	}
	if s.Render != nil {
		t.Error("rendered despite a failing error-severity test")
	}
	if _, err := os.Stat(filepath.Join(dir, "site")); !os.IsNotExist(err) {
		t.Errorf("site written: %v", err)
	}
	// The pages written while the tests ran are gone with their folder.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".site") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestBadSourceFailsAloneAndIsRecorded(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "data/targets.csv"), []byte("单位,目标\n环翠区,12\n"), 0o644)
	s, err := execute(t, dir, StageExtract)
	if err == nil || !strings.Contains(err.Error(), "data/targets.csv:row 1: missing required column(s) target (全年目标)") {
		t.Fatalf("want the file and the missing column named, got %v", err)
	}
	for _, src := range s.Sources {
		if src.Name == "progress" && src.RowsLoaded != 3 {
			t.Errorf("progress must still load: %+v", src)
		}
	}
	if got := query[string](t, dir, "SELECT status || ': ' || error FROM meta.source_loads WHERE source = 'targets'"); !strings.HasPrefix(got, "failed: ") {
		t.Errorf("failed load not recorded: %s", got)
	}
}

func TestProjectErrorsStopTheRunAndAreRecorded(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "transforms/marts/broken.sql"), []byte("SELECT * FROM marts.nope"), 0o644)
	s, err := execute(t, dir)
	if err == nil || !strings.Contains(err.Error(), `transforms/marts/broken.sql:1: unknown table "marts.nope"`) {
		t.Fatalf("got %v", err)
	}
	if len(s.Sources) != 0 || len(s.Models) != 0 {
		t.Error("stages ran despite project errors")
	}
	if got := query[string](t, dir, "SELECT status FROM meta.runs"); got != "failed" {
		t.Errorf("run status %s", got)
	}
}

func rerun(t *testing.T, dir string, opts Options) *Summary {
	t.Helper()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	opts.Project, opts.Base, opts.Command = p, dir, "run"
	s, _ := Execute(context.Background(), opts)
	if s == nil {
		t.Fatal("run did not start")
	}
	return s
}

func statuses(s *Summary) string {
	var parts []string
	for _, m := range s.Models {
		parts = append(parts, m.ID+"="+m.Status)
	}
	return strings.Join(parts, " ")
}

// A test that reads a source its model does not (a relationship to a raw
// table, an assert naming it) runs again when a run loads that source,
// though its model is kept: a unit dropped from the targets shows on the
// progress that names it.
func TestRerunTestsWhatReadsAReloadedSource(t *testing.T) {
	cases := []struct{ kind, decl string }{
		{"relationships", "relationships: {column: unit_code, to: raw.targets}"},
		{"assert", `assert: "SELECT p.* FROM staging.stg_progress AS p WHERE p.unit_code NOT IN (SELECT unit_code FROM raw.targets)"`},
	}
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			dir := fixture.Copy(t, "tiny")
			writeFile(t, dir, "transforms/staging/stg_progress.sql", `/* jixiao
materialized: view
tests:
  - not_null: [unit_code, month, actual]
  - `+c.decl+`
    severity: warn
*/
SELECT unit_code, date_trunc('month', month)::DATE AS month, actual, _load_id AS load_id
FROM raw.progress
`)
			result := func(s *Summary) *check.Result {
				for i, r := range s.Tests {
					if r.Test.Model == "staging.stg_progress" && r.Test.Kind == c.kind {
						return &s.Tests[i]
					}
				}
				return nil
			}
			if r := result(rerun(t, dir, Options{SkipUnchanged: true})); r == nil || r.Status != check.StatusPass {
				t.Fatalf("first run: %+v", r)
			}
			writeFile(t, dir, "data/targets.csv", "单位,全年目标\n环翠区,120\n")
			s := rerun(t, dir, Options{SkipUnchanged: true})
			if strings.Contains(statuses(s), "staging.stg_progress="+transform.BuildSuccess) {
				t.Fatalf("stg_progress was rebuilt (%s): the test would run anyway", statuses(s))
			}
			// 高区's January row (its February one is quarantined) names no target now.
			if r := result(s); r == nil || r.Status != check.StatusWarn || r.Failures != 1 {
				t.Errorf("after the targets lost 高区: %+v", r)
			}
		})
	}
}

func TestRerunRedoesOnlyWhatChanged(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	skip := Options{SkipUnchanged: true}
	if s := rerun(t, dir, skip); s.Err != nil || s.Render == nil {
		t.Fatalf("first run: %v", s.Err)
	}
	// Nothing changed: nothing is rebuilt or rendered; only the test that
	// warned runs again, so its warning stays in the summary.
	s := rerun(t, dir, skip)
	if s.Err != nil || statuses(s) != "staging.stg_progress=unchanged marts.completion=unchanged" || len(s.Tests) != 1 || s.Render != nil || !s.RenderUnchanged {
		t.Fatalf("second run: %v, %s, %d tests, render %v", s.Err, statuses(s), len(s.Tests), s.Render)
	}
	// A model file changes: it and what reads it rebuild, and the site follows.
	path := filepath.Join(dir, "transforms/marts/completion.sql")
	sql, _ := os.ReadFile(path)
	os.WriteFile(path, append(sql, []byte("\n-- edited\n")...), 0o644)
	s = rerun(t, dir, skip)
	if statuses(s) != "staging.stg_progress=unchanged marts.completion=success" || len(s.Tests) != 3 || s.Render == nil {
		t.Errorf("after an edit: %s, %d tests, render %v", statuses(s), len(s.Tests), s.Render != nil)
	}
	// A unit re-sends a report: everything downstream of the source rebuilds.
	os.WriteFile(filepath.Join(dir, "data/progress/2017-02.csv"), []byte("单位,月份,本月完成\n环翠区,2017-02,13\n高区,2017-02,2\n"), 0o644)
	s = rerun(t, dir, skip)
	if statuses(s) != "staging.stg_progress=success marts.completion=success" || s.Render == nil {
		t.Errorf("after a re-sent report: %s", statuses(s))
	}
	// A table dropped by hand is rebuilt.
	w, _ := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	w.Exec(context.Background(), "DROP TABLE marts.completion")
	w.Close()
	if s = rerun(t, dir, skip); !strings.Contains(statuses(s), "marts.completion=success") {
		t.Errorf("after a drop: %s", statuses(s))
	}
	// --full-refresh (no skipping) rebuilds everything.
	if s = rerun(t, dir, Options{FullRefresh: true}); statuses(s) != "staging.stg_progress=success marts.completion=success" || s.Render == nil {
		t.Errorf("full refresh: %s", statuses(s))
	}
}

// Quarantined rows change only with a load: a rerun that loads nothing
// leaves a model that reads them alone, and the site with it; a load that
// quarantines a row rebuilds it.
func TestRerunRebuildsQuarantineReadersOnlyAfterALoad(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "transforms/marts/rejects.sql"), []byte("SELECT source, count(*) AS rejected FROM meta.quarantine GROUP BY source"), 0o644)
	skip := Options{SkipUnchanged: true}
	if s := rerun(t, dir, skip); s.Err != nil {
		t.Fatalf("first run: %v", s.Err)
	}
	before := query[int64](t, dir, "SELECT coalesce(sum(rejected), 0) FROM marts.rejects")
	s := rerun(t, dir, skip)
	if s.Err != nil || !strings.Contains(statuses(s), "marts.rejects=unchanged") || !s.RenderUnchanged {
		t.Fatalf("rerun with nothing loaded: %v, %s, site unchanged %v", s.Err, statuses(s), s.RenderUnchanged)
	}
	os.WriteFile(filepath.Join(dir, "data/progress/2017-03.csv"), []byte("单位,月份,本月完成\n环翠区,2017-03,很多\n"), 0o644)
	s = rerun(t, dir, skip)
	if !strings.Contains(statuses(s), "marts.rejects=success") || s.Render == nil {
		t.Fatalf("after a load with a rejected row: %v, %s", s.Err, statuses(s))
	}
	if after := query[int64](t, dir, "SELECT sum(rejected) FROM marts.rejects"); after != before+1 {
		t.Errorf("marts.rejects counts %d rejected rows, want %d", after, before+1)
	}
}

func TestRerunRepeatsFailingTestsAndWatchesSettings(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "transforms/marts/units.sql"), []byte("/* jixiao\ntests:\n  - assert: \"SELECT * FROM marts.units WHERE unit_name = '高区'\"\n    name: no_gaoqu\n*/\nSELECT unit_code, unit_name FROM meta.units"), 0o644)
	skip := Options{SkipUnchanged: true}
	s := rerun(t, dir, skip)
	if s.Err == nil || s.Render != nil {
		t.Fatalf("the failing test must fail the first run: %v", s.Err)
	}
	// Nothing changed, but the test failed last time: it runs (and fails) again.
	s = rerun(t, dir, skip)
	if s.Err == nil || !strings.Contains(s.Err.Error(), "no_gaoqu") || s.Render != nil || s.RenderUnchanged {
		t.Fatalf("a failing test must keep failing on rerun: %v", s.Err)
	}
	// Renaming the unit in jixiao.yaml changes meta.units: the model rebuilds and passes.
	cfg, _ := os.ReadFile(filepath.Join(dir, "jixiao.yaml"))
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte(strings.Replace(string(cfg), "name: 高区", "name: 火炬高技术产业开发区", 1)), 0o644)
	s = rerun(t, dir, skip)
	if s.Err != nil || !strings.Contains(statuses(s), "marts.units=success") || s.Render == nil {
		t.Errorf("after a settings change: %v %s", s.Err, statuses(s))
	}
}

// One unit's broken report must not keep the other units' reports out.
func TestBrokenFileFailsAloneAmongSeveral(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.WriteFile(filepath.Join(dir, "data/progress/2017-03.csv"), []byte("单位,本月完成\n环翠区,5\n"), 0o644)
	s, err := execute(t, dir, StageExtract)
	if err == nil || !strings.Contains(err.Error(), "data/progress/2017-03.csv:row 1: missing required column(s) month (月份)") {
		t.Fatalf("want the broken file named, got %v", err)
	}
	for _, src := range s.Sources {
		if src.Name == "progress" && (src.Loads != 2 || src.RowsLoaded != 3) {
			t.Errorf("the two good files must load: %+v", src)
		}
	}
	if got := query[string](t, dir, "SELECT location || ' ' || status FROM meta.source_loads WHERE source = 'progress' AND status = 'failed'"); got != "data/progress/2017-03.csv failed" {
		t.Errorf("failed file record: %q", got)
	}
	// Fixed and sent again, it loads on the next run; the others are not reloaded.
	os.WriteFile(filepath.Join(dir, "data/progress/2017-03.csv"), []byte("单位,月份,本月完成\n环翠区,2017-03,5\n"), 0o644)
	s, err = execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range s.Sources {
		if src.Name == "progress" && (src.Loads != 1 || src.RowsLoaded != 1 || len(src.Skipped) != 2) {
			t.Errorf("after the fix: %+v", src)
		}
	}
}

func TestFreshnessIsReportedAndStamped(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	path := filepath.Join(dir, "sources/progress.yaml")
	decl, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(decl), "columns:", "freshness: {warn_after: 2d, error_after: 5d}\ncolumns:", 1)), 0o644)
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	runAt := func(later time.Duration) *Summary {
		s, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Now: func() time.Time { return time.Now().Add(later) }})
		if s == nil {
			t.Fatal(err)
		}
		return s
	}
	if s := runAt(0); len(s.Stale) != 0 {
		t.Errorf("fresh data reported stale: %+v", s.Stale)
	}
	s := runAt(3 * 24 * time.Hour)
	if len(s.Stale) != 1 || s.Stale[0].Level != "warn" || s.Stale[0].Message() != "数据源 progress 已 3 天未更新（已超过预警时限）" {
		t.Errorf("after 3 days: %+v", s.Stale)
	}
	s = runAt(10 * 24 * time.Hour)
	if len(s.Stale) != 1 || s.Stale[0].Level != "error" {
		t.Errorf("after 10 days: %+v", s.Stale)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	if !strings.Contains(string(page), "⚠ 数据源 progress 已 10 天未更新（已超过最长时限）") {
		t.Error("the stamp does not show the stale source")
	}
}

func TestSecondWriterWaitsOrIsToldWho(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	p, _ := project.Load(os.DirFS(dir))
	wh := filepath.Join(dir, ".jixiao", "warehouse.duckdb")
	os.MkdirAll(filepath.Dir(wh), 0o755)
	held, err := lock.Acquire(context.Background(), wh, "schedule:nightly", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Execute(context.Background(), Options{Project: p, Base: dir, Command: "run"})
	var busy *lock.BusyError
	if !errors.As(err, &busy) || busy.Holder.Command != "schedule:nightly" || !strings.Contains(err.Error(), "--wait") {
		t.Fatalf("want busy naming the scheduler, got %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		held.Release()
	}()
	if _, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "run", LockWait: 10 * time.Second}); err != nil {
		t.Fatalf("with --wait the run goes ahead once the lock is free: %v", err)
	}
}

// cancelAt cancels the run when a stage starts, as SIGTERM would.
type cancelAt struct {
	progress.Reporter
	stage  string
	cancel context.CancelFunc
}

func (c cancelAt) Stage(name string, total int) {
	if name == c.stage {
		c.cancel()
	}
}

func TestInterruptedRunLeavesWarehouseAndSiteWhole(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	first, err := execute(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	os.WriteFile(filepath.Join(dir, "data/progress/2017-03.csv"), []byte("单位,月份,本月完成\n环翠区,2017-03,5\n"), 0o644)
	p, _ := project.Load(os.DirFS(dir))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Execute(ctx, Options{Project: p, Base: dir, Command: "run", Reporter: cancelAt{Reporter: progress.Discard{}, stage: "构建模型", cancel: cancel}})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("want the run cancelled, got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "site", "index.html"))
	if string(before) != string(after) || !strings.Contains(string(after), first.RunID) {
		t.Error("the site changed during an interrupted run")
	}
	if got := query[string](t, dir, "SELECT status || ' ' || (error LIKE '%context canceled%')::VARCHAR FROM meta.runs WHERE run_id = '"+s.RunID+"'"); got != "failed true" {
		t.Errorf("interrupted run recorded as %q", got)
	}
	if got := query[int](t, dir, "SELECT count(*) FROM marts.completion"); got != 2 {
		t.Errorf("marts.completion: %d rows", got)
	}
	// The next run picks up where it stopped.
	if _, err := execute(t, dir); err != nil {
		t.Fatalf("the run after: %v", err)
	}
}

// A warehouse whose loads an earlier jixiao recorded by SHA-256 still skips
// the unchanged files, and records their XXH3 instead: the next run hashes
// them once.
func TestEarlierSHA256LoadsAreSkippedAndRehashed(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	// As an earlier jixiao recorded them: each file's SHA-256.
	w, err := warehouse.Open(t.Context(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := w.Query(t.Context(), "SELECT DISTINCT location, content_hash FROM meta.source_loads WHERE content_hash LIKE 'xxh3-%' AND location NOT LIKE '%*%'", 0)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := 0
	for _, r := range files.Rows {
		loc := r[0].(string)
		data, err := os.ReadFile(filepath.Join(dir, loc))
		if err != nil {
			t.Fatal(err)
		}
		// Files loaded one by one (a load: replace hashes its files' names
		// and sizes too).
		if b := xxh3.Hash128(data).Bytes(); r[1] != "xxh3-"+hex.EncodeToString(b[:]) {
			continue
		}
		sum := sha256.Sum256(data)
		if err := w.Exec(t.Context(), "UPDATE meta.source_loads SET content_hash = '"+hex.EncodeToString(sum[:])+"' WHERE location = '"+loc+"'"); err != nil {
			t.Fatal(err)
		}
		rewritten++
	}
	w.Close()
	if rewritten == 0 {
		t.Fatal("no file loads to rewrite")
	}
	for i := range 2 {
		s, err := execute(t, dir, StageExtract)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range s.Sources {
			if src.Loads != 0 {
				t.Errorf("run %d: %s loaded %d times; its files did not change", i+1, src.Name, src.Loads)
			}
		}
		if n := query[int64](t, dir, "SELECT count(*) FROM meta.source_loads WHERE content_hash NOT LIKE 'xxh3-%'"); n != 0 {
			t.Errorf("run %d: %d loads still recorded by SHA-256", i+1, n)
		}
	}
}

// A first_seen update counts on the key's last passing result only where
// that result is of the table the model's last build left, built from the
// SQL the model has now.
func TestPassedBeforeNeedsTheSameBuildTested(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if _, err := execute(t, dir); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	w, err := warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	plan, diags := Validate(ctx, p, w, Registries{})
	if diags.HasErrors() || len(plan.Tests) == 0 {
		t.Fatalf("plan: %v", diags)
	}
	test := plan.Tests[0]
	prior, err := w.PriorBuilds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	with := func(change func(*warehouse.PriorBuild)) map[string]warehouse.PriorBuild {
		out := map[string]warehouse.PriorBuild{}
		for id, b := range prior {
			if id == test.Model {
				change(&b)
			}
			out[id] = b
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		prior map[string]warehouse.PriorBuild
		want  bool
	}{
		{"tested after its last build", prior, true},
		{"built again since", with(func(b *warehouse.PriorBuild) { b.FinishedAt = time.Now().Add(time.Hour) }), false},
		{"last built from other SQL", with(func(b *warehouse.PriorBuild) { b.SQLHash = "other" }), false},
		{"last build failed", with(func(b *warehouse.PriorBuild) { b.Status = "failed" }), false},
		{"never built", map[string]warehouse.PriorBuild{}, false},
	} {
		h, err := readTestHistory(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if got := passedBefore(plan, tt.prior, h)(test); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// A newest result that did not pass.
	if err := w.Exec(ctx, "UPDATE meta.test_results SET status = 'fail' WHERE model = '"+test.Model+"' AND test_name = '"+test.Name+"'"); err != nil {
		t.Fatal(err)
	}
	if h, err := readTestHistory(ctx, w); err != nil || passedBefore(plan, prior, h)(test) {
		t.Errorf("a failed test counted as passed (%v)", err)
	}
}

// The transform's record is written beside the tests (its commit is where
// DuckDB checkpoints the models); it must still land, and its failure must
// still reach the run.
func TestStepRecordedAsideLandsOrFailsTheRun(t *testing.T) {
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{w: w, o: Options{Now: time.Now}, s: &Summary{RunID: "r1", Stages: map[Stage]time.Duration{}}}
	recorded, err := r.stepRecordedAside(ctx, StageTransform, func(context.Context) (string, error) { return "构建 1/1 个模型", nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := <-recorded; err != nil {
		t.Fatalf("record: %v", err)
	}
	var status, detail string
	if err := w.QueryRow(ctx, `SELECT status, detail FROM meta.run_steps WHERE run_id = 'r1' AND step = 'transform'`, nil, &status, &detail); err != nil {
		t.Fatal(err)
	}
	if status != warehouse.StatusSuccess || detail != "构建 1/1 个模型" {
		t.Errorf("recorded %q %q", status, detail)
	}
	if _, ok := r.s.Stages[StageTransform]; !ok {
		t.Error("the stage was not timed")
	}

	w.Close()
	recorded, err = r.stepRecordedAside(ctx, StageTransform, func(context.Context) (string, error) { return "", errors.New("model failed") })
	if err == nil || err.Error() != "model failed" {
		t.Errorf("stage error %v", err)
	}
	if err := <-recorded; err == nil {
		t.Error("a record that could not be written was not reported")
	}
}

// Only a build whose version names one commit keeps the parser's findings.
func TestSQLRefsStamp(t *testing.T) {
	for _, tt := range []struct{ version, want string }{
		{"46c07c0", "46c07c0"},
		{"v1.2.0", "v1.2.0"},
		{"46c07c0-dirty", ""},
		{"dev", ""},
		{"", ""},
	} {
		if got := sqlRefsStamp(tt.version); got != tt.want {
			t.Errorf("sqlRefsStamp(%q) = %q, want %q", tt.version, got, tt.want)
		}
	}
	// Through a run, as the CLI passes its version: a dirty build records
	// nothing, a commit's build records the models' SQL under its version,
	// and its rerun, which parses nothing, still builds and tests as before.
	dir := fixture.Copy(t, "tiny")
	if s := rerun(t, dir, Options{Version: "46c07c0-dirty"}); s.Err != nil {
		t.Fatal(s.Err)
	}
	if n := query[int](t, dir, "SELECT count(*) FROM meta.sql_refs"); n != 0 {
		t.Errorf("a dirty build recorded %d SQL texts", n)
	}
	if s := rerun(t, dir, Options{Version: "46c07c0"}); s.Err != nil {
		t.Fatal(s.Err)
	}
	n := query[int](t, dir, "SELECT count(*) FROM meta.sql_refs WHERE stamp = '46c07c0'")
	if n == 0 {
		t.Fatal("a commit's build recorded nothing")
	}
	writeFile(t, dir, "data/progress/2017-03.csv", "单位,月份,本月完成\n环翠区,2017-03,5\n")
	if s := rerun(t, dir, Options{Version: "46c07c0"}); s.Err != nil || statuses(s) == "" {
		t.Fatalf("rerun from the record: %v, %q", s.Err, statuses(s))
	}
	if got := query[int](t, dir, "SELECT count(*) FROM marts.completion"); got == 0 {
		t.Error("the rerun built no rows")
	}
	if m := query[int](t, dir, "SELECT count(*) FROM meta.sql_refs"); m != n {
		t.Errorf("the rerun recorded %d SQL texts, want the same %d", m, n)
	}
}
