package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"jixiao/pipeline/extract"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// extractSources loads every chosen source. A source that fails does not
// stop the others; every failure is returned together.
func extractSources(ctx context.Context, w *warehouse.Warehouse, p *project.Project, o Options, s *Summary) (string, error) {
	chosen := p.Sources
	if len(o.Sources) > 0 {
		chosen = nil
		for _, name := range o.Sources {
			src := p.Source(name)
			if src == nil {
				return "", fmt.Errorf("no source named %q (sources: %s)", name, sourceNames(p))
			}
			chosen = append(chosen, src)
		}
	}
	loc := p.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	env := extract.Env{FS: p.FS, Getenv: o.Getenv, Units: extract.NewUnitIndex(p.Config.Units),
		PlanYear: p.Config.PlanYear, Today: o.Now().In(loc)}
	o.Reporter.Stage("读取数据源", len(chosen))
	// Sources load into different tables, so they may extract at the same
	// time: one parses while another's rows go into DuckDB.
	outs := make([]SourceOutcome, len(chosen))
	workers := max(1, p.Config.Concurrency)
	next := make(chan int)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outs[i] = extractOne(ctx, w, env, chosen[i], o, s.RunID)
				mu.Lock()
				done++
				o.Reporter.Item(done, len(chosen), chosen[i].Name, outs[i].Err != nil)
				mu.Unlock()
			}
		}()
	}
	for _, i := range largestFirst(p, chosen, o.Registries.Extractors) {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	var errs, warnings []string
	var rows int64
	for i, out := range outs {
		// Files the source's path passes over are reported, not skipped
		// without a word; so even when the source itself failed.
		out.Warnings = append(o.Registries.Extractors.IgnoredFiles(p, chosen[i]), out.Warnings...)
		s.Sources = append(s.Sources, out)
		rows += out.RowsLoaded
		if out.Err != nil {
			errs = append(errs, out.Err.Error())
		}
		for _, d := range out.Warnings {
			warnings = append(warnings, d.String())
		}
	}
	detail := fmt.Sprintf("%d 个数据源，入库 %d 行", len(chosen), rows)
	if len(warnings) > 0 {
		detail += fmt.Sprintf("；%d 条警告：\n  %s", len(warnings), strings.Join(warnings, "\n  "))
	}
	if len(errs) > 0 {
		return detail, fmt.Errorf("%d source(s) failed:\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	return detail, nil
}

// largestFirst is the order to start the sources in: those whose size is
// not known (databases, APIs) first, then file sources by the bytes they
// read, largest first. A large export started last would run alone while
// the other workers stand idle; started first, the small sources fill in
// beside it. Outcomes are reported in the declared order all the same.
func largestFirst(p *project.Project, chosen []*project.Source, reg *extract.Registry) []int {
	type weighed struct {
		index int
		known bool
		size  int64
	}
	ws := make([]weighed, len(chosen))
	for i, src := range chosen {
		size, known := reg.FileBytes(p, src)
		ws[i] = weighed{index: i, known: known, size: size}
	}
	sort.SliceStable(ws, func(a, b int) bool {
		if ws[a].known != ws[b].known {
			return !ws[a].known
		}
		return ws[a].size > ws[b].size
	})
	order := make([]int, len(ws))
	for i, w := range ws {
		order[i] = w.index
	}
	return order
}

func extractOne(ctx context.Context, w *warehouse.Warehouse, env extract.Env, src *project.Source, o Options, runID string) SourceOutcome {
	out := SourceOutcome{Name: src.Name}
	state := extract.State{}
	kind, err := w.TableKind(ctx, project.RawSchema, src.Name)
	if err != nil {
		out.Err = err
		return out
	}
	// A raw table that lacks a declared column cannot take new rows, and
	// one whose column changed type would hold both kinds in it (numbers
	// and the keys of a pseudonym): the source is loaded again whole, as a
	// full refresh would.
	reload, stale := o.FullRefresh, []string(nil)
	if kind != "" {
		loaded, err := w.Columns(ctx, project.RawSchema, src.Name)
		if err != nil {
			out.Err = err
			return out
		}
		recorded, err := w.DeclaredColumns(ctx, src.Name)
		if err != nil {
			out.Err = err
			return out
		}
		if stale = staleColumns(src, loaded, recorded); len(stale) > 0 {
			if !reload {
				out.Warnings.Warnf(src.Pos, "%s %s, so the source is loaded again whole", src.Table(), strings.Join(stale, "; "))
			}
			reload = true
			// The incremental models built on its rows cannot take rows of
			// other columns or types into their tables: each is built whole
			// next, even after an extract --full-refresh alone. Forgotten
			// before the load: should it fail, the next build is whole all
			// the same, and costs only time.
			if err := w.ForgetPartitionInputs(ctx); err != nil {
				out.Err = err
				return out
			}
		}
	}
	// Without its raw table, earlier loads count for nothing.
	if kind != "" && !reload {
		if state.Hashes, err = w.LoadedHashes(ctx, src.Name); err != nil {
			out.Err = err
			return out
		}
		if state.Cursor, err = w.LastCursor(ctx, src.Name); err != nil {
			out.Err = err
			return out
		}
	}
	started := o.Now()
	res, err := o.Registries.Extractors.Extract(ctx, env, src, state)
	if err != nil {
		out.Err = fmt.Errorf("source %s: %w", src.Name, err)
		req := warehouse.LoadRequest{LoadID: runID + "-" + src.Name, RunID: runID, Source: src.Name, Kind: src.Kind, StartedAt: started}
		if rerr := w.RecordFailedLoad(context.WithoutCancel(ctx), req, err); rerr != nil {
			out.Err = errors.Join(out.Err, rerr)
		}
		return out
	}
	out.Skipped = res.Skipped
	out.Warnings = append(out.Warnings, res.Warnings...)
	for loc, hash := range res.Rehashed {
		if err := w.RecordContentHash(ctx, src.Name, loc, state.Hashes[loc], hash); err != nil {
			out.Err = err
			return out
		}
	}
	if len(res.Loads) == 0 && (kind == "" || (len(stale) > 0 && len(res.Failed) == 0)) {
		// A source with nothing to load yet still gets its (empty) raw
		// table, so that the models reading it build; so does a reloaded
		// source that has no rows now (an empty database table). One whose
		// files failed keeps its table, and fails.
		empty, err := array.NewRecordReader(extract.Schema(src), nil)
		if err == nil {
			res.Loads = append(res.Loads, extract.Load{Location: "(empty)", Reader: empty})
		}
	}
	reqs := make([]warehouse.LoadRequest, len(res.Loads))
	for i, l := range res.Loads {
		req := warehouse.LoadRequest{
			LoadID: fmt.Sprintf("%s-%s-%d", runID, src.Name, i+1), RunID: runID, Source: src.Name, Kind: src.Kind,
			Schema: project.RawSchema, Table: src.Name, Mode: src.Load, Key: src.Key,
			Reader: l.Reader, File: l.File, Location: l.Location, ContentHash: l.ContentHash, StartedAt: started,
			Appends: l.Appends, CursorColumn: l.CursorColumn, Declared: declaredTypes(src),
		}
		if l.ReplacesLocation {
			req.ReplaceFiles = []string{l.Location}
		}
		// A full refresh (or a reload) starts the raw table over: its first
		// load replaces.
		if reload && i == 0 {
			req.Mode = warehouse.ModeReplace
		}
		req.Stats = func() warehouse.LoadStats { return loadStats(l.Stats()) }
		reqs[i] = req
	}
	var errs []error
	if len(reqs) > 0 {
		// The source's loads commit together: one transaction, all or none.
		loaded, err := w.LoadAll(ctx, reqs)
		for _, l := range res.Loads {
			if rerr := l.Reader.Err(); err != nil && rerr != nil {
				// The stream's own error (a file that cannot be parsed) says
				// more than DuckDB's report that the stream failed.
				err = rerr
			}
		}
		for _, l := range res.Loads {
			l.Reader.Release()
		}
		if err != nil {
			errs = append(errs, err)
			for _, req := range reqs {
				if rerr := w.RecordFailedLoad(context.WithoutCancel(ctx), req, err); rerr != nil {
					errs = append(errs, rerr)
				}
			}
		} else {
			for i, l := range res.Loads {
				out.Loads++
				out.RowsLoaded += loaded[i]
				st := l.Stats()
				out.RowsRead += st.RowsRead
				out.RowsRejected += int64(len(rejectedRows(st.Rejected)))
				out.Warnings = append(out.Warnings, st.Warnings...)
			}
		}
	}
	// Files that could not be read fail the source, but not its other files.
	for _, f := range res.Failed {
		errs = append(errs, f.Err)
		req := warehouse.LoadRequest{LoadID: fmt.Sprintf("%s-%s-failed-%d", runID, src.Name, len(errs)), RunID: runID,
			Source: src.Name, Kind: src.Kind, Location: f.Location, StartedAt: started}
		if rerr := w.RecordFailedLoad(context.WithoutCancel(ctx), req, f.Err); rerr != nil {
			errs = append(errs, rerr)
		}
	}
	if len(errs) > 0 {
		out.Err = fmt.Errorf("source %s: %w", src.Name, errors.Join(errs...))
	}
	return out
}

// loadStats are an extract's figures as the warehouse records them.
func loadStats(st extract.LoadStats) warehouse.LoadStats {
	return warehouse.LoadStats{RowsRead: st.RowsRead, RowsRejected: int64(len(rejectedRows(st.Rejected))),
		Quarantine: quarantineRows(st.Rejected), CursorValue: st.Cursor}
}

func quarantineRows(rs []extract.Rejection) []warehouse.QuarantineRow {
	out := make([]warehouse.QuarantineRow, len(rs))
	for i, r := range rs {
		out[i] = warehouse.QuarantineRow{File: r.Pos.File, Sheet: r.Pos.Sheet, Row: int64(r.Pos.Row), Column: r.Pos.Column,
			RawValue: r.RawValue, Reason: r.Reason}
	}
	return out
}

// rejectedRows counts distinct rows among rejections (one row may have
// several bad cells).
func rejectedRows(rs []extract.Rejection) map[string]bool {
	rows := map[string]bool{}
	for _, r := range rs {
		rows[fmt.Sprintf("%s\x00%s\x00%d", r.Pos.File, r.Pos.Sheet, r.Pos.Row)] = true
	}
	return rows
}

func sourceNames(p *project.Project) string {
	var names []string
	for _, s := range p.Sources {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}
