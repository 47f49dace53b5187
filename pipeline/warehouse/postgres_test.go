//go:build duckdb_arrow

package warehouse

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jixiao/internal/pgtest"
)

// openPostgresTemp opens a PostgreSQL warehouse in a database of the
// test's own, with prefix as its schema_prefix.
func openPostgresTemp(t *testing.T, prefix string) (*Warehouse, string) {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	w, err := Open(context.Background(), "postgres", Options{Postgres: &Postgres{DSN: dsn, SchemaPrefix: prefix}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, dsn
}

func TestPostgresOpenMigratesOnceAndReopens(t *testing.T) {
	for _, prefix := range []string{"", "weihai_"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			ctx := context.Background()
			w, dsn := openPostgresTemp(t, prefix)
			for _, table := range []string{"runs", "run_steps", "model_builds", "test_results", "source_loads", "quarantine", "units", "project", "partition_rows"} {
				if kind, err := w.TableKind(ctx, "meta", table); err != nil || kind != "table" {
					t.Errorf("meta.%s: kind %q, err %v", table, kind, err)
				}
			}
			w.Close()
			w, err := Open(ctx, "postgres", Options{Postgres: &Postgres{DSN: dsn, SchemaPrefix: prefix}})
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer w.Close()
			if n := scalar[int](t, w, "SELECT count(*) FROM meta.schema_migrations"); n != len(migrations) {
				t.Errorf("migrations applied %d times, want %d", n, len(migrations))
			}
			if n := scalar[int](t, w, "SELECT count(*) FROM pg_namespace WHERE nspname = '"+prefix+"meta'"); n != 1 {
				t.Errorf("schema %smeta: %d", prefix, n)
			}
		})
	}
}

// eachEngine runs test on a fresh DuckDB warehouse and on a fresh
// PostgreSQL one (with a schema_prefix, so that the translation of schema
// names is tested with it), as subtests named after the engine.
func eachEngine(t *testing.T, test func(t *testing.T, w *Warehouse)) {
	t.Run(KindDuckDB, func(t *testing.T) { test(t, openTemp(t)) })
	t.Run(KindPostgres, func(t *testing.T) {
		w, _ := openPostgresTemp(t, "p_")
		test(t, w)
	})
}

// loadRows loads name/n rows of file into raw.s with mode.
func loadRows(t *testing.T, w *Warehouse, id, mode, file string, rows map[string]int64) {
	t.Helper()
	rdr := records(t, file, rows)
	defer rdr.Release()
	if _, err := w.Load(context.Background(), LoadRequest{LoadID: id, RunID: "r1", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: mode,
		Reader: rdr, Location: file, ContentHash: "h-" + id, StartedAt: time.Now()}); err != nil {
		t.Fatalf("load %s: %v", id, err)
	}
}

