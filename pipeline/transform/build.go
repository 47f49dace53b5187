package transform

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Build statuses of a model.
const (
	BuildSuccess = "success"
	BuildFailed  = "failed"
	// BuildSkipped: a model it reads failed, so it was not built and keeps
	// its previous version.
	BuildSkipped = "skipped"
	// BuildUnchanged: neither the model's file nor anything it reads changed
	// since its last successful build, so that build stands.
	BuildUnchanged = "unchanged"
)

// BuildResult is the outcome of one model build.
type BuildResult struct {
	ID       string
	Status   string
	Rows     int64
	Duration time.Duration
	Err      error
	// Partitions, for a partitioned model, says which partitions its
	// inputs changed and whether it was built whole.
	Partitions *warehouse.PartitionBuild
	// RetriedAlone says the build ran out of memory beside other builds
	// and was run again with none beside it.
	RetriedAlone bool
	// RanAlone says the build read so many rows that it ran with no other
	// beside it from the start (see BuildOptions.AloneRows).
	RanAlone bool
}

// BuildOptions control a build.
type BuildOptions struct {
	RunID       string
	Concurrency int
	// OnDone is called after each model, for progress display.
	OnDone func(BuildResult, int, int)
	// SkipUnchanged leaves alone models whose file and inputs did not change
	// since their last successful build (Prior), where inputs changed at the
	// times in Changes (raw.<source> and meta.<table> ids).
	SkipUnchanged bool
	Prior         map[string]warehouse.PriorBuild
	Changes       map[string]time.Time
	// FullRefresh builds incremental models whole.
	FullRefresh bool
	// counts is shared by the stage's partitioned builds (set by Build).
	counts *warehouse.InputCounts
	// AloneRows: a model built whole from tables of at least this many
	// rows in all (a view's counted as the tables it reads) is built with
	// no other model beside it; 0 never. Two such builds at once share
	// DuckDB's memory limit and its cores: at scale 100 the roster's and
	// the service records' staging models together ran out of memory, and
	// the second, retried alone, took 62 s where one after the other take
	// about 35 s.
	AloneRows int64
}

