//go:build duckdb_arrow

package transform

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

const config = "name: t\nplan_year: 2017\n"

const source = "kind: csv\npath: x.csv\ncolumns:\n  - {name: v, type: integer}\n"

// load builds a project from model files (path -> SQL) and one source, raw.s.
func load(t *testing.T, models map[string]string) *project.Project {
	t.Helper()
	m := fstest.MapFS{"jixiao.yaml": {Data: []byte(config)}, "sources/s.yaml": {Data: []byte(source)}}
	for p, sql := range models {
		m["transforms/"+p] = &fstest.MapFile{Data: []byte(sql)}
	}
	p, diags := project.Load(m)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return p
}

func openTemp(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// diamond: a <- b, a <- c, (b, c) <- d; e stands alone.
var diamond = map[string]string{
	"staging/a.sql": "SELECT v FROM raw.s",
	"staging/b.sql": "SELECT v + 1 AS v FROM staging.a",
	"staging/c.sql": "SELECT v * 2 AS v FROM staging.a",
	"marts/d.sql":   "WITH x AS (SELECT * FROM staging.b) SELECT x.v, c.v AS w FROM x JOIN staging.c c ON true",
	"marts/e.sql":   "SELECT 1 AS one",
}

func TestGraphOrder(t *testing.T) {
	w := openTemp(t)
	g, diags := BuildGraph(context.Background(), load(t, diamond), w)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	pos := map[string]int{}
	for i, id := range g.Order {
		pos[id] = i
	}
	if len(g.Order) != 5 {
		t.Fatalf("order %v", g.Order)
	}
	for _, edge := range [][2]string{{"staging.a", "staging.b"}, {"staging.a", "staging.c"}, {"staging.b", "marts.d"}, {"staging.c", "marts.d"}} {
		if pos[edge[0]] > pos[edge[1]] {
			t.Errorf("%s must come before %s in %v", edge[0], edge[1], g.Order)
		}
	}
	if got := strings.Join(g.Parents["marts.d"], ","); got != "staging.b,staging.c" {
		t.Errorf("parents of d: %s (the CTE x must not count)", got)
	}
	if got := strings.Join(g.Ancestors("marts.d"), ","); got != "raw.s,staging.a,staging.b,staging.c" {
		t.Errorf("ancestors of d: %s", got)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name   string
		models map[string]string
		want   []string
	}{
		{"unknown table", map[string]string{"marts/x.sql": "SELECT 1\nFROM staging.nope"}, []string{`transforms/marts/x.sql:2: unknown table "staging.nope"`}},
		{"misspelt table", map[string]string{"staging/stg_services.sql": "SELECT 1 AS v", "marts/x.sql": "SELECT 1\nFROM staging.stg_servics"},
			[]string{`transforms/marts/x.sql:2: unknown table "staging.stg_servics": no model transforms/staging/stg_servics.sql and no such source; did you mean staging.stg_services?`}},
		{"unknown source", map[string]string{"marts/x.sql": "SELECT * FROM raw.nope"}, []string{`transforms/marts/x.sql:1: unknown source "raw.nope": no file sources/nope.yaml`}},
		{"unqualified model", map[string]string{"staging/a.sql": "SELECT 1 AS v", "marts/x.sql": "SELECT * FROM a"}, []string{`transforms/marts/x.sql:1: table "a" needs its schema: write staging.a`}},
		{"self reference", map[string]string{"marts/x.sql": "SELECT * FROM marts.x"}, []string{"model marts.x reads itself"}},
		{"cycle", map[string]string{
			"marts/x.sql": "SELECT * FROM marts.y",
			"marts/y.sql": "SELECT * FROM marts.z",
			"marts/z.sql": "SELECT 1 AS v\nFROM raw.s JOIN marts.x ON true",
		}, []string{"transforms/marts/z.sql:2: dependency cycle: marts.x -> marts.y -> marts.z -> marts.x (files: transforms/marts/x.sql, transforms/marts/y.sql, transforms/marts/z.sql)"}},
		{"not a select", map[string]string{"marts/x.sql": "DELETE FROM raw.s"}, []string{"transforms/marts/x.sql: a model must be one SELECT statement"}},
		{"syntax error", map[string]string{"marts/x.sql": "/* jixiao\nmaterialized: view\n*/\nSELECT 1,\nFROM FROM"}, []string{`transforms/marts/x.sql:5: syntax error at or near "FROM"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := openTemp(t)
			_, diags := BuildGraph(context.Background(), load(t, tt.models), w)
			all := ""
			for _, d := range diags {
				all += d.String() + "\n"
			}
			for _, want := range tt.want {
				if !strings.Contains(all, want) {
					t.Errorf("want %q in:\n%s", want, all)
				}
			}
		})
	}
}

func TestSelect(t *testing.T) {
	w := openTemp(t)
	g, _ := BuildGraph(context.Background(), load(t, diamond), w)
	tests := []struct {
		sel     []string
		want    string
		wantErr bool
	}{
		{nil, "5 models", false},
		{[]string{"b"}, "staging.b", false},
		{[]string{"staging.b"}, "staging.b", false},
		{[]string{"b+"}, "staging.b,marts.d", false},
		{[]string{"+b"}, "staging.a,staging.b", false},
		{[]string{"+d"}, "staging.a,staging.b,staging.c,marts.d", false},
		{[]string{"a+"}, "staging.a,staging.b,staging.c,marts.d", false},
		{[]string{"raw.s+"}, "staging.a,staging.b,staging.c,marts.d", false},
		{[]string{"b,e"}, "staging.b,marts.e", false},
		{[]string{"nope"}, "", true},
	}
	for _, tt := range tests {
		got, err := g.Select(tt.sel)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%v: want an error", tt.sel)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tt.sel, err)
			continue
		}
		s := strings.Join(got, ",")
		if tt.sel == nil {
			s = fmt.Sprintf("%d models", len(got))
		}
		// Order within a level may vary with names: compare as sets but
		// check that the order respects dependencies.
		if !sameSet(s, tt.want) {
			t.Errorf("%v: got %s, want %s", tt.sel, s, tt.want)
		}
	}
}

func sameSet(a, b string) bool {
	as, bs := strings.Split(a, ","), strings.Split(b, ",")
	if len(as) != len(bs) {
		return false
	}
	m := map[string]bool{}
	for _, x := range as {
		m[x] = true
	}
	for _, x := range bs {
		if !m[x] {
			return false
		}
	}
	return true
}

func TestBuildSkipsDependentsOfAFailureAndKeepsOldVersions(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	if err := w.Exec(ctx, "CREATE TABLE raw.s AS SELECT range AS v FROM range(4)"); err != nil {
		t.Fatal(err)
	}
	p := load(t, diamond)
	g, diags := BuildGraph(ctx, p, w)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	res := Build(ctx, w, g, g.Order, BuildOptions{Concurrency: 2})
	for _, r := range res {
		if r.Status != BuildSuccess {
			t.Fatalf("%s: %s %v", r.ID, r.Status, r.Err)
		}
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM marts.d"); n != 16 {
		t.Fatalf("marts.d has %d rows, want 16", n)
	}
	// Break b at run time; d (downstream) must be skipped and keep its rows,
	// c and e still build.
	p.Model("b").SQL = "SELECT CAST('x' || v AS INTEGER) AS v FROM staging.a"
	if err := w.Exec(ctx, "INSERT INTO raw.s VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	var done []string
	res = Build(ctx, w, g, g.Order, BuildOptions{Concurrency: 2, RunID: "r2", OnDone: func(r BuildResult, i, n int) { done = append(done, r.ID) }})
	status := map[string]string{}
	for _, r := range res {
		status[r.ID] = r.Status
	}
	want := map[string]string{"staging.a": BuildSuccess, "staging.b": BuildFailed, "staging.c": BuildSuccess, "marts.d": BuildSkipped, "marts.e": BuildSuccess}
	for id, s := range want {
		if status[id] != s {
			t.Errorf("%s: %s, want %s", id, status[id], s)
		}
	}
	if len(done) != 5 {
		t.Errorf("OnDone called %d times", len(done))
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM marts.d"); n != 16 {
		t.Errorf("skipped marts.d has %d rows, want its previous 16", n)
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM staging.b"); n != 4 {
		t.Errorf("failed staging.b has %d rows, want its previous 4", n)
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM meta.model_builds WHERE run_id = 'r2' AND status = 'failed' AND error LIKE '%transforms/staging/b.sql%'"); n != 1 {
		t.Errorf("failed build not recorded with its file (%d rows)", n)
	}
	for _, r := range res {
		if r.ID == "staging.b" && !strings.Contains(r.Err.Error(), "transforms/staging/b.sql") {
			t.Errorf("error does not name the file: %v", r.Err)
		}
	}
	// The builds that succeeded are recorded with their rows (written in
	// their own transactions), once each.
	for id, rows := range map[string]int{"staging.a": 5, "staging.c": 5, "marts.e": 1} {
		q := fmt.Sprintf("SELECT count(*) FROM meta.model_builds WHERE run_id = 'r2' AND model = '%s' AND status = 'success' AND row_count = %d AND finished_at >= started_at AND error IS NULL", id, rows)
		if n := scalarInt(t, w, q); n != 1 {
			t.Errorf("%s: %d success records with %d rows, want 1", id, n, rows)
		}
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM meta.model_builds WHERE run_id = 'r2'"); n != 4 {
		t.Errorf("%d builds recorded, want 4 (the skipped one is not)", n)
	}
}

// The ready model whose chain of readers took longest at its last builds
// starts first; with nothing known, models go in build order.
func TestBuildStartsTheLongestChainFirst(t *testing.T) {
	ctx := context.Background()
	g, diags := BuildGraph(ctx, load(t, diamond), openTemp(t))
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	ms := time.Millisecond
	for _, c := range []struct {
		name  string
		prior map[string]time.Duration
		ready []string
		want  []string
	}{
		{"nothing known", nil, []string{"staging.b", "staging.c", "marts.e"}, []string{"staging.b", "staging.c", "marts.e"}},
		{"c slow", map[string]time.Duration{"staging.c": 300 * ms}, []string{"staging.b", "staging.c", "marts.e"}, []string{"staging.c", "staging.b", "marts.e"}},
		{"d slow", map[string]time.Duration{"marts.d": 900 * ms, "marts.e": 500 * ms}, []string{"marts.e", "staging.a"}, []string{"staging.a", "marts.e"}},
		{"e slow", map[string]time.Duration{"marts.e": 500 * ms, "staging.a": 100 * ms}, []string{"staging.a", "marts.e"}, []string{"marts.e", "staging.a"}},
	} {
		prior := map[string]warehouse.PriorBuild{}
		for id, d := range c.prior {
			prior[id] = warehouse.PriorBuild{Status: BuildSuccess, Duration: d}
		}
		selected := map[string]bool{}
		for _, id := range g.Order {
			selected[id] = true
		}
		q := newReadyQueue(criticalPaths(g, selected, prior))
		for _, id := range c.ready {
			q.push(id)
		}
		q.close()
		var got []string
		for id, ok := q.pop(); ok; id, ok = q.pop() {
			got = append(got, id)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: built %v, want %v", c.name, got, c.want)
		}
	}
}

func scalarInt(t *testing.T, w *warehouse.Warehouse, q string) int {
	t.Helper()
	var n int
	if err := w.QueryRow(context.Background(), q, nil, &n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// A build that runs out of DuckDB's memory beside other builds runs again
// alone, and is recorded once: as the retry ended.
func TestBuildOutOfMemoryRunsAgainAlone(t *testing.T) {
	ctx := context.Background()
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{MemoryLimit: "64MB"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Exec(ctx, "CREATE TABLE raw.s AS SELECT range AS v FROM range(4)"); err != nil {
		t.Fatal(err)
	}
	// A list of 3M strings of 100 bytes cannot spill: it runs out of 64 MB
	// alone too, so the retry fails as well, and says so once.
	p := load(t, map[string]string{
		"staging/big.sql":   "SELECT list(repeat('x', 100) || range::VARCHAR) AS l FROM range(3000000)",
		"staging/small.sql": "SELECT v FROM raw.s",
	})
	g, diags := BuildGraph(ctx, p, w)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	res := Build(ctx, w, g, g.Order, BuildOptions{Concurrency: 2, RunID: "r1"})
	for _, r := range res {
		switch r.ID {
		case "staging.big":
			if r.Status != BuildFailed || !r.RetriedAlone || !warehouse.IsOutOfMemory(r.Err) {
				t.Errorf("big: %s, retried alone %v: %v", r.Status, r.RetriedAlone, r.Err)
			}
		case "staging.small":
			if r.Status != BuildSuccess || r.RetriedAlone {
				t.Errorf("small: %s, retried alone %v: %v", r.Status, r.RetriedAlone, r.Err)
			}
		}
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM meta.model_builds WHERE run_id = 'r1' AND model = 'staging.big'"); n != 1 {
		t.Errorf("the failed build is recorded %d times, want once", n)
	}
	// One build at a time has nothing to retry alone.
	res = Build(ctx, w, g, g.Order, BuildOptions{Concurrency: 1, RunID: "r2"})
	for _, r := range res {
		if r.ID == "staging.big" && (r.Status != BuildFailed || r.RetriedAlone) {
			t.Errorf("one at a time: big %s, retried alone %v", r.Status, r.RetriedAlone)
		}
	}
	if n := scalarInt(t, w, "SELECT count(*) FROM meta.model_builds WHERE run_id = 'r2' AND model = 'staging.big' AND status = 'failed'"); n != 1 {
		t.Errorf("one at a time: the failed build is recorded %d times, want once", n)
	}
}

// A model built whole from many rows (through the views it reads, and from
// tables built earlier in the same run) has the engine to itself: no other
// build runs beside it. Small ones run side by side as before.
func TestLargeBuildsRunAlone(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	if err := w.Exec(ctx, "CREATE TABLE raw.s AS SELECT range AS v FROM range(1000)"); err != nil {
		t.Fatal(err)
	}
	p := load(t, map[string]string{
		"staging/v.sql":         "/* jixiao\nmaterialized: view\n*/\nSELECT v FROM raw.s",
		"staging/from_view.sql": "SELECT count(*) AS n FROM staging.v",
		"staging/copy.sql":      "SELECT v FROM raw.s",
		"marts/from_copy.sql":   "SELECT v FROM staging.copy WHERE v > 10",
		"staging/tiny.sql":      "SELECT 1 AS v",
		"marts/from_tiny.sql":   "SELECT v FROM staging.tiny",
		"marts/from_both.sql":   "SELECT t.v FROM staging.tiny AS t JOIN staging.from_view AS f ON true",
	})
	g := graphOf(t, w, p)
	alone := map[string]bool{"staging.from_view": true, "staging.copy": true, "marts.from_copy": true}
	for _, tt := range []struct {
		run  string
		opts BuildOptions
		want map[string]bool
	}{
		{"r1", BuildOptions{Concurrency: 2, AloneRows: 500}, alone},
		{"r2", BuildOptions{Concurrency: 2}, nil},                  // no threshold
		{"r3", BuildOptions{Concurrency: 1, AloneRows: 500}, nil},  // one at a time anyway
		{"r4", BuildOptions{Concurrency: 2, AloneRows: 5000}, nil}, // nothing that large
	} {
		tt.opts.RunID = tt.run
		for _, r := range Build(ctx, w, g, g.Order, tt.opts) {
			if r.Status != BuildSuccess || r.RanAlone != tt.want[r.ID] {
				t.Errorf("%s: %s %s, ran alone %v, want %v (%v)", tt.run, r.ID, r.Status, r.RanAlone, tt.want[r.ID], r.Err)
			}
		}
	}
	// No build of r1 overlaps one that ran alone.
	if n := scalarInt(t, w, `SELECT count(*) FROM meta.model_builds a JOIN meta.model_builds b
		ON a.run_id = 'r1' AND b.run_id = 'r1' AND a.model <> b.model
		WHERE a.model IN ('staging.from_view', 'staging.copy', 'marts.from_copy')
		AND b.started_at < a.finished_at AND b.finished_at > a.started_at`); n != 0 {
		t.Errorf("%d builds overlapped one that ran alone", n)
	}
}

// readsRows counts the tables a model reads, through views, and nothing
// for a view, or for an incremental model that an update will build in
// part.
func TestReadsRows(t *testing.T) {
	w := openTemp(t)
	p := load(t, map[string]string{
		"staging/v.sql":   "/* jixiao\nmaterialized: view\n*/\nSELECT v FROM raw.s",
		"staging/vv.sql":  "/* jixiao\nmaterialized: view\n*/\nSELECT a.v FROM staging.v AS a JOIN raw.s AS b USING (v)",
		"marts/m.sql":     "SELECT v FROM staging.vv UNION ALL SELECT v FROM staging.t",
		"staging/t.sql":   "SELECT 1 AS v",
		"staging/inc.sql": "/* jixiao\nmaterialized: incremental\npartition_by: v\n*/\nSELECT v FROM raw.s",
	})
	g := graphOf(t, w, p)
	rows := map[string]int64{"raw.s": 100, "staging.t": 7}
	inc := g.Models["staging.inc"]
	prior := map[string]warehouse.PriorBuild{"staging.inc": {Status: BuildSuccess, SQLHash: inc.Hash()}}
	for _, tt := range []struct {
		id   string
		opts BuildOptions
		want int64
	}{
		{"staging.v", BuildOptions{}, 0},
		{"marts.m", BuildOptions{}, 100 + 7}, // raw.s once, though two views read it
		{"staging.inc", BuildOptions{}, 100},
		{"staging.inc", BuildOptions{Prior: prior}, 0},
		{"staging.inc", BuildOptions{Prior: prior, FullRefresh: true}, 100},
		{"staging.inc", BuildOptions{Prior: map[string]warehouse.PriorBuild{"staging.inc": {Status: BuildSuccess, SQLHash: "changed"}}}, 100},
	} {
		if got := readsRows(g, g.Models[tt.id], tt.opts, rows); got != tt.want {
			t.Errorf("%s with %+v: %d rows, want %d", tt.id, tt.opts, got, tt.want)
		}
	}
}

// graphOf is p's graph, its SQL parsed by w.
func graphOf(t *testing.T, w *warehouse.Warehouse, p *project.Project) *Graph {
	t.Helper()
	g, diags := BuildGraph(context.Background(), p, w)
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	return g
}

// A view holds what it reads as it is now: a table rebuilt after the view
// changed what the view holds, and a model reading the view is not left as
// it was, though the view itself was not built again.
func TestModelReadingAViewSeesWhatTheViewReads(t *testing.T) {
	g, diags := BuildGraph(context.Background(), load(t, map[string]string{
		"staging/a.sql": "SELECT v FROM raw.s",
		"staging/v.sql": "/* jixiao\nmaterialized: view\n*/\nSELECT v FROM staging.a",
		"marts/b.sql":   "SELECT v FROM staging.v",
	}), openTemp(t))
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	t0 := time.Date(2017, 9, 1, 8, 0, 0, 0, time.UTC)
	prior := func(id string, at time.Time) warehouse.PriorBuild {
		return warehouse.PriorBuild{Status: BuildSuccess, SQLHash: g.Models[id].Hash(), FinishedAt: at}
	}
	opts := BuildOptions{Prior: map[string]warehouse.PriorBuild{
		"staging.v": prior("staging.v", t0),
		"marts.b":   prior("marts.b", t0.Add(time.Minute)),
	}, Changes: map[string]time.Time{"raw.s": t0.Add(-time.Hour)}}
	for _, tc := range []struct {
		name    string
		aBuilt  time.Time
		stands  bool
		changed string
	}{
		{"staging.a built before b", t0.Add(-time.Minute), true, ""},
		{"staging.a rebuilt after b, the view not", t0.Add(time.Hour), false, "staging.v"},
	} {
		changed := map[string]time.Time{"staging.a": tc.aBuilt, "staging.v": t0, "marts.b": t0.Add(time.Minute)}
		opts.Prior["staging.a"] = prior("staging.a", tc.aBuilt)
		if got := unchanged(g, "marts.b", opts, changed); got != tc.stands {
			t.Errorf("%s: marts.b unchanged = %v, want %v", tc.name, got, tc.stands)
		}
		if got := strings.Join(changedInputs(g, "marts.b", opts, changed), ","); got != tc.changed {
			t.Errorf("%s: marts.b's changed inputs %q, want %q", tc.name, got, tc.changed)
		}
	}
}