// Models are swapped in whole on PostgreSQL, and a view that reads a
// table survives the table's replacement and reads the new rows.
func TestPostgresModelsSwapAndViewsFollow(t *testing.T) {
	ctx := context.Background()
	w, _ := openPostgresTemp(t, "p_")
	loadRows(t, w, "l1", ModeReplace, "a.csv", map[string]int64{"x": 1, "y": 2})
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "staging", Name: "v", SQL: "SELECT name, n FROM raw.s", View: true}); err != nil {
		t.Fatal(err)
	}
	if rows, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT sum(n) AS total FROM staging.v"}); err != nil || rows != 1 {
		t.Fatalf("marts.m: rows %d, err %v", rows, err)
	}
	// A view over the view, in a folder of the project's own.
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "analysis", Name: "vv", SQL: "SELECT name FROM staging.v WHERE n > 1", View: true}); err != nil {
		t.Fatal(err)
	}
	// The source is replaced: the views reading it are made again over the new table.
	loadRows(t, w, "l2", ModeReplace, "b.csv", map[string]int64{"z": 30, "q": 4})
	if got := scalar[int64](t, w, "SELECT sum(n) FROM staging.v"); got != 34 {
		t.Errorf("staging.v reads sum %d after the reload, want 34", got)
	}
	if got := scalar[int64](t, w, "SELECT count(*) FROM analysis.vv"); got != 2 {
		t.Errorf("analysis.vv reads %d rows, want 2", got)
	}
	// The view model itself rebuilt with other columns keeps its readers.
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "staging", Name: "v", SQL: "SELECT name, n, n * 2 AS twice FROM raw.s", View: true}); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int64](t, w, "SELECT count(*) FROM analysis.vv"); got != 2 {
		t.Errorf("analysis.vv after its view was rebuilt: %d rows", got)
	}
	// A failed build leaves the model as it was; its error names the line.
	_, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "-- line 1\nSELECT\n  nope_column\nFROM staging.v"})
	if err == nil {
		t.Fatal("want a build error")
	}
	if got := ModelLine(err); got != 3 {
		t.Errorf("ModelLine = %d, want 3; err: %v", got, err)
	}
	if got := scalar[int64](t, w, "SELECT total FROM marts.m"); got != 3 {
		t.Errorf("marts.m = %d after a failed build, want the previous 3", got)
	}
	// Table and view trade places.
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT 1 AS total", View: true}); err != nil {
		t.Fatal(err)
	}
	if kind, _ := w.TableKind(ctx, "marts", "m"); kind != "view" {
		t.Errorf("kind %q, want view", kind)
	}
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT 2 AS total"}); err != nil {
		t.Fatal(err)
	}
	if kind, _ := w.TableKind(ctx, "marts", "m"); kind != "table" {
		t.Errorf("kind %q, want table", kind)
	}
	// Nothing was left under a building name, and every schema has the prefix.
	if n := scalar[int64](t, w, "SELECT count(*) FROM pg_class WHERE relname LIKE '%__jixiao_%'"); n != 0 {
		t.Errorf("%d tables left under a building name", n)
	}
	if n := scalar[int64](t, w, "SELECT count(*) FROM pg_namespace WHERE nspname IN ('raw', 'staging', 'marts', 'meta', 'analysis')"); n != 0 {
		t.Errorf("%d schemas without the prefix", n)
	}
	if err := w.DropModel(ctx, "staging", "v"); err != nil {
		t.Fatal(err)
	}
	if kind, _ := w.TableKind(ctx, "staging", "v"); kind != "" {
		t.Errorf("staging.v is still a %s", kind)
	}
}

// A partitioned model rebuilds only the partitions whose inputs changed,
// on both engines, and records its partitions' rows.
func TestPartitionedBuild(t *testing.T) { eachEngine(t, testPartitionedBuild) }

