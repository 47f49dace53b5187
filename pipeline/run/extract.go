package run

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	env := extract.Env{FS: p.FS, Getenv: o.Getenv, Units: extract.NewUnitIndex(p.Config.Units)}
	o.Reporter.Stage("读取数据源", len(chosen))
	var errs []string
	var rows int64
	for i, src := range chosen {
		out := extractOne(ctx, w, env, src, o, s.RunID)
		s.Sources = append(s.Sources, out)
		rows += out.RowsLoaded
		if out.Err != nil {
			errs = append(errs, out.Err.Error())
		}
		o.Reporter.Item(i+1, len(chosen), src.Name, out.Err != nil)
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
	}
	detail := fmt.Sprintf("%d sources, %d rows loaded", len(chosen), rows)
	if len(errs) > 0 {
		return detail, fmt.Errorf("%d source(s) failed:\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
	return detail, nil
}

func extractOne(ctx context.Context, w *warehouse.Warehouse, env extract.Env, src *project.Source, o Options, runID string) SourceOutcome {
	out := SourceOutcome{Name: src.Name}
	state := extract.State{}
	kind, err := w.TableKind(ctx, project.RawSchema, src.Name)
	if err != nil {
		out.Err = err
		return out
	}
	// Without its raw table, earlier loads count for nothing.
	if kind != "" && !o.FullRefresh {
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
	out.Warnings = res.Warnings
	if len(res.Loads) == 0 && kind == "" {
		// A source with nothing to load yet still gets its (empty) raw
		// table, so that the models reading it build.
		empty, err := array.NewRecordReader(extract.Schema(src), nil)
		if err == nil {
			res.Loads = append(res.Loads, extract.Load{Location: "(empty)", Reader: empty})
		}
	}
	for i, l := range res.Loads {
		req := warehouse.LoadRequest{
			LoadID: fmt.Sprintf("%s-%s-%d", runID, src.Name, i+1), RunID: runID, Source: src.Name, Kind: src.Kind,
			Schema: project.RawSchema, Table: src.Name, Mode: src.Load, Key: src.Key,
			Reader: l.Reader, Location: l.Location, ContentHash: l.ContentHash, CursorValue: l.Cursor,
			RowsRead: l.RowsRead, RowsRejected: int64(len(rejectedRows(l.Rejected))), StartedAt: started,
		}
		if l.ReplacesLocation {
			req.ReplaceFiles = []string{l.Location}
		}
		// A full refresh starts the raw table over: its first load replaces.
		if o.FullRefresh && i == 0 {
			req.Mode = warehouse.ModeReplace
		}
		if l.Stats != nil {
			stats := l.Stats
			req.Late = func() warehouse.LateStats {
				st := stats()
				return warehouse.LateStats{RowsRead: st.RowsRead, RowsRejected: int64(len(rejectedRows(st.Rejected))),
					Quarantine: quarantineRows(st.Rejected), CursorValue: st.Cursor}
			}
		}
		req.Quarantine = quarantineRows(l.Rejected)
		n, err := w.Load(ctx, req)
		if rerr := l.Reader.Err(); err != nil && rerr != nil {
			// The stream's own error (a file that cannot be parsed) says
			// more than DuckDB's report that the stream failed.
			err = rerr
		}
		l.Reader.Release()
		if err != nil {
			out.Err = fmt.Errorf("source %s: %w", src.Name, err)
			if rerr := w.RecordFailedLoad(context.WithoutCancel(ctx), req, err); rerr != nil {
				out.Err = errors.Join(out.Err, rerr)
			}
			// Release the readers of the loads not reached.
			for _, rest := range res.Loads[i+1:] {
				rest.Reader.Release()
			}
			return out
		}
		out.Loads++
		out.RowsLoaded += n
		if l.Stats != nil {
			st := l.Stats()
			out.RowsRead += st.RowsRead
			out.RowsRejected += int64(len(rejectedRows(st.Rejected)))
			out.Warnings = append(out.Warnings, st.Warnings...)
		} else {
			out.RowsRead += l.RowsRead
			out.RowsRejected += req.RowsRejected
		}
	}
	return out
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