// Build builds the selected models in dependency order. Models whose
// selected parents are all built may build at the same time, up to
// Concurrency. A failed model keeps its previous version (the swap is
// atomic) and its dependents are skipped. Results come in build order.
func Build(ctx context.Context, w *warehouse.Warehouse, g *Graph, ids []string, opts BuildOptions) []BuildResult {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	opts.counts = warehouse.NewInputCounts()
	selected := map[string]bool{}
	for _, id := range ids {
		selected[id] = true
	}
	// Schemas first, so that concurrent builds never race to create them.
	schemas := map[string]bool{}
	for _, id := range ids {
		schemas[g.Models[id].Schema] = true
	}
	for s := range schemas {
		if err := w.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+warehouse.QuoteIdent(s)); err != nil {
			out := make([]BuildResult, len(ids))
			for i, id := range ids {
				out[i] = BuildResult{ID: id, Status: BuildFailed, Err: fmt.Errorf("create schema %s: %w", s, err)}
			}
			return out
		}
	}

	listed := listTables(ctx, w, schemas)
	results := map[string]BuildResult{}
	var mu sync.Mutex
	// changed holds when each model's table last changed, as builds finish.
	changed := map[string]time.Time{}
	for id, p := range opts.Prior {
		if p.Status == BuildSuccess {
			changed[id] = p.FinishedAt
		}
	}
	pending := map[string]int{} // selected parents not yet finished
	for _, id := range ids {
		for _, p := range g.Parents[id] {
			if selected[p] {
				pending[id]++
			}
		}
	}
	ready := newReadyQueue(criticalPaths(g, selected, opts.Prior))
	done := make(chan BuildResult, len(ids))
	for _, id := range ids {
		if pending[id] == 0 {
			ready.push(id)
		}
	}
	// finish takes a model's result and readies what waited only for it,
	// before its worker asks for the next model to build.
	finish := func(r BuildResult) {
		mu.Lock()
		results[r.ID] = r
		for _, c := range g.Children[r.ID] {
			if !selected[c] {
				continue
			}
			pending[c]--
			if pending[c] == 0 {
				ready.push(c)
			}
		}
		mu.Unlock()
		done <- r
	}
	// Builds share DuckDB's memory limit: two large ones at once can run
	// out of it where either alone fits (at scale 100, the roster's and
	// the service records' staging models under the default 1 GiB). A
	// build that ran out of memory beside others runs again alone: it
	// waits for the builds under way, and new ones wait for it.
	var alone sync.RWMutex
	var rows map[string]int64 // estimated rows of each table, as builds finish
	if opts.AloneRows > 0 && opts.Concurrency > 1 {
		rows, _ = w.TableRows(ctx) // unknown sizes: no build runs alone for its size
	}
	build := func(id string, inputs []string) BuildResult {
		mu.Lock()
		large := readsRows(g, g.Models[id], opts, rows) >= opts.AloneRows && rows != nil
		mu.Unlock()
		if large {
			alone.Lock()
			r := buildOne(ctx, w, g, g.Models[id], opts, inputs, listed, true)
			alone.Unlock()
			r.RanAlone = true
			return r
		}
		alone.RLock()
		r := buildOne(ctx, w, g, g.Models[id], opts, inputs, listed, opts.Concurrency == 1)
		alone.RUnlock()
		if r.Status == BuildFailed && opts.Concurrency > 1 && warehouse.IsOutOfMemory(r.Err) {
			alone.Lock()
			r = buildOne(ctx, w, g, g.Models[id], opts, inputs, listed, true)
			r.RetriedAlone = true
			alone.Unlock()
		}
		return r
	}
	var wg sync.WaitGroup
	for i := 0; i < opts.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, ok := ready.pop()
				if !ok {
					return
				}
				mu.Lock()
				blocked := ""
				for _, p := range g.Parents[id] {
					if r, ok := results[p]; ok && r.Status != BuildSuccess && r.Status != BuildUnchanged {
						blocked = p
						break
					}
				}
				fresh := opts.SkipUnchanged && blocked == "" && unchanged(g, id, opts, changed)
				mu.Unlock()
				switch {
				case blocked != "":
					finish(BuildResult{ID: id, Status: BuildSkipped, Err: fmt.Errorf("not built: %s, which it reads, did not build", blocked)})
				case fresh && exists(ctx, w, listed, g.Models[id]):
					finish(BuildResult{ID: id, Status: BuildUnchanged})
				default:
					mu.Lock()
					inputs := changedInputs(g, id, opts, changed)
					mu.Unlock()
					r := build(id, inputs)
					if r.Status == BuildSuccess {
						mu.Lock()
						changed[id] = time.Now()
						if rows != nil && r.Rows >= 0 && g.Models[id].Header.Materialized != project.MaterializeView {
							rows[id] = r.Rows
						}
						mu.Unlock()
					}
					finish(r)
				}
			}
		}()
	}
	for finished := 0; finished < len(ids); finished++ {
		r := <-done
		if opts.OnDone != nil {
			opts.OnDone(r, finished+1, len(ids))
		}
	}
	ready.close()
	wg.Wait()
	out := make([]BuildResult, 0, len(ids))
	for _, id := range ids {
		out = append(out, results[id])
	}
	return out
}

// readsRows is how many rows model m's build reads: the rows of the tables
// it names, a view's as those of the tables it reads; 0 for a view itself,
// which reads nothing when built, and for an incremental model that will
// be updated rather than rebuilt whole (it reads the changed months).
func readsRows(g *Graph, m *project.Model, opts BuildOptions, rows map[string]int64) int64 {
	if m.Header.Materialized == project.MaterializeView {
		return 0
	}
	if m.Partitioned() && !opts.FullRefresh {
		if p, ok := opts.Prior[m.ID()]; ok && p.Status == BuildSuccess && p.SQLHash == m.Hash() {
			return 0
		}
	}
	var n int64
	seen := map[string]bool{}
	var add func(id string)
	add = func(id string) {
		for _, p := range g.Parents[id] {
			if seen[p] {
				continue
			}
			seen[p] = true
			if pm := g.Models[p]; pm != nil && pm.Header.Materialized == project.MaterializeView {
				add(p)
			} else {
				n += rows[p]
			}
		}
	}
	add(m.ID())
	return n
}

