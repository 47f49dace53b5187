package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PriorBuild is a model's latest build as meta.model_builds records it.
type PriorBuild struct {
	Status     string
	SQLHash    string
	FinishedAt time.Time
	// Duration is how long the build took: what the next one may take.
	Duration time.Duration
}

// PriorBuilds returns each model's latest build, by model id.
func (w *Warehouse) PriorBuilds(ctx context.Context) (map[string]PriorBuild, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT model, status, coalesce(sql_hash, ''), coalesce(finished_at, started_at), coalesce(duration_ms, 0) FROM (
		SELECT *, row_number() OVER (PARTITION BY model ORDER BY started_at DESC) AS newest FROM meta.model_builds) AS b
		WHERE newest = 1`)
	if err != nil {
		return nil, fmt.Errorf("read earlier model builds: %w", err)
	}
	defer rows.Close()
	out := map[string]PriorBuild{}
	for rows.Next() {
		var id string
		var b PriorBuild
		var ms int64
		if err := rows.Scan(&id, &b.Status, &b.SQLHash, &b.FinishedAt, &ms); err != nil {
			return nil, err
		}
		b.Duration = time.Duration(ms) * time.Millisecond
		out[id] = b
	}
	return out, rows.Err()
}

// SourceChanges returns when each source last loaded data, by raw table id
// (raw.<source>).
func (w *Warehouse) SourceChanges(ctx context.Context) (map[string]time.Time, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT source, max(finished_at) FROM meta.source_loads WHERE status = 'success' GROUP BY source`)
	if err != nil {
		return nil, fmt.Errorf("read source loads: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var src string
		var t time.Time
		if err := rows.Scan(&src, &t); err != nil {
			return nil, err
		}
		out["raw."+src] = t
	}
	return out, rows.Err()
}

// LastRender is the newest successful render's inputs hash and site folder.
func (w *Warehouse) LastRender(ctx context.Context) (hash, site string, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT inputs_hash, site FROM meta.renders ORDER BY rendered_at DESC LIMIT 1`).Scan(&hash, &site)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read the last render: %w", err)
	}
	return hash, site, nil
}

// RecordRender notes a successful render and what it was made from.
func (w *Warehouse) RecordRender(ctx context.Context, runID, hash, site string, pages int) error {
	return w.Exec(ctx, `INSERT INTO meta.renders VALUES (?, ?, ?, ?, ?)`, runID, hash, site, pages, time.Now().UTC())
}

// UnpassedTests returns the tests (TestKey) whose last result was not a
// pass, warnings included: a rerun runs them again, changed or not, so a
// standing warning stays in every run's summary.
func (w *Warehouse) UnpassedTests(ctx context.Context) (map[string]bool, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT model, test_name FROM (
		SELECT model, test_name, status, row_number() OVER (PARTITION BY model, test_name ORDER BY ran_at DESC) AS newest
		FROM meta.test_results) AS t
		WHERE newest = 1 AND status <> 'pass'`)
	if err != nil {
		return nil, fmt.Errorf("read test results: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var m, n string
		if err := rows.Scan(&m, &n); err != nil {
			return nil, err
		}
		out[TestKey(m, n)] = true
	}
	return out, rows.Err()
}

// SourceFailure is a source whose latest load failed.
type SourceFailure struct {
	Source string
	At     time.Time
	Error  string
}

// FailedSources lists the sources whose most recent run of loads had a
// failure: the pages built on their older data say so.
func (w *Warehouse) FailedSources(ctx context.Context) ([]SourceFailure, error) {
	// The run that last loaded a source decides: any of its files failing
	// there means some of the source's data is older than the rest.
	rows, err := w.db.QueryContext(ctx, `WITH last_run AS (
			SELECT source, run_id FROM (SELECT source, run_id,
				row_number() OVER (PARTITION BY source ORDER BY started_at DESC) AS newest FROM meta.source_loads) AS l
			WHERE newest = 1)
		SELECT l.source, max(coalesce(l.finished_at, l.started_at)), min(coalesce(l.error, ''))
		FROM meta.source_loads l JOIN last_run r ON r.source = l.source AND r.run_id = l.run_id
		WHERE l.status = 'failed' GROUP BY l.source ORDER BY l.source`)
	if err != nil {
		return nil, fmt.Errorf("read failed sources: %w", err)
	}
	defer rows.Close()
	var out []SourceFailure
	for rows.Next() {
		var f SourceFailure
		if err := rows.Scan(&f.Source, &f.At, &f.Error); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
