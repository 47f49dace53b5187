//go:build duckdb_arrow

package warehouse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func openTemp(t *testing.T) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func scalar[T any](t *testing.T, w *Warehouse, q string) T {
	t.Helper()
	var v T
	if err := w.db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "w.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"runs", "run_steps", "model_builds", "test_results", "source_loads", "quarantine", "units", "project"} {
		if kind, err := w.TableKind(ctx, "meta", table); err != nil || kind != "table" {
			t.Errorf("meta.%s: kind %q, err %v", table, kind, err)
		}
	}
	w.Close()
	w, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer w.Close()
	if n := scalar[int](t, w, "SELECT count(*) FROM meta.schema_migrations"); n != len(migrations) {
		t.Errorf("migrations applied %d times, want %d", n, len(migrations))
	}
	if v := scalar[string](t, w, "SELECT current_setting('autoinstall_known_extensions')::VARCHAR"); v != "false" {
		t.Errorf("autoinstall_known_extensions = %s: the warehouse must never reach for the network", v)
	}
}

// jixiao.yaml's memory_limit reaches DuckDB, so that a big run on a shared
// office PC spills to disk instead of taking the machine's memory.
func TestOpenAppliesMemoryLimit(t *testing.T) {
	w, err := Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), Options{MemoryLimit: "300MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var limit string
	var threads int
	if err := w.db.QueryRow("SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&limit, &threads); err != nil {
		t.Fatal(err)
	}
	if limit != "286.1 MiB" || threads != 1 {
		t.Errorf("memory_limit %q, threads %d", limit, threads)
	}
}

func TestOpenReadOnlyMissingFile(t *testing.T) {
	_, err := Open(context.Background(), filepath.Join(t.TempDir(), "none.duckdb"), Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "jixiao run") {
		t.Fatalf("want a hint to run first, got %v", err)
	}
}

func TestBuildModelIsAtomic(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	rows, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT range AS n FROM range(3)"})
	if err != nil || rows != 3 {
		t.Fatalf("first build: rows %d, err %v", rows, err)
	}
	// A failing build leaves the previous table whole.
	_, err = w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT n FROM no_such_table"})
	if err == nil {
		t.Fatal("want a build error")
	}
	if n := scalar[int](t, w, "SELECT count(*) FROM marts.m"); n != 3 {
		t.Errorf("after a failed build marts.m has %d rows, want the previous 3", n)
	}
	// A failure at run time (not at bind time) rolls back too.
	_, err = w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT CAST('x' || range AS INTEGER) AS n FROM range(5)"})
	if err == nil {
		t.Fatal("want a conversion error")
	}
	if n := scalar[int](t, w, "SELECT count(*) FROM marts.m"); n != 3 {
		t.Errorf("after a failed conversion marts.m has %d rows, want 3", n)
	}
	// Switching a model between table and view works both ways.
	if rows, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT 1 AS n", View: true}); err != nil || rows != -1 {
		t.Fatalf("table -> view: rows %d, err %v", rows, err)
	}
	if kind, _ := w.TableKind(ctx, "marts", "m"); kind != "view" {
		t.Errorf("kind %q, want view", kind)
	}
	if _, err := w.BuildModel(ctx, BuildRequest{Schema: "marts", Name: "m", SQL: "SELECT 2 AS n"}); err != nil {
		t.Fatalf("view -> table: %v", err)
	}
	if kind, _ := w.TableKind(ctx, "marts", "m"); kind != "table" {
		t.Errorf("kind %q, want table", kind)
	}
}

func TestModelLineMapsToTheFile(t *testing.T) {
	w := openTemp(t)
	sql := "-- line 1\nSELECT\n  nope_column\nFROM range(1)"
	_, err := w.BuildModel(context.Background(), BuildRequest{Schema: "marts", Name: "x", SQL: sql})
	if err == nil {
		t.Fatal("want an error")
	}
	if got := ModelLine(err); got != 3 {
		t.Errorf("ModelLine = %d, want 3 (the line of nope_column in the model file); err: %v", got, err)
	}
}