// unknownBuild stands for the time a model never built (or built in no
// time) takes, in criticalPaths' sums.
const unknownBuild = time.Millisecond

// criticalPaths gives each selected model the time from its build's start
// to the end of the longest chain of selected models that reads it: its
// own build's and those of the chain's, each as long as its last build
// took. The models whose chains are longest start first: on two workers
// the roster's staging model, which the people's first months wait for,
// waited behind five small models that the other worker would have built
// in its shadow.
func criticalPaths(g *Graph, selected map[string]bool, prior map[string]warehouse.PriorBuild) map[string]time.Duration {
	path := make(map[string]time.Duration, len(selected))
	for i := len(g.Order) - 1; i >= 0; i-- { // children before what they read
		id := g.Order[i]
		if !selected[id] {
			continue
		}
		var longest time.Duration
		for _, c := range g.Children[id] {
			if selected[c] && path[c] > longest {
				longest = path[c]
			}
		}
		path[id] = max(prior[id].Duration, unknownBuild) + longest
	}
	return path
}

// readyQueue holds the models whose parents are built, and gives out the
// one with the longest critical path first (ties in the order pushed).
type readyQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	path   map[string]time.Duration
	ids    []string
	closed bool
}

func newReadyQueue(path map[string]time.Duration) *readyQueue {
	q := &readyQueue{path: path}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *readyQueue) push(id string) {
	q.mu.Lock()
	q.ids = append(q.ids, id)
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a model to build; false once the queue is closed.
func (q *readyQueue) pop() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.ids) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.ids) == 0 {
		return "", false
	}
	best := 0
	for i, id := range q.ids {
		if q.path[id] > q.path[q.ids[best]] {
			best = i
		}
	}
	id := q.ids[best]
	q.ids = append(q.ids[:best], q.ids[best+1:]...)
	return id, true
}