func testPartitionedBuild(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	build := func() *PartitionBuild {
		t.Helper()
		b, err := w.BuildPartitioned(ctx, PartitionedRequest{BuildRequest: BuildRequest{Schema: "staging", Name: "p",
			SQL: "SELECT n, count(*) AS names, min(_load_id) AS load_id FROM raw.s GROUP BY n"},
			Model: "staging.p", SQLHash: "h", Column: "n", Inputs: []string{"raw.s"}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rdr := records(t, "a.csv", map[string]int64{"x": 1, "y": 2, "z": 2})
	defer rdr.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "l1", Source: "s", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: rdr, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if b := build(); !b.Full || b.Rows != 2 {
		t.Errorf("first build: %+v", b)
	}
	if b := build(); !b.Unchanged() || b.Rows != 2 {
		t.Errorf("nothing new: %+v", b)
	}
	more := records(t, "b.csv", map[string]int64{"w": 2, "v": 3})
	defer more.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "l2", Source: "s", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: more, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b := build()
	// (On PostgreSQL the data tests read whole models: no filter.)
	if b.Full || fmt.Sprint(b.Parts) != "[2 3]" || b.Rows != 3 || (b.Filter == "") != (w.Kind() == KindPostgres) {
		t.Errorf("after b.csv: %+v", b)
	}
	if got := scalar[string](t, w, "SELECT string_agg(n || '=' || names, ' ' ORDER BY n) FROM staging.p"); got != "1=1 2=3 3=1" {
		t.Errorf("staging.p: %s", got)
	}
	if got := scalar[string](t, w, "SELECT string_agg(part || '=' || rows, ' ' ORDER BY part) FROM meta.partition_rows WHERE model = 'staging.p'"); got != "1=1 2=1 3=1" {
		t.Errorf("partition rows %s", got)
	}
}

// A model that reads an incremental model rebuilds the partitions that
// model's last build wrote, told by meta.partition_rows, not in full.
func TestModelInputsByPartitionBuild(t *testing.T) { eachEngine(t, testModelInputsByPartitionBuild) }

func testModelInputsByPartitionBuild(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	build := func(name, sql string, inputs, models, firstSeen []string) *PartitionBuild {
		t.Helper()
		b, err := w.BuildPartitioned(ctx, PartitionedRequest{BuildRequest: BuildRequest{Schema: "staging", Name: name, SQL: sql},
			Model: "staging." + name, SQLHash: "h", Column: "n", Inputs: inputs, ModelInputs: models, FirstSeen: firstSeen})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	counts := func() *PartitionBuild {
		// No load id: its partitions are told by its builds alone.
		return build("counts", "SELECT n, count(*) AS names FROM raw.s GROUP BY n", []string{"raw.s"}, nil, nil)
	}
	tens := func() *PartitionBuild {
		return build("tens", "SELECT n, names * 10 AS tens FROM staging.counts", []string{"staging.counts"}, []string{"staging.counts"}, nil)
	}
	// The first n at which each count of names is seen: first_seen reads
	// staging.counts from the first changed n on.
	firsts := func() *PartitionBuild {
		return build("firsts", "SELECT names, min(n) AS n FROM staging.counts GROUP BY names", []string{"staging.counts"}, []string{"staging.counts"}, []string{"names"})
	}
	loadRows(t, w, "l1", ModeAppend, "a.csv", map[string]int64{"x": 1, "y": 2, "z": 2})
	counts()
	if b := tens(); !b.Full {
		t.Errorf("first build: %+v", b)
	}
	firsts()
	if b := tens(); !b.Unchanged() {
		t.Errorf("nothing new: %+v", b)
	}
	loadRows(t, w, "l2", ModeAppend, "b.csv", map[string]int64{"w": 2, "v": 3})
	if b := counts(); b.Full || fmt.Sprint(b.Parts) != "[2 3]" {
		t.Fatalf("counts after b.csv: %+v", b)
	}
	if b := tens(); b.Full || fmt.Sprint(b.Parts) != "[2 3]" {
		t.Errorf("tens after b.csv: %+v, want partitions 2 and 3 rebuilt", b)
	}
	if got := scalar[string](t, w, "SELECT string_agg(n || '=' || tens, ' ' ORDER BY n) FROM staging.tens"); got != "1=10 2=30 3=10" {
		t.Errorf("staging.tens: %s", got)
	}
	// Counts 1 (n 1 and 3) and 3 (n 2): 1 first at 1, as before; 2 gone
	// with n 2's rows; 3 first seen at 2.
	if b := firsts(); b.Full || b.From != "2" {
		t.Errorf("firsts after b.csv: %+v, want a rebuild from 2 on", b)
	}
	if got := scalar[string](t, w, "SELECT string_agg(names || '@' || n, ' ' ORDER BY names) FROM staging.firsts"); got != "1@1 3@2" {
		t.Errorf("staging.firsts: %s, want 1@1 3@2", got)
	}
	if b := tens(); !b.Unchanged() {
		t.Errorf("nothing new after b.csv: %+v", b)
	}
}

// The engine's record reads the same on PostgreSQL.
func TestPostgresMeta(t *testing.T) {
	ctx := context.Background()
	w, dsn := openPostgresTemp(t, "p_")
	start := time.Date(2017, 6, 30, 8, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.PublishProject(ctx, ProjectSettings{Name: "测试", PlanYear: 2017, Timezone: "Asia/Shanghai", Departments: []string{"办公室", "康复部"}},
		[]UnitRow{{Code: "371002", Name: "环翠区", Kind: "区市", Aliases: []string{"环翠"}, Share: 0.5}}))
	must(w.PublishProject(ctx, ProjectSettings{Name: "测试", PlanYear: 2017, Timezone: "Asia/Shanghai", Departments: []string{"办公室", "康复部"}},
		[]UnitRow{{Code: "371002", Name: "环翠区", Kind: "区市", Aliases: []string{"环翠"}, Share: 0.5}}))
	res, err := w.Query(ctx, "SELECT aliases, share FROM meta.units", 0)
	must(err)
	if fmt.Sprint(res.Rows) != "[[[环翠] 0.5]]" || res.Types[0] != "VARCHAR[]" {
		t.Errorf("meta.units %v %v", res.Rows, res.Types)
	}
	must(w.StartRun(ctx, RunRecord{RunID: "r0", Command: "run", StartedAt: start.Add(-time.Hour)}))
	ids, err := w.MarkInterrupted(ctx, "r1")
	must(err)
	if fmt.Sprint(ids) != "[r0]" {
		t.Errorf("interrupted %v", ids)
	}
	must(w.StartRun(ctx, RunRecord{RunID: "r1", Command: "run", StartedAt: start}))
	must(w.RecordStep(ctx, StepRecord{RunID: "r1", Step: "extract", StartedAt: start, FinishedAt: start.Add(1500 * time.Millisecond), Status: StatusSuccess}))
	loadRows(t, w, "l1", ModeReplace, "a.csv", map[string]int64{"x": 1})
	must(w.RecordFailedLoad(ctx, LoadRequest{LoadID: "l2", RunID: "r1", Source: "s", Kind: "csv", Location: "b.csv", StartedAt: time.Now()}, errors.New("坏文件")))
	must(w.RecordModelBuild(ctx, ModelBuildRecord{RunID: "r1", Model: "marts.m", Materialized: "table", StartedAt: start, Duration: time.Second, Rows: 3, Status: StatusSuccess, SQLHash: "h"}))
	must(w.RecordTestResult(ctx, TestResultRecord{RunID: "r1", Model: "marts.m", TestName: "not_null", Kind: "not_null", Severity: "error", Status: "fail", Failures: 2, RanAt: start}))
	must(w.FinishRun(ctx, RunRecord{RunID: "r1", FinishedAt: start.Add(2 * time.Second), Status: StatusSuccess, ModelsBuilt: 1}))
	must(w.RecordRender(ctx, "r1", "hash", "site", 3))

	runs, err := w.RunTable(ctx, 10)
	must(err)
	if len(runs.Rows) != 2 || fmt.Sprint(runs.Rows[0][3:6]) != "[2017-06-30 16:00:00 2 成功]" || fmt.Sprint(runs.Rows[1][5]) != "中断" {
		t.Errorf("run table %v", runs.Rows)
	}
	steps, err := w.RunSteps(ctx, "r1")
	must(err)
	if fmt.Sprint(steps.Rows) != "[[extract success 1.5 ]]" {
		t.Errorf("steps %v", steps.Rows)
	}
	if r, ok, err := w.Run(ctx, "r1"); err != nil || !ok || r.Status != StatusSuccess {
		t.Errorf("run r1: %+v %v %v", r, ok, err)
	}
	tests, err := w.LatestTestResults(ctx)
	must(err)
	if len(tests.Rows) != 1 || tests.Rows[0][3] != "fail" {
		t.Errorf("tests %v", tests.Rows)
	}
	summary, err := w.SourceLoadSummary(ctx)
	must(err)
	if len(summary.Rows) != 1 || summary.Rows[0][3] != StatusFailed || summary.Rows[0][4] != "坏文件" {
		t.Errorf("load summary %v", summary.Rows)
	}
	failed, err := w.FailedSources(ctx)
	must(err)
	if len(failed) != 1 || failed[0].Source != "s" {
		t.Errorf("failed sources %+v", failed)
	}
	builds, err := w.PriorBuilds(ctx)
	must(err)
	if builds["marts.m"].SQLHash != "h" {
		t.Errorf("prior builds %+v", builds)
	}
	unpassed, err := w.UnpassedTests(ctx)
	must(err)
	if !unpassed[TestKey("marts.m", "not_null")] {
		t.Errorf("unpassed %v", unpassed)
	}
	if last, err := w.LastTestRuns(ctx); err != nil || !last[TestKey("marts.m", "not_null")].Equal(start) {
		t.Errorf("last test runs %v %v", last, err)
	}
	if h, site, err := w.LastRender(ctx); err != nil || h != "hash" || site != "site" {
		t.Errorf("last render %s %s %v", h, site, err)
	}
	if c, err := w.SourceChanges(ctx); err != nil || c["raw.s"].IsZero() {
		t.Errorf("source changes %v %v", c, err)
	}
	if at, err := w.ProjectPublishedAt(ctx); err != nil || at.IsZero() {
		t.Errorf("published at %v %v", at, err)
	}
	q, err := w.QuarantineRows(ctx, "", 10)
	must(err)
	if len(q.Columns) != 8 {
		t.Errorf("quarantine columns %v", q.Columns)
	}
	if ok, err := w.RunLoads(ctx, "r1"); err != nil || len(ok.Rows) != 2 {
		t.Errorf("run loads %v %v", ok, err)
	}

	// A reader's SQL cannot write, nor an export to Parquet where it was not let.
	r, err := Open(ctx, "postgres", Options{ReadOnly: true, Postgres: &Postgres{DSN: dsn, SchemaPrefix: "p_"}})
	must(err)
	defer r.Close()
	if n, err := r.CountRows(ctx, "SELECT * FROM raw.s"); err != nil || n != 1 {
		t.Errorf("count %d %v", n, err)
	}
	_, err = r.Query(ctx, "DELETE FROM raw.s", 0)
	var refused *RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "只读查询不能执行 DELETE") || !strings.Contains(err.Error(), "（PostgreSQL：") {
		t.Errorf("a delete through a reader: %v", err)
	}
	// The writing warehouse reads users' SQL read-only too.
	if _, err := w.Query(ctx, "UPDATE raw.s SET n = 0", 0); !errors.As(err, &refused) {
		t.Errorf("an update through the writer's Query: %v", err)
	}
	if cols, err := r.Describe(ctx, "SELECT name AS 名称, n FROM raw.s WHERE n > $1"); err != nil || fmt.Sprint(cols) != "[名称 n]" {
		t.Errorf("describe %v %v", cols, err)
	}
	if err := r.ExportParquet(ctx, "raw", "s", filepath.Join(t.TempDir(), "x.parquet")); !errors.As(Explain(err), &refused) {
		t.Errorf("a parquet export where the reader may not write: %v, want refused", err)
	}
	cols, err := r.Columns(ctx, "raw", "s")
	must(err)
	if fmt.Sprint(cols) != "[{name VARCHAR} {n BIGINT} {_file VARCHAR} {_load_id VARCHAR}]" {
		t.Errorf("columns %v", cols)
	}
	if tables, err := r.Tables(ctx, "raw"); err != nil || fmt.Sprint(tables) != "[s]" {
		t.Errorf("tables %v %v", tables, err)
	}
	if ids, err := r.LoadIDs(ctx, "raw", "s"); err != nil || fmt.Sprint(ids) != "[l1]" {
		t.Errorf("load ids %v %v", ids, err)
	}
}

func TestRebindAndPrefix(t *testing.T) {
	schemas := newSchemaSet("p_")
	for _, c := range []struct{ in, want string }{
		{"SELECT ? FROM t WHERE a = ? AND b = '?' AND \"c?\" = 1 -- ?\n/* ? */", "SELECT $1 FROM t WHERE a = $2 AND b = '?' AND \"c?\" = 1 -- ?\n/* ? */"},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
	} {
		if got := rebind(c.in); got != c.want {
			t.Errorf("rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`SELECT r.x, raw.y FROM raw.s r JOIN "marts"."m" ON 1.5 > 0`, `SELECT r.x, "p_raw".y FROM "p_raw".s r JOIN "p_marts"."m" ON 1.5 > 0`},
		{`SELECT t.raw.x, 'raw.s', "raw" FROM meta . runs -- raw.s`, `SELECT t.raw.x, 'raw.s', "raw" FROM "p_meta" . runs -- raw.s`},
		{`CREATE SCHEMA IF NOT EXISTS analysis; SELECT * FROM analysis.v`, `CREATE SCHEMA IF NOT EXISTS "p_analysis"; SELECT * FROM "p_analysis".v`},
		{`SELECT other.x FROM other.t`, `SELECT other.x FROM other.t`},
		{"CREATE SCHEMA IF NOT EXISTS \"raw\";\nCREATE TABLE \"raw\".\"t\" (a INT)", "CREATE SCHEMA IF NOT EXISTS \"p_raw\";\nCREATE TABLE \"p_raw\".\"t\" (a INT)"},
	} {
		if got := schemas.prefixed(c.in); got != c.want {
			t.Errorf("prefixed(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	if got := newSchemaSet("").prefixed("SELECT * FROM raw.s"); got != "SELECT * FROM raw.s" {
		t.Errorf("no prefix: %q", got)
	}
}

// DuckDB's sha256 of text reads the same on PostgreSQL.
func TestPostgresCompatFunctions(t *testing.T) {
	w, _ := openPostgresTemp(t, "p_")
	d := openTemp(t)
	q := "SELECT left(sha256('jixiao:' || '371002199001011234'), 20)"
	if pg, duck := scalar[string](t, w, q), scalar[string](t, d, q); pg != duck || len(pg) != 20 {
		t.Errorf("sha256: PostgreSQL %q, DuckDB %q", pg, duck)
	}
}

// PostgreSQL's common errors about a user's SQL reach the user in Chinese
// too, with PostgreSQL's words on the second line.
func TestPostgresErrorsInChinese(t *testing.T) {
	ctx := context.Background()
	w, _ := openPostgresTemp(t, "")
	loadRows(t, w, "l1", ModeReplace, "a.csv", map[string]int64{"x": 1})
	for _, c := range []struct{ sql, want string }{
		{"SELECT nam FROM raw.s", `找不到列 "nam"`},
		{"SELECT * FROM raw.nothing", "表 raw.nothing 不存在"},
		{"SELECT list(n) FROM raw.s", "PostgreSQL 没有函数 list(bigint)"},
		{"SELECT name + 1 FROM raw.s", "类型不匹配：PostgreSQL 不能计算 text + integer"},
	} {
		_, err := w.Query(ctx, c.sql, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "（PostgreSQL：") {
			t.Errorf("%s: %v, want %q", c.sql, err, c.want)
		}
	}
}

// Two writers of one PostgreSQL warehouse (from two machines, say) cannot
// run at once; another schema prefix in the same database is another
// warehouse, and a reader never waits.
func TestPostgresOneWriterAtATime(t *testing.T) {
	ctx := context.Background()
	w, dsn := openPostgresTemp(t, "a_")
	_, err := Open(ctx, "postgres", Options{Postgres: &Postgres{DSN: dsn, SchemaPrefix: "a_"}})
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("a second writer: %v", err)
	}
	other, err := Open(ctx, "postgres", Options{Postgres: &Postgres{DSN: dsn, SchemaPrefix: "b_"}})
	if err != nil {
		t.Fatalf("a writer of another prefix: %v", err)
	}
	other.Close()
	r, err := Open(ctx, "postgres", Options{ReadOnly: true, Postgres: &Postgres{DSN: dsn, SchemaPrefix: "a_"}})
	if err != nil {
		t.Fatalf("a reader: %v", err)
	}
	r.Close()
	w.Close()
	again, err := Open(ctx, "postgres", Options{Postgres: &Postgres{DSN: dsn, SchemaPrefix: "a_"}})
	if err != nil {
		t.Fatalf("a writer once the first closed: %v", err)
	}
	again.Close()
}

func TestAliasFollows(t *testing.T) {
	for rest, want := range map[string]bool{
		" s WHERE x": true, " AS s": true, ` "s"`: true, "\n  GROUP BY 1": false, " JOIN t USING (a)": false,
		", raw.t": false, ")": false, "": false, " where x": false, "\nLEFT JOIN x": false,
	} {
		if got := aliasFollows(rest); got != want {
			t.Errorf("aliasFollows(%q) = %v", rest, got)
		}
	}
}

// The empty tables check binds against are made alike on both engines.
func TestCreateEmpty(t *testing.T) { eachEngine(t, testCreateEmpty) }

func testCreateEmpty(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	for i := 0; i < 2; i++ { // a second time replaces the first
		if err := w.CreateEmptyTable(ctx, "raw", "s", []Column{{"name", "VARCHAR"}, {"n", "BIGINT"}, {"share", "DOUBLE"}, {"tags", "VARCHAR[]"}}); err != nil {
			t.Fatal(err)
		}
		if err := w.CreateEmptyModel(ctx, "staging", "m", "SELECT name, n * share AS x FROM raw.s -- a comment"); err != nil {
			t.Fatal(err)
		}
	}
	cols, err := w.Columns(ctx, "staging", "m")
	if err != nil || fmt.Sprint(cols) != "[{name VARCHAR} {x DOUBLE}]" {
		t.Errorf("staging.m: %v %v", cols, err)
	}
	if err := w.CreateEmptyModel(ctx, "staging", "bad", "SELECT nope FROM raw.s"); err == nil {
		t.Error("want an error for a column that is not there")
	}
}