func TestTableRefs(t *testing.T) {
	w := openTemp(t)
	tests := []struct {
		name    string
		sql     string
		want    []string
		wantErr string
	}{
		{"join", "SELECT * FROM raw.a JOIN staging.b USING (id)", []string{"raw.a", "staging.b"}, ""},
		{"cte is not a table", "WITH x AS (SELECT * FROM raw.a) SELECT * FROM x", []string{"raw.a"}, ""},
		{"subquery and exists", "SELECT * FROM marts.m WHERE EXISTS (SELECT 1 FROM raw.b) AND id IN (SELECT id FROM raw.c)", []string{"marts.m", "raw.b", "raw.c"}, ""},
		{"unqualified", "SELECT * FROM lonely", []string{".lonely"}, ""},
		{"duplicates once", "SELECT * FROM raw.a x JOIN raw.a y USING (id)", []string{"raw.a"}, ""},
		{"table function", "SELECT * FROM range(3)", nil, ""},
		{"quote in a string", "SELECT 'it''s' AS s FROM raw.a", []string{"raw.a"}, ""},
		{"not a select", "CREATE TABLE x AS SELECT 1", nil, "one SELECT"},
		{"two statements", "SELECT 1; SELECT 2", nil, "exactly one SELECT"},
		{"syntax error", "SELECT 1,\nFROM FROM", nil, "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs, err := w.TableRefs(context.Background(), tt.sql)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range refs {
				got = append(got, r.Schema+"."+r.Name)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	_, err := w.TableRefs(context.Background(), "SELECT 1,\n\nFROM FROM")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Errorf("parse error line: %#v", err)
	}
}

// records builds an Arrow stream of (name, n, _file) rows.
func records(t *testing.T, file string, rows map[string]int64) array.RecordReader {
	t.Helper()
	return stream(t, []arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_file", Type: arrow.BinaryTypes.String},
	}, func(b *array.RecordBuilder) {
		for name, n := range rows {
			b.Field(0).(*array.StringBuilder).Append(name)
			b.Field(1).(*array.Int64Builder).Append(n)
			b.Field(2).(*array.StringBuilder).Append(file)
		}
	})
}

// stream builds a one-batch Arrow stream of the fields, filled by fill.
func stream(t *testing.T, fields []arrow.Field, fill func(*array.RecordBuilder)) array.RecordReader {
	t.Helper()
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}

func TestLoadModes(t *testing.T) { eachEngine(t, testLoadModes) }

func testLoadModes(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	load := func(id, mode, file string, rows map[string]int64, replaceFiles ...string) int64 {
		t.Helper()
		rdr := records(t, file, rows)
		defer rdr.Release()
		n, err := w.Load(ctx, LoadRequest{LoadID: id, Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: mode, Key: []string{"name"},
			Reader: rdr, Location: file, ContentHash: "h-" + id, StartedAt: time.Now(), ReplaceFiles: replaceFiles,
			Stats: figures(LoadStats{RowsRead: int64(len(rows)), Quarantine: []QuarantineRow{{File: file, Row: 9, Column: "n", RawValue: "七", Reason: "not a number"}}})})
		if err != nil {
			t.Fatalf("load %s: %v", id, err)
		}
		return n
	}
	if n := load("l1", ModeAppend, "a.csv", map[string]int64{"x": 1, "y": 2}); n != 2 {
		t.Errorf("first append loaded %d", n)
	}
	if n := load("l2", ModeAppend, "b.csv", map[string]int64{"z": 3}); n != 1 {
		t.Errorf("second append loaded %d", n)
	}
	// a.csv re-sent with a correction: its old rows go, nothing doubles.
	load("l3", ModeAppend, "a.csv", map[string]int64{"x": 10}, "a.csv")
	if got := scalar[int64](t, w, "SELECT sum(n) FROM raw.s"); got != 13 {
		t.Errorf("after re-send sum = %d, want 13", got)
	}
	if got := scalar[string](t, w, "SELECT string_agg(DISTINCT _load_id, ',' ORDER BY _load_id) FROM raw.s"); got != "l2,l3" {
		t.Errorf("load ids %q", got)
	}
	// merge replaces rows by key and keeps the rest.
	load("l4", ModeMerge, "c.csv", map[string]int64{"x": 100, "w": 5})
	if got := scalar[int64](t, w, "SELECT sum(n) FROM raw.s"); got != 108 {
		t.Errorf("after merge sum = %d, want 108 (x=100, z=3, w=5)", got)
	}
	hashes, err := w.LoadedHashes(ctx, "s")
	if err != nil || hashes["a.csv"] != "h-l3" || hashes["c.csv"] != "h-l4" {
		t.Errorf("hashes %v, err %v: want the newest hash of a.csv", hashes, err)
	}
	// replace keeps only the new rows.
	if n := load("l5", ModeReplace, "d.csv", map[string]int64{"only": 1}); n != 1 {
		t.Errorf("replace loaded %d", n)
	}
	if got := scalar[int](t, w, "SELECT count(*) FROM raw.s"); got != 1 {
		t.Errorf("after replace %d rows", got)
	}
	if got := scalar[int](t, w, "SELECT count(*) FROM meta.source_loads WHERE status = 'success'"); got != 5 {
		t.Errorf("%d load records, want 5", got)
	}
	// The replace took the source's earlier quarantine rows with it.
	if got := scalar[string](t, w, "SELECT string_agg(load_id || ' ' || file, ',') FROM meta.quarantine WHERE raw_value = '七'"); got != "l5 d.csv" {
		t.Errorf("quarantine rows %s, want only those of the replace", got)
	}
	// Nor are the files it replaced taken as loaded any more: their rows
	// are gone, and a next run must read them if they are still there.
	hashes, err = w.LoadedHashes(ctx, "s")
	if err != nil || len(hashes) != 1 || hashes["d.csv"] != "h-l5" {
		t.Errorf("hashes after the replace %v, err %v: want only d.csv's", hashes, err)
	}
}