func (q *readyQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// unchanged reports whether model id's last build stands: it succeeded with
// the same file, and nothing the model reads changed after it.
func unchanged(g *Graph, id string, opts BuildOptions, changed map[string]time.Time) bool {
	prior, ok := opts.Prior[id]
	if !ok || prior.Status != BuildSuccess || prior.SQLHash != g.Models[id].Hash() {
		return false
	}
	for _, p := range g.Parents[id] {
		t, known := changedAt(g, p, opts, changed)
		if g.Models[p] != nil && !known {
			return false // a parent never built
		}
		if t.After(prior.FinishedAt) {
			return false
		}
	}
	return true
}

// changedAt is when what id holds last changed: its build, or a source's
// or meta table's load. A view holds what it reads, as it is now, so it
// changed too when anything it reads did, built again or not (a run that
// selects a model and not the view between it and a rebuilt table).
func changedAt(g *Graph, id string, opts BuildOptions, changed map[string]time.Time) (time.Time, bool) {
	t, known := changed[id]
	if !known {
		t, known = opts.Changes[id]
	}
	m := g.Models[id]
	if !known || m == nil || m.Header.Materialized != project.MaterializeView {
		return t, known
	}
	for _, p := range g.Parents[id] {
		if pt, ok := changedAt(g, p, opts, changed); ok && pt.After(t) {
			t = pt
		}
	}
	return t, known
}

// changedInputs lists what model id reads that changed since its last
// successful build; nil when that is not known (no such build recorded, or
// a failed build since), which makes an incremental model look at all of it.
func changedInputs(g *Graph, id string, opts BuildOptions, changed map[string]time.Time) []string {
	prior, ok := opts.Prior[id]
	if !ok || prior.Status != BuildSuccess {
		return nil
	}
	out := []string{}
	for _, p := range g.Parents[id] {
		t, known := changedAt(g, p, opts, changed)
		if !known || t.After(prior.FinishedAt) {
			out = append(out, p)
		}
	}
	return out
}

// listTables lists the tables and views of the models' schemas, by
// schema.name, as they are when the build begins: a model's table changes
// only with its own build, which comes after this is read. Listed once, the
// catalog is not asked before each build (whether a rerun keeps a model,
// what a build replaces): a rerun with nothing to build spent a fifth of its
// time asking it model by model. Nil when listing fails: each model is then
// looked up on its own.
func listTables(ctx context.Context, w *warehouse.Warehouse, schemas map[string]bool) map[string]string {
	listed := map[string]string{}
	for s := range schemas {
		kinds, err := w.TableKinds(ctx, s)
		if err != nil {
			return nil
		}
		for n, k := range kinds {
			listed[s+"."+n] = k
		}
	}
	return listed
}

// exists says whether a model's table (or view) is in the warehouse.
func exists(ctx context.Context, w *warehouse.Warehouse, listed map[string]string, m *project.Model) bool {
	if listed != nil {
		return listed[m.Schema+"."+m.Name] != ""
	}
	kind, err := w.TableKind(ctx, m.Schema, m.Name)
	return err == nil && kind != ""
}

func buildOne(ctx context.Context, w *warehouse.Warehouse, g *Graph, m *project.Model, opts BuildOptions, changed []string, listed map[string]string, lastTry bool) BuildResult {
	start := time.Now()
	runID := opts.RunID
	req := warehouse.BuildRequest{Schema: m.Schema, Name: m.Name, SQL: m.BodySQL(), View: m.Header.Materialized == project.MaterializeView,
		Existing: listed[m.Schema+"."+m.Name], Listed: listed != nil}
	rec := warehouse.ModelBuildRecord{RunID: runID, Model: m.ID(), Materialized: m.Header.Materialized, StartedAt: start, SQLHash: m.Hash()}
	if runID != "" {
		req.Record = &rec // a successful build writes it with the model
	}
	var rows int64
	var err error
	var parts *warehouse.PartitionBuild
	if m.Partitioned() {
		parts, err = w.BuildPartitioned(ctx, warehouse.PartitionedRequest{BuildRequest: req, Model: m.ID(), SQLHash: m.Hash(),
			Column: m.Header.PartitionBy, FromFirstChanged: m.Header.RebuildFromFirstChanged, FirstSeen: m.Header.FirstSeen,
			Inputs: g.Parents[m.ID()], ModelInputs: partitionedParents(g, m), Changed: changed, Full: opts.FullRefresh,
			Counts: opts.counts})
		if parts != nil {
			rows = parts.Rows
			if parts.Unchanged() && !req.View {
				// No input row changed: the table stands as it was built.
				return BuildResult{ID: m.ID(), Status: BuildUnchanged, Rows: rows, Duration: time.Since(start), Partitions: parts}
			}
		}
	} else {
		rows, err = w.BuildModel(ctx, req)
	}
	r := BuildResult{ID: m.ID(), Rows: rows, Duration: time.Since(start), Status: BuildSuccess, Partitions: parts}
	if err == nil {
		return r
	}
	r.Status = BuildFailed
	r.Err = &ModelError{Pos: diag.Pos{File: m.File, Line: warehouse.ModelLine(err)}, Model: m.ID(), Err: err}
	if runID != "" && (lastTry || !warehouse.IsOutOfMemory(err)) {
		// The build's transaction was rolled back with its record: the
		// failure is recorded on its own. The build's error is the one to
		// report should recording it fail too.
		rec.Duration, rec.Rows, rec.Status, rec.Error = r.Duration, rows, r.Status, r.Err.Error()
		_ = w.RecordModelBuild(ctx, rec)
	}
	return r
}

// partitionedParents lists the incremental models m reads that are
// partitioned by m's column: the warehouse tells their changed partitions by
// the builds that wrote them.
func partitionedParents(g *Graph, m *project.Model) []string {
	var out []string
	for _, p := range g.Parents[m.ID()] {
		pm := g.Models[p]
		// The same name exactly: the warehouse looks the column up by it.
		if pm != nil && pm.Header.Materialized == project.MaterializeIncremental && pm.Header.PartitionBy == m.Header.PartitionBy {
			out = append(out, p)
		}
	}
	return out
}

// ModelError is a failed build, placed in the model's file.
type ModelError struct {
	Pos   diag.Pos
	Model string
	Err   error
}

func (e *ModelError) Error() string {
	// An explained error's second line (DuckDB's words) is indented under it.
	return fmt.Sprintf("%s: build %s: %s", e.Pos, e.Model, strings.ReplaceAll(warehouse.FirstLine(e.Err), "\n", "\n    "))
}

func (e *ModelError) Unwrap() error { return e.Err }
