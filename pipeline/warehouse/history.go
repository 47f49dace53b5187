package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The engine's record in meta is read here only: the command line, the data
// guide and the status page call these methods, so a migration that changes
// a meta table changes its readers in this package, not at run time.

// RunTable lists the newest runs, newest first, with their totals and
// their status in Chinese.
func (w *Warehouse) RunTable(ctx context.Context, limit int) (*Result, error) {
	// Times are stored in UTC and shown in the project's time zone, as pages are.
	return w.metaQuery(ctx, "list runs", `SELECT run_id, command, coalesce(job, '') AS job,
			`+w.dialect(`strftime(timezone(coalesce((SELECT max(timezone) FROM meta.project), 'Asia/Shanghai'), timezone('UTC', started_at)),
				'%Y-%m-%d %H:%M:%S')`, `to_char(started_at AT TIME ZONE 'UTC' AT TIME ZONE coalesce((SELECT max(timezone) FROM meta.project), 'Asia/Shanghai'),
				'YYYY-MM-DD HH24:MI:SS')`)+` AS started,
			`+w.seconds("coalesce(finished_at, started_at) - started_at", 1)+` AS seconds,
			CASE status WHEN 'success' THEN '成功' WHEN 'failed' THEN '失败' WHEN 'running' THEN '进行中'
				WHEN '`+StatusInterrupted+`' THEN '中断' ELSE status END AS status, rows_loaded,
			rows_rejected, models_built, tests_failed, pages_written
		FROM meta.runs ORDER BY started_at DESC LIMIT ?`, limit)
}

// Run is one run's record; ok is false when there is no such run.
func (w *Warehouse) Run(ctx context.Context, id string) (r RunRecord, ok bool, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT run_id, command, coalesce(job, ''), coalesce(project, ''), started_at,
		coalesce(finished_at, started_at), status, coalesce(error, '') FROM meta.runs WHERE run_id = ?`, id).
		Scan(&r.RunID, &r.Command, &r.Job, &r.Project, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read run %s: %w", id, err)
	}
	return r, true, nil
}

// RunSteps lists a run's stages with their status and detail.
func (w *Warehouse) RunSteps(ctx context.Context, id string) (*Result, error) {
	return w.metaQuery(ctx, "read the run's steps", `SELECT step, status, `+w.seconds("finished_at - started_at", 2)+` AS seconds,
		coalesce(detail, '') AS detail FROM meta.run_steps WHERE run_id = ? ORDER BY started_at`, id)
}

// RunLoads lists what a run loaded, source by source and file by file,
// with each load's cursor (the newest value of a source's cursor column).
func (w *Warehouse) RunLoads(ctx context.Context, id string) (*Result, error) {
	return w.metaQuery(ctx, "read the run's loads", `SELECT source, coalesce(location, '') AS location, status, rows_read,
		rows_loaded, rows_rejected, coalesce(cursor_value, '') AS cursor_value FROM meta.source_loads WHERE run_id = ? ORDER BY source, location`, id)
}

// RunFailedModels lists the models a run did not build.
func (w *Warehouse) RunFailedModels(ctx context.Context, id string) (*Result, error) {
	return w.metaQuery(ctx, "read the run's failed models", `SELECT model, status, coalesce(error, '') AS error
		FROM meta.model_builds WHERE run_id = ? AND status <> 'success'`, id)
}

// RunUnpassedTests lists the data tests a run did not pass.
func (w *Warehouse) RunUnpassedTests(ctx context.Context, id string) (*Result, error) {
	return w.metaQuery(ctx, "read the run's data tests", `SELECT model, test_name, status, failures
		FROM meta.test_results WHERE run_id = ? AND status <> 'pass'`, id)
}

// QuarantineRows lists rejected input rows, newest first; source "" is every source.
func (w *Warehouse) QuarantineRows(ctx context.Context, source string, limit int) (*Result, error) {
	return w.metaQuery(ctx, "read the quarantine", `SELECT source, file, sheet, row_number, column_name, raw_value, reason, load_id
		FROM meta.quarantine WHERE ? = '' OR source = ? ORDER BY quarantined_at DESC, file, row_number LIMIT ?`, source, source, limit)
}

// LatestTestResults is each data test's newest result.
func (w *Warehouse) LatestTestResults(ctx context.Context) (*Result, error) {
	return w.metaQuery(ctx, "read the data tests' results", `SELECT model, test_name, severity, status, failures, ran_at, run_id, coalesce(sample, '') AS sample FROM (
		SELECT *, row_number() OVER (PARTITION BY model, test_name ORDER BY ran_at DESC) AS newest FROM meta.test_results) AS t
		WHERE newest = 1 ORDER BY model, test_name`)
}

// SourceLoadSummary is each source's last good load, rows loaded in all,
// and its latest load's status and error.
func (w *Warehouse) SourceLoadSummary(ctx context.Context) (*Result, error) {
	// The latest load is the one with the newest finish (arg_max's pick).
	return w.metaQuery(ctx, "summarise the loads", `SELECT source, max(finished_at) FILTER (WHERE status = 'success') AS last_ok,
		sum(rows_loaded) FILTER (WHERE status = 'success') AS rows,
		max(status) FILTER (WHERE latest = 1) AS last_status, max(error) FILTER (WHERE latest = 1) AS last_error
		FROM (SELECT *, CASE WHEN finished_at IS NULL THEN NULL
			ELSE row_number() OVER (PARTITION BY source ORDER BY finished_at DESC NULLS LAST) END AS latest FROM meta.source_loads) AS l
		GROUP BY source`)
}

// LastJobStart is when a scheduled job last started; ok is false when never.
func (w *Warehouse) LastJobStart(ctx context.Context, job string) (t time.Time, ok bool, err error) {
	var v sql.NullTime
	if err := w.db.QueryRowContext(ctx, `SELECT max(started_at) FROM meta.runs WHERE job = ?`, job).Scan(&v); err != nil {
		return time.Time{}, false, fmt.Errorf("read when job %s last ran: %w", job, err)
	}
	return v.Time, v.Valid, nil
}

func (w *Warehouse) metaQuery(ctx context.Context, what, query string, args ...any) (*Result, error) {
	res, err := w.Query(ctx, query, 0, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return res, nil
}