// Loading a file again replaces its quarantine rows, in the load's
// transaction: a re-sent file shows the rejects it has now, and a failed
// reload leaves the old ones.
func TestReloadReplacesItsQuarantineRows(t *testing.T) {
	eachEngine(t, testReloadReplacesItsQuarantineRows)
}

func testReloadReplacesItsQuarantineRows(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	load := func(id, mode, file string, oneFile bool, rejects []int64, replaceFiles ...string) error {
		t.Helper()
		req := LoadRequest{LoadID: id, Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: mode, Location: file,
			StartedAt: time.Now(), ReplaceFiles: replaceFiles}
		if oneFile {
			req.File = file
			req.Reader = stream(t, []arrow.Field{{Name: "name", Type: arrow.BinaryTypes.String}, {Name: "n", Type: arrow.PrimitiveTypes.Int64},
				{Name: "_row", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
				b.Field(0).(*array.StringBuilder).Append("x")
				b.Field(1).(*array.Int64Builder).Append(1)
				b.Field(2).(*array.Int64Builder).Append(2)
			})
		} else {
			req.Reader = records(t, file, map[string]int64{"x": 1})
		}
		defer req.Reader.Release()
		var st LoadStats
		for _, row := range rejects {
			st.Quarantine = append(st.Quarantine, QuarantineRow{File: file, Row: row, RawValue: "七", Reason: "不是数字"})
		}
		req.Stats = figures(st)
		_, err := w.Load(ctx, req)
		return err
	}
	rejects := func() string {
		return scalar[string](t, w, "SELECT coalesce(string_agg(file || ':' || row_number, ' ' ORDER BY file, row_number), '') FROM meta.quarantine")
	}
	for _, err := range []error{
		load("l1", ModeAppend, "a.csv", true, []int64{3, 5}),
		load("l2", ModeAppend, "b.csv", false, []int64{4}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// a.csv is re-sent with row 5 fixed.
	if err := load("l3", ModeAppend, "a.csv", true, []int64{3}, "a.csv"); err != nil {
		t.Fatal(err)
	}
	if got := rejects(); got != "a.csv:3 b.csv:4" {
		t.Errorf("after a.csv was re-sent: %s", got)
	}
	// A reload that fails keeps the quarantine rows of the load before.
	bad := stream(t, []arrow.Field{{Name: "other", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.Int64Builder).Append(1)
	})
	defer bad.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "l4", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: bad,
		File: "b.csv", ReplaceFiles: []string{"b.csv"}, StartedAt: time.Now()}); err == nil {
		t.Fatal("want an error for a stream that does not fit")
	}
	if got := rejects(); got != "a.csv:3 b.csv:4" {
		t.Errorf("after a failed reload of b.csv: %s", got)
	}
	// A whole-source reload (load: replace, --full-refresh) twice.
	for _, id := range []string{"l5", "l6"} {
		if err := load(id, ModeReplace, "a.csv", true, []int64{3}); err != nil {
			t.Fatal(err)
		}
		if got := rejects(); got != "a.csv:3" {
			t.Errorf("after replace %s: %s", id, got)
		}
	}
	// Another source's rows are its own.
	rdr := records(t, "a.csv", map[string]int64{"y": 1})
	defer rdr.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "o1", Source: "other", Kind: "csv", Schema: "raw", Table: "other", Mode: ModeReplace, Reader: rdr,
		StartedAt: time.Now(), Stats: figures(LoadStats{Quarantine: []QuarantineRow{{File: "a.csv", Row: 8, Reason: "r"}}})}); err != nil {
		t.Fatal(err)
	}
	if got := rejects(); got != "a.csv:3 a.csv:8" {
		t.Errorf("after another source loaded: %s", got)
	}
}

