//go:build duckdb_arrow

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/internal/fixture"
	"jixiao/internal/require"
	"jixiao/pipeline/warehouse"

	"github.com/xuri/excelize/v2"
)

// jixiao runs the command line in dir and returns exit code, stdout, stderr.
func jixiao(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" },
		DefaultProject: fstest.MapFS{"jixiao.yaml": {Data: []byte("name: 内置\nplan_year: 2017\n")}}}
	code := Main(context.Background(), append([]string{"--project", dir}, args...), env)
	return code, out.String(), errOut.String()
}

func TestRunQueryLineageRuns(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	code, out, errOut := jixiao(t, dir, "run")
	if code != ExitOK {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"成功", "数据源   2 个：2 个入库", "隔离 1 行", "模型     2 个构建成功", "数据测试 3 项通过，0 项失败，1 项警告", "看板     1 页", "与数据测试同时进行"} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = jixiao(t, dir, "query", "SELECT unit_code, actual FROM marts.completion ORDER BY 1", "--format", "json")
	var rows []map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 2 || rows[0]["unit_code"] != "371002" || rows[0]["actual"] != float64(22) {
		t.Errorf("query json: exit %d, %s", code, out)
	}
	code, out, _ = jixiao(t, dir, "query", "SELECT unit_code, actual FROM marts.completion ORDER BY 1", "--format", "csv")
	if code != ExitOK || out != "unit_code,actual\n371002,22\n371071,30\n" {
		t.Errorf("query csv: exit %d, %q", code, out)
	}
	code, out, _ = jixiao(t, dir, "query", "SELECT '环翠区' AS 单位, 1 AS n")
	if code != ExitOK || !strings.Contains(out, "单位    n\n------  -\n环翠区  1\n（1 行）") {
		t.Errorf("query table (wide characters count two columns): %q", out)
	}
	// Durations, lists and records print as DuckDB prints them, and are
	// JSON's own arrays and objects, not Go's {0 0 4369879} or [a b].
	const typed = "SELECT finished_at - started_at AS took, ['环翠区', NULL] AS units, {'n': 3} AS r FROM (SELECT TIMESTAMP '2017-09-01 08:00:00' AS started_at, TIMESTAMP '2017-09-01 08:00:04.369879' AS finished_at)"
	code, out, _ = jixiao(t, dir, "query", typed)
	if code != ExitOK || !strings.Contains(out, "00:00:04.369879  [环翠区, NULL]  {'n': 3}") {
		t.Errorf("query table of an interval, a list and a struct: %q", out)
	}
	code, out, _ = jixiao(t, dir, "query", typed, "--format", "json")
	if want := `"r": {
      "n": 3
    },
    "took": "00:00:04.369879",
    "units": [
      "环翠区",
      null
    ]`; code != ExitOK || !strings.Contains(out, want) {
		t.Errorf("query json of an interval, a list and a struct: %s", out)
	}
	// A time with a zone keeps its offset, in the table and in CSV.
	for _, format := range []string{"table", "csv"} {
		code, out, _ = jixiao(t, dir, "query", "SELECT TIMESTAMPTZ '2017-09-02 03:04:05+08' AS at", "--format", format)
		if code != ExitOK || !strings.Contains(out, "2017-09-01 19:04:05+00") {
			t.Errorf("query %s of a TIMESTAMPTZ: %q", format, out)
		}
	}
	// The warehouse is opened read-only for queries.
	if code, _, errOut := jixiao(t, dir, "query", "DROP TABLE marts.completion"); code != ExitFailed || !strings.Contains(errOut, "read-only") {
		t.Errorf("a write through query must fail: exit %d, %s", code, errOut)
	}

	code, out, _ = jixiao(t, dir, "lineage", "completion")
	for _, want := range []string{"marts.completion  [模型 transforms/marts/completion.sql，table]", "  staging.stg_progress", "    raw.progress  [数据源 sources/progress.yaml，csv]", "  raw.targets"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("lineage lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = jixiao(t, dir, "lineage", "raw.progress")
	if code != ExitOK || !strings.Contains(out, "被读取（下游）：\n  staging.stg_progress") || !strings.Contains(out, "    marts.completion") {
		t.Errorf("lineage of a source:\n%s", out)
	}

	code, out, _ = jixiao(t, dir, "runs")
	if code != ExitOK || !strings.Contains(out, "成功") || !strings.Contains(out, "（1 行）") {
		t.Errorf("runs:\n%s", out)
	}
	code, out, _ = jixiao(t, dir, "quarantine", "--format", "csv")
	if code != ExitOK || !strings.Contains(out, "progress,data/progress/2017-02.csv,,3,本月完成(actual),二") {
		t.Errorf("quarantine:\n%s", out)
	}
}

func TestTransformSelectAndTest(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if code, out, errOut := jixiao(t, dir, "extract"); code != ExitOK {
		t.Fatalf("extract: %s %s", out, errOut)
	}
	code, out, _ := jixiao(t, dir, "transform", "--select", "+completion")
	if code != ExitOK || !strings.Contains(out, "2 个构建成功") {
		t.Errorf("transform +completion:\n%s", out)
	}
	code, out, _ = jixiao(t, dir, "transform", "--select", "stg_progress")
	if code != ExitOK || !strings.Contains(out, "1 个构建成功") {
		t.Errorf("transform stg_progress:\n%s", out)
	}
	code, out, _ = jixiao(t, dir, "test", "--select", "stg_progress")
	if code != ExitOK || !strings.Contains(out, "数据测试 1 项通过") {
		t.Errorf("test --select:\n%s", out)
	}
	code, out, _ = jixiao(t, dir, "extract")
	if code != ExitOK || !strings.Contains(out, "0 个入库，2 个无变化跳过") {
		t.Errorf("second extract must load nothing and say so:\n%s", out)
	}
	if code, _, errOut := jixiao(t, dir, "transform", "--select", "nope"); code != ExitFailed || !strings.Contains(errOut, `no model or source named "nope"`) {
		t.Errorf("unknown selector: %d %s", code, errOut)
	}
}

func TestCheckReportsBrokenProjects(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	code, out, _ := jixiao(t, dir, "check")
	if code != ExitOK || !strings.Contains(out, "检查通过：2 个数据源，2 个模型，4 项数据测试，1 个看板页面") {
		t.Fatalf("check: %d %s", code, out)
	}
	os.WriteFile(filepath.Join(dir, "transforms/marts/a.sql"), []byte("SELECT * FROM marts.b"), 0o644)
	os.WriteFile(filepath.Join(dir, "transforms/marts/b.sql"), []byte("SELECT * FROM marts.a"), 0o644)
	os.WriteFile(filepath.Join(dir, "sources/extra.yaml"), []byte("kind: excel\ncolumns:\n  - {name: a, type: text}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "dashboards/index.yaml"), []byte("title: 总览\npanels:\n  - {title: x, model: marts.none, chart: donut}\n"), 0o644)
	code, _, errOut := jixiao(t, dir, "check")
	if code != ExitUsage {
		t.Errorf("check exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{
		"transforms/marts/b.sql:1: dependency cycle: marts.a -> marts.b -> marts.a",
		`sources/extra.yaml:1:1: unknown source kind "excel"`,
		`dashboards/index.yaml:3:5: panel "x": unknown chart "donut"`,
	} {
		if !strings.Contains(errOut, dir+"/"+want) {
			t.Errorf("check output lacks %q:\n%s", want, errOut)
		}
	}
	// A YAML error stops loading before the graph; it still names file and line.
	os.WriteFile(filepath.Join(dir, "jixiao.yaml"), []byte("name: [\n"), 0o644)
	if code, _, errOut := jixiao(t, dir, "run"); code != ExitUsage || !strings.Contains(errOut, "jixiao.yaml:1: invalid YAML") {
		t.Errorf("bad YAML: exit %d %s", code, errOut)
	}
}

func TestInitWritesAProjectThatChecks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	var out, errOut bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, DefaultProject: os.DirFS(filepath.Join(fixture.Dir(), "tiny"))}
	if code := Main(context.Background(), []string{"init", dir}, env); code != ExitOK {
		t.Fatalf("init: %s", errOut.String())
	}
	if code := Main(context.Background(), []string{"init", dir}, env); code != ExitUsage || !strings.Contains(errOut.String(), "--force") {
		t.Errorf("init over a project must ask for --force")
	}
	if code, out, errOut := jixiao(t, dir, "check"); code != ExitOK {
		t.Errorf("the written project does not check: %s %s", out, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, ExitUsage, `未知命令 "frobnicate"`},
		{[]string{"query"}, ExitUsage, "需要一条 SQL"},
		{[]string{"query", "SELECT 1", "--format", "xml"}, ExitUsage, "--format 只能是"},
		{[]string{"lineage"}, ExitUsage, "需要一个模型"},
		{[]string{"run", "extra"}, ExitUsage, "多余的参数"},
		{[]string{"runs"}, ExitFailed, "jixiao run"},
		{[]string{"--project", filepath.Join(dir, "nope"), "check"}, ExitUsage, "不存在"},
	}
	for _, tt := range tests {
		code, _, errOut := jixiao(t, dir, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// jixiao demo writes the default project's demo data and, asked to, loads
// the roster into PostgreSQL and MariaDB.
func TestDemoCommand(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	out := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := jixiao(t, root, "demo", "--out", out, "--scale", "0.01", "--months", "3")
	if code != ExitOK || !strings.Contains(stdout, "进度报表 24 份，持证残疾人 680 人") {
		t.Fatalf("demo: %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"reports/2017-03-环翠区.xlsx", "ledger/2017-专项资金台账.csv", "roster/persons.csv", "roster/services.csv", "survey/satisfaction.json", "reviews/fund_reviews.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code, _, stderr := jixiao(t, root, "demo"); code != ExitUsage || !strings.Contains(stderr, "--out") {
		t.Errorf("demo without --out: %d %s", code, stderr)
	}
	for _, db := range []struct{ flag, service, env, dsn string }{
		{"--to-postgres", require.Postgres, "JIXIAO_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
		{"--to-mysql", require.MySQL, "JIXIAO_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"},
	} {
		t.Run(db.service, func(t *testing.T) {
			dsn := db.dsn
			if v := os.Getenv(db.env); v != "" {
				dsn = v
			}
			code, stdout, stderr := jixiao(t, root, "demo", "--out", out, "--scale", "0.01", "--months", "3", db.flag, dsn)
			if code != ExitOK && strings.Contains(stderr, "connect to") {
				require.Service(t, db.service, fmt.Sprintf("the server is not reachable (set %s): %s", db.env, stderr))
			}
			if code != ExitOK || !strings.Contains(stdout, "persons 680 行") {
				t.Errorf("%s: %d\n%s\n%s", db.flag, code, stdout, stderr)
			}
		})
	}
}

func TestExport(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if code, out, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatalf("run: %s %s", out, errOut)
	}
	for _, format := range []string{"xlsx", "csv", "parquet"} {
		out := filepath.Join(t.TempDir(), "completion."+format)
		code, stdout, stderr := jixiao(t, dir, "export", "completion", "--format", format, "--out", out)
		if code != ExitOK || !strings.Contains(stdout, "已导出 marts.completion") {
			t.Fatalf("export %s: %d %s %s", format, code, stdout, stderr)
		}
		data, _ := os.ReadFile(out)
		switch format {
		case "csv":
			// The rate as the pages show it, which Excel reads back as 0.1833.
			if !strings.HasPrefix(string(data), "\uFEFF单位代码,累计完成,全年目标,完成率\n371002,22,120,18.33%\n") {
				t.Errorf("csv: %q", data)
			}
		case "xlsx":
			f, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("累计完成与完成率")
			if len(rows) != 4 || strings.Join(rows[1], ",") != "单位代码,累计完成,全年目标,完成率" || rows[2][1] != "22" || rows[2][3] != "18.3%" {
				t.Errorf("xlsx rows: %v", rows)
			}
			// A percentage is a number formatted as one, not text: formulas still work.
			if raw, _ := f.GetCellValue("累计完成与完成率", "D3", excelize.Options{RawCellValue: true}); raw != "0.1833" {
				t.Errorf("xlsx rate holds %q", raw)
			}
		case "parquet":
			if !strings.HasPrefix(string(data), "PAR1") {
				t.Errorf("not a parquet file")
			}
		}
	}
	if code, _, stderr := jixiao(t, dir, "export", "nope"); code != ExitUsage || !strings.Contains(stderr, "没有名为") {
		t.Errorf("unknown model: %d %s", code, stderr)
	}

	// A table larger than an Excel sheet: export says what to use instead,
	// and leaves no half-written workbook.
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(context.Background(), "CREATE TABLE marts.big AS SELECT range AS n FROM range(1048575)"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	out := filepath.Join(t.TempDir(), "big.xlsx")
	code, _, stderr := jixiao(t, dir, "export", "marts.big", "--out", out)
	if code != ExitFailed || !strings.Contains(stderr, "超出 Excel 单个工作表的上限") || !strings.Contains(stderr, "--format csv") {
		t.Errorf("too large for Excel: %d %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was left behind: %v", out, err)
	}
}

func TestRunsShowsOneRun(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if code, _, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatal(errOut)
	}
	_, out, _ := jixiao(t, dir, "query", "SELECT run_id FROM meta.runs", "--format", "csv")
	id := strings.TrimSpace(strings.Split(out, "\n")[1])
	// As a source with a cursor column records its newest value.
	w, err := warehouse.Open(t.Context(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(t.Context(), "UPDATE meta.source_loads SET cursor_value = '2017-09-28 17:00:00' WHERE location = 'data/progress/2017-02.csv'"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	code, out, _ := jixiao(t, dir, "runs", id)
	// The start reads in the project's time zone, as the run's id does;
	// statuses and details in Chinese.
	started := id[0:4] + "-" + id[4:6] + "-" + id[6:8] + " " + id[9:11] + ":" + id[11:13] + ":" + id[13:15]
	for _, want := range []string{"运行 " + id + "（run）：成功", "开始 " + started, "步骤：", "extract", "render", "入库：", "progress",
		"data/progress/2017-02.csv", "个数据源，入库", "项数据测试", "游标", "2017-09-28 17:00:00"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("runs %s lacks %q:\n%s", id, want, out)
		}
	}
	if code, _, errOut := jixiao(t, dir, "runs", "nope"); code != ExitUsage || !strings.Contains(errOut, "没有运行编号 nope") {
		t.Errorf("unknown run: %d %s", code, errOut)
	}
}

// jixiao serve serves the site folder and nothing outside it, /healthz and
// a status page, on loopback.
func TestServe(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	if code, _, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("not for the web"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	env := Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() { done <- Main(ctx, []string{"--project", dir, "serve", "--addr", "127.0.0.1:0"}, env) }()
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		time.Sleep(20 * time.Millisecond)
		if m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/ `).FindStringSubmatch(out.String()); m != nil {
			base = "http://" + m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve did not start: %s", out.String())
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "assets/echarts.min.js") {
		t.Errorf("/: %d", code)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, `"status":"success"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get("/status"); code != 200 || !strings.Contains(body, "最近运行") || !strings.Contains(body, "success") {
		t.Errorf("/status: %d", code)
	}
	for _, path := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/.jixiao/warehouse.duckdb"} {
		if code, body := get(path); code == 200 && strings.Contains(body, "not for the web") {
			t.Errorf("%s served a file outside the site", path)
		}
	}
	// Links inside the site that lead out of it are refused; one that stays
	// inside is followed.
	site := filepath.Join(dir, "site")
	for link, target := range map[string]string{"etc": "/etc", "passwd": "/etc/passwd", "secret.txt": "../secret.txt", "home.html": "index.html"} {
		if err := os.Symlink(target, filepath.Join(site, link)); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/etc/passwd", "/passwd", "/secret.txt", "/etc/"} {
		if code, body := get(path); code != http.StatusForbidden && code != http.StatusNotFound || strings.Contains(body, "root:") || strings.Contains(body, "not for the web") {
			t.Errorf("%s through a link out of the site: %d %.80q", path, code, body)
		}
	}
	if code, body := get("/home.html"); code != 200 || !strings.Contains(body, "assets/echarts.min.js") {
		t.Errorf("/home.html, a link inside the site: %d", code)
	}
	// The site is a link to its version; a new render is served at once.
	if code, _, errOut := jixiao(t, dir, "render"); code != ExitOK {
		t.Fatal(errOut)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "assets/echarts.min.js") {
		t.Errorf("/ after a new render: %d", code)
	}
	if code, _ := get("/home.html"); code != http.StatusNotFound {
		t.Errorf("/home.html of the previous version is still served: %d", code)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("serve exit %d", code)
	}
}

// jixiao schedule logs each job's next fire time, and on SIGTERM (here: the
// context) stops and exits 0.
func TestScheduleStartsAndStops(t *testing.T) {
	dir := fixture.Copy(t, "tiny")
	os.MkdirAll(filepath.Join(dir, "schedules"), 0o755)
	os.WriteFile(filepath.Join(dir, "schedules", "jobs.yaml"), []byte("jobs:\n  - {name: nightly, cron: \"30 2 * * *\", retries: 2, backoff: 5m}\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var out bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"--project", dir, "schedule"}, Env{Stdout: w, Stderr: w, Getenv: func(string) string { return "" }})
	}()
	logged := func() string { mu.Lock(); defer mu.Unlock(); return out.String() }
	for i := 0; i < 200 && !strings.Contains(logged(), "job scheduled"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !regexp.MustCompile(`msg="job scheduled" job=nightly cron="30 2 \* \* \*" next=\d{4}-\d\d-\d\dT02:30:00\+08:00`).MatchString(logged()) {
		t.Errorf("log: %s", logged())
	}
	cancel()
	if code := <-done; code != ExitOK || !strings.Contains(logged(), "scheduler stopped") {
		t.Errorf("exit %d, log: %s", code, logged())
	}
	if code, _, errOut := jixiao(t, fixture.Copy(t, "tiny"), "schedule"); code != ExitUsage || !strings.Contains(errOut, "没有定时任务") {
		t.Errorf("no jobs: %d %s", code, errOut)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// jixiao init writes the real default project with its demo data, ready to run.
func TestInitDefaultProjectBringsItsData(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	dir := filepath.Join(t.TempDir(), "weihai")
	var out, errOut bytes.Buffer
	// The project's own files, as main.go embeds them.
	embedded := fstest.MapFS{}
	for _, part := range []string{"jixiao.yaml", "sources", "transforms", "dashboards", "schedules", "data"} {
		fs.WalkDir(os.DirFS(root), part, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := os.ReadFile(filepath.Join(root, p))
				embedded[p] = &fstest.MapFile{Data: data}
			}
			return nil
		})
	}
	env := Env{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, DefaultProject: embedded}
	if code := Main(context.Background(), []string{"init", dir}, env); code != ExitOK {
		t.Fatalf("init: %s", errOut.String())
	}
	for _, f := range []string{"jixiao.yaml", "data/catalog/indicators.csv", "data/reports/2017-01-环翠区.xlsx", "data/roster/services.csv", "data/.jixiao-demo"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(out.String(), "及演示数据") {
		t.Errorf("output: %s", out.String())
	}
}