// A load of one file streams no _file column: the warehouse adds the file as
// a constant, where the stream would have had it, and later loads that do
// carry the column append to the same table by name.
func TestLoadOfOneFileAddsItsFile(t *testing.T) { eachEngine(t, testLoadOfOneFileAddsItsFile) }

func testLoadOfOneFileAddsItsFile(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	oneFile := stream(t, []arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "_row", Type: arrow.PrimitiveTypes.Int64},
	}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
		b.Field(1).(*array.Int64Builder).AppendValues([]int64{7, 8}, nil)
		b.Field(2).(*array.Int64Builder).AppendValues([]int64{2, 3}, nil)
	})
	withFile := records(t, "b.csv", map[string]int64{"z": 1})
	n, err := w.LoadAll(ctx, []LoadRequest{
		{LoadID: "l1", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeReplace, Reader: oneFile, File: "data/报表 'a'.csv", StartedAt: time.Now()},
		{LoadID: "l2", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: withFile, StartedAt: time.Now()},
	})
	oneFile.Release()
	withFile.Release()
	if err != nil || fmt.Sprint(n) != "[2 1]" {
		t.Fatalf("loaded %v: %v", n, err)
	}
	cols, err := w.Columns(ctx, "raw", "s")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "name,n,_file,_row,_load_id" {
		t.Errorf("columns %s", got)
	}
	if got := scalar[string](t, w, "SELECT string_agg(name || '@' || _file || ':' || coalesce(_row::VARCHAR, '-'), ' ' ORDER BY name) FROM raw.s"); got != "x@data/报表 'a'.csv:2 y@data/报表 'a'.csv:3 z@b.csv:-" {
		t.Errorf("rows %s", got)
	}
}

func TestFailedLoadLeavesTableAndMetaAsTheyWere(t *testing.T) {
	eachEngine(t, testFailedLoadLeavesTableAndMetaAsTheyWere)
}

func testFailedLoadLeavesTableAndMetaAsTheyWere(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	rdr := records(t, "a.csv", map[string]int64{"x": 1})
	if _, err := w.Load(ctx, LoadRequest{LoadID: "ok", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: rdr, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rdr.Release()
	// A stream whose columns do not fit the table fails inside the transaction.
	schema := arrow.NewSchema([]arrow.Field{{Name: "other", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.Int64Builder).Append(1)
	rec := b.NewRecordBatch()
	bad, _ := array.NewRecordReader(schema, []arrow.RecordBatch{rec})
	_, err := w.Load(ctx, LoadRequest{LoadID: "bad", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend, Reader: bad, StartedAt: time.Now(),
		Stats: figures(LoadStats{Quarantine: []QuarantineRow{{File: "a.csv", Row: 1, Reason: "r"}}})})
	if err == nil {
		t.Fatal("want an error for a stream that does not fit")
	}
	if got := scalar[int](t, w, "SELECT count(*) FROM raw.s"); got != 1 {
		t.Errorf("raw.s has %d rows after a failed load, want 1", got)
	}
	if got := scalar[int](t, w, "SELECT count(*) FROM meta.source_loads WHERE load_id = 'bad'"); got != 0 {
		t.Errorf("a failed load left a success record")
	}
	if got := scalar[int](t, w, "SELECT count(*) FROM meta.quarantine"); got != 0 {
		t.Errorf("a failed load left quarantine rows")
	}
}

func TestRunHistory(t *testing.T) { eachEngine(t, testRunHistory) }

func testRunHistory(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	start := time.Date(2017, 6, 30, 8, 0, 0, 0, time.UTC)
	if err := w.StartRun(ctx, RunRecord{RunID: "r1", Command: "run", StartedAt: start}); err != nil {
		t.Fatal(err)
	}
	if err := w.FinishRun(ctx, RunRecord{RunID: "r1", FinishedAt: start.Add(2 * time.Second), Status: StatusFailed, Error: "boom", ModelsBuilt: 3, TestsFailed: 1}); err != nil {
		t.Fatal(err)
	}
	runs, err := w.RecentRuns(ctx, 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, err %v", runs, err)
	}
	r := runs[0]
	if r.Status != StatusFailed || r.Error != "boom" || r.ModelsBuilt != 3 || r.TestsFailed != 1 || !r.StartedAt.Equal(start) || r.FinishedAt.Sub(r.StartedAt) != 2*time.Second {
		t.Errorf("run record %+v", r)
	}
}

// TestHelperHoldsWarehouse is not a test: as a child process it keeps a
// warehouse open for writing until killed.
func TestHelperHoldsWarehouse(t *testing.T) {
	path := os.Getenv("JIXIAO_WAREHOUSE_HELPER")
	if path == "" {
		return // a helper process only
	}
	w, err := Open(context.Background(), path, Options{})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	defer w.Close()
	os.Stdout.WriteString("open\n")
	time.Sleep(time.Minute)
}

// A reader does not block or fail obscurely while another process writes:
// it is told the warehouse is busy.
func TestReadOnlyWhileAnotherProcessWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	cmd := exec.Command(os.Args[0], "-test.run=TestHelperHoldsWarehouse", "-test.count=1")
	cmd.Env = append(os.Environ(), "JIXIAO_WAREHOUSE_HELPER="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "open" {
		t.Fatalf("helper: %q", line)
	}
	start := time.Now()
	_, err = Open(context.Background(), path, Options{ReadOnly: true})
	var busy *BusyError
	if !errors.As(err, &busy) || !strings.Contains(err.Error(), "仓库正在写入") {
		t.Fatalf("want a clear busy error, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the reader waited %v instead of answering", time.Since(start))
	}
}

// A load leaves no view of its Arrow stream behind, whether it commits or
// fails: reading one later would read a released stream. Views left by
// earlier versions go when a writer opens.
func TestLoadsLeaveNoArrowViews(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rdr := records(t, "a.csv", map[string]int64{"x": 1})
	defer rdr.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "l-1", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend,
		Reader: rdr, Location: "a.csv", ContentHash: "h", StartedAt: time.Now(), Stats: figures(LoadStats{RowsRead: 1})}); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int64](t, w, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'jixiao_ingest%'"); n != 0 {
		t.Errorf("a load left %d views of its stream", n)
	}
	// A second load whose rows do not fit the table (a column it lacks).
	bad := stream(t, []arrow.Field{{Name: "no_such_column", Type: arrow.PrimitiveTypes.Int64}}, func(b *array.RecordBuilder) {
		b.Field(0).(*array.Int64Builder).Append(1)
	})
	defer bad.Release()
	if _, err := w.Load(ctx, LoadRequest{LoadID: "l-2", Source: "s", Kind: "csv", Schema: "raw", Table: "s", Mode: ModeAppend,
		Reader: bad, Location: "b.csv", ContentHash: "h2", StartedAt: time.Now(), Stats: figures(LoadStats{RowsRead: 1})}); err == nil {
		t.Fatal("a load of rows that do not fit the table succeeded")
	}
	if n := scalar[int64](t, w, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'jixiao_ingest%'"); n != 0 {
		t.Errorf("a failed load left %d views of its stream", n)
	}
	if n := scalar[int64](t, w, "SELECT count(*) FROM raw.s"); n != 1 {
		t.Errorf("raw.s has %d rows after a failed load, want 1", n)
	}
	if err := w.Exec(ctx, "CREATE VIEW main.jixiao_ingest_left_by_an_old_version AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if w, err = Open(ctx, path, Options{}); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n := scalar[int64](t, w, "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'jixiao_ingest%'"); n != 0 {
		t.Errorf("%d load views left", n)
	}
}

// One build's partitions change apart: a rebuild of August on leaves the
// earlier build's January to July unchanged.
func TestVersionsDiffer(t *testing.T) {
	was := inputState{"build:a": {"1": 5, "7": 5, "8": 5}}
	now := inputState{"build:a": {"1": 5, "7": 5}, "build:b": {"8": 6, "9": 2}}
	parts := map[string]bool{}
	ids := versionsDiffer(was, now, parts)
	if fmt.Sprint(ids) != "[build:a build:b]" || fmt.Sprint(parts) != "map[8:true 9:true]" {
		t.Errorf("differ %v, parts %v", ids, parts)
	}
	parts = map[string]bool{}
	if ids := versionsDiffer(now, now, parts); len(ids) != 0 || len(parts) != 0 {
		t.Errorf("unchanged: %v %v", ids, parts)
	}
}

// The builds of one transform stage count an input once (InputCounts): a
// second build is handed what the first counted, as a copy it may change,
// whatever order it names the loads in. The input does not change within
// a stage; here it does, to show that the second count reads no rows.
func TestInputCountsCountOnceAndHandOutCopies(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	loadRows(t, w, "l1", ModeAppend, "a.csv", map[string]int64{"x": 1, "y": 2})
	loadRows(t, w, "l2", ModeAppend, "b.csv", map[string]int64{"z": 3})
	conn, err := w.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := NewInputCounts()
	totals, err := c.totals(ctx, conn, "raw.s", "_load_id")
	if err != nil || fmt.Sprint(totals) != "map[l1:2 l2:1]" {
		t.Fatalf("totals %v %v", totals, err)
	}
	parts, err := c.scan(ctx, conn, "raw.s", "_load_id", "n", []string{"l2", "l1"})
	if err != nil || fmt.Sprint(parts) != "map[l1:map[1:1 2:1] l2:map[3:1]]" {
		t.Fatalf("parts %v %v", parts, err)
	}
	totals["l1"], parts["l1"]["1"] = 99, 99 // a build keeps and may change what it is handed
	loadRows(t, w, "l3", ModeAppend, "c.csv", map[string]int64{"v": 4})
	if got, err := c.totals(ctx, conn, "raw.s", "_load_id"); err != nil || fmt.Sprint(got) != "map[l1:2 l2:1]" {
		t.Errorf("counted again: %v %v; want the first count, unchanged", got, err)
	}
	if got, err := c.scan(ctx, conn, "raw.s", "_load_id", "n", []string{"l1", "l2"}); err != nil || fmt.Sprint(got) != "map[l1:map[1:1 2:1] l2:map[3:1]]" {
		t.Errorf("scanned again: %v %v; want the first scan, unchanged", got, err)
	}
	// Without an InputCounts every build counts for itself.
	var none *InputCounts
	if got, err := none.totals(ctx, conn, "raw.s", "_load_id"); err != nil || fmt.Sprint(got) != "map[l1:2 l2:1 l3:1]" {
		t.Errorf("uncached totals %v %v", got, err)
	}
}

// Columns reads one table's columns through pragma_table_info: the same
// names, order and type names the information schema gives, for tables and
// views under any name, and none (no error) for a table that is not there.
func TestColumnsAsTheInformationSchemaGivesThem(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	for _, q := range []string{
		`CREATE SCHEMA staging`,
		`CREATE TABLE staging."报表 'a'.b" ("金额（元）" DECIMAL(18, 4), ids BIGINT[], s STRUCT(a INTEGER, b VARCHAR), ts TIMESTAMP, d DATE, ok BOOLEAN, u UHUGEINT)`,
		`CREATE VIEW staging.v AS SELECT d, ids[1] AS first_id, 'x' AS k FROM staging."报表 'a'.b"`,
	} {
		if _, err := w.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	infoSchema := func(schema, name string) string {
		return scalar[string](t, w, `SELECT coalesce(string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position), '') FROM information_schema.columns WHERE table_schema = `+QuoteString(schema)+` AND table_name = `+QuoteString(name))
	}
	for _, tc := range []struct{ schema, name, want string }{
		{"staging", "报表 'a'.b", "金额（元） DECIMAL(18,4), ids BIGINT[], s STRUCT(a INTEGER, b VARCHAR), ts TIMESTAMP, d DATE, ok BOOLEAN, u UHUGEINT"},
		{"staging", "v", "d DATE, first_id BIGINT, k VARCHAR"},
		{"staging", "nope", ""},
		{"nope", "v", ""},
	} {
		cols, err := w.Columns(ctx, tc.schema, tc.name)
		if err != nil {
			t.Fatalf("%s.%s: %v", tc.schema, tc.name, err)
		}
		var got []string
		for _, c := range cols {
			got = append(got, c.Name+" "+c.Type)
		}
		if g := strings.Join(got, ", "); g != tc.want || g != infoSchema(tc.schema, tc.name) {
			t.Errorf("%s.%s: %q, want %q (information schema %q)", tc.schema, tc.name, g, tc.want, infoSchema(tc.schema, tc.name))
		}
	}
}
