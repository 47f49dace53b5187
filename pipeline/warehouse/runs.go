package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RunRecord is one row of meta.runs.
type RunRecord struct {
	RunID         string
	Command       string
	Job           string
	Project       string
	StartedAt     time.Time
	FinishedAt    time.Time
	Status        string
	Error         string
	SourcesLoaded int
	RowsLoaded    int64
	RowsRejected  int64
	ModelsBuilt   int
	ModelsFailed  int
	TestsPassed   int
	TestsFailed   int
	TestsWarned   int
	PagesWritten  int
}

// Run statuses.
const (
	StatusRunning = "running"
	StatusSuccess = "success"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	StatusWarn    = "warn"
	// StatusInterrupted (中断) is a run whose process ended without
	// finishing it: killed, or the machine lost power.
	StatusInterrupted = "interrupted"
)

// StatusLabel is how a status in meta (a run's, a step's, a load's, a
// build's, a data test's) reads for people; one it does not know reads as
// itself.
func StatusLabel(status string) string {
	switch status {
	case StatusSuccess:
		return "成功"
	case StatusFailed:
		return "失败"
	case StatusInterrupted:
		return "中断"
	case "running":
		return "进行中"
	case "skipped":
		return "跳过"
	case "unchanged":
		return "无变化"
	case "pass":
		return "通过"
	case "warn":
		return "警告"
	case "fail":
		return "未通过"
	case "error":
		return "出错"
	}
	return status
}

// MarkInterrupted closes the runs that are still recorded as running: their
// process ended without finishing them. Only the process that holds the
// warehouse's write lock may call it (see package lock), before it starts
// its own run: no other run can then be in progress. by names that run, for
// the note. Each interrupted run's finish is the last moment it recorded.
func (w *Warehouse) MarkInterrupted(ctx context.Context, by string) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT run_id FROM meta.runs WHERE status = ? ORDER BY started_at`, StatusRunning)
	if err != nil {
		return nil, fmt.Errorf("find unfinished runs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return nil, err
	}
	note := "运行中断：进程在运行中途结束（被强制终止、断电或崩溃），没有正常完成；未提交的部分已自动撤销，已完成的步骤见 jixiao runs <运行编号>。由运行 " + by + " 发现并标记"
	err = w.Exec(ctx, `UPDATE meta.runs r SET status = ?, error = ?,
		finished_at = coalesce(greatest(
			(SELECT max(s.finished_at) FROM meta.run_steps s WHERE s.run_id = r.run_id),
			(SELECT max(b.finished_at) FROM meta.model_builds b WHERE b.run_id = r.run_id),
			(SELECT max(l.finished_at) FROM meta.source_loads l WHERE l.run_id = r.run_id)), r.started_at)
		WHERE status = ?`, StatusInterrupted, note, StatusRunning)
	if err != nil {
		return nil, fmt.Errorf("mark unfinished runs interrupted: %w", err)
	}
	return ids, nil
}

// StartRun records that a run began.
func (w *Warehouse) StartRun(ctx context.Context, r RunRecord) error {
	err := w.Exec(ctx, `INSERT INTO meta.runs (run_id, command, job, project, started_at, status) VALUES (?, ?, ?, ?, ?, ?)`,
		r.RunID, r.Command, nullString(r.Job), r.Project, r.StartedAt.UTC(), StatusRunning)
	if err != nil {
		return fmt.Errorf("record run start %s: %w", r.RunID, err)
	}
	return nil
}

// FinishRun records a run's outcome and totals.
func (w *Warehouse) FinishRun(ctx context.Context, r RunRecord) error {
	err := w.Exec(ctx, `UPDATE meta.runs SET finished_at = ?, status = ?, error = ?, sources_loaded = ?, rows_loaded = ?,
		rows_rejected = ?, models_built = ?, models_failed = ?, tests_passed = ?, tests_failed = ?, tests_warned = ?, pages_written = ?
		WHERE run_id = ?`,
		r.FinishedAt.UTC(), r.Status, nullString(r.Error), r.SourcesLoaded, r.RowsLoaded, r.RowsRejected, r.ModelsBuilt,
		r.ModelsFailed, r.TestsPassed, r.TestsFailed, r.TestsWarned, r.PagesWritten, r.RunID)
	if err != nil {
		return fmt.Errorf("record run finish %s: %w", r.RunID, err)
	}
	return nil
}

// StepRecord is one stage of a run in meta.run_steps.
type StepRecord struct {
	RunID      string
	Step       string
	StartedAt  time.Time
	FinishedAt time.Time
	Status     string
	Detail     string
}

// RecordStep stores one finished stage of a run.
func (w *Warehouse) RecordStep(ctx context.Context, s StepRecord) error {
	return w.Exec(ctx, `INSERT INTO meta.run_steps VALUES (?, ?, ?, ?, ?, ?)`,
		s.RunID, s.Step, s.StartedAt.UTC(), s.FinishedAt.UTC(), s.Status, nullString(s.Detail))
}

// ModelBuildRecord is one row of meta.model_builds.
type ModelBuildRecord struct {
	RunID        string
	Model        string
	Materialized string
	StartedAt    time.Time
	Duration     time.Duration
	Rows         int64
	Status       string
	Error        string
	// SQLHash is the hash of the model file the build ran.
	SQLHash string
}

// RecordModelBuild stores the outcome of one model build.
func (w *Warehouse) RecordModelBuild(ctx context.Context, b ModelBuildRecord) error {
	return insertModelBuild(ctx, w.db, b)
}

// insertModelBuild writes b into meta.model_builds through db: the
// warehouse, or a build's transaction.
func insertModelBuild(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, b ModelBuildRecord) error {
	var rows any = b.Rows
	if b.Rows < 0 {
		rows = nil
	}
	_, err := db.ExecContext(ctx, `INSERT INTO meta.model_builds (run_id, model, materialized, started_at, duration_ms, row_count, status, error, sql_hash, finished_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.RunID, b.Model, b.Materialized, b.StartedAt.UTC(), b.Duration.Milliseconds(), rows, b.Status, nullString(b.Error),
		nullString(b.SQLHash), b.StartedAt.Add(b.Duration).UTC())
	return err
}

// TestResultRecord is one row of meta.test_results.
type TestResultRecord struct {
	RunID    string
	Model    string
	TestName string
	Kind     string
	Severity string
	Status   string
	Failures int64
	Sample   string
	Error    string
	RanAt    time.Time
}

// RecordTestResult stores one data test's outcome.
func (w *Warehouse) RecordTestResult(ctx context.Context, t TestResultRecord) error {
	return w.RecordTestResults(ctx, []TestResultRecord{t})
}

// RecordTestResults stores data tests' outcomes in one transaction: a run's
// hundred results cost one commit, not one each (0.16 s of CPU, and an
// fsync each, for the default project's 107).
func (w *Warehouse) RecordTestResults(ctx context.Context, ts []TestResultRecord) error {
	rows := make([][]any, len(ts))
	for i, t := range ts {
		rows[i] = []any{t.RunID, t.Model, t.TestName, t.Kind, t.Severity, t.Status, t.Failures, nullString(t.Sample), nullString(t.Error), t.RanAt.UTC()}
	}
	return w.withTx(ctx, func(tx txConn) error { return insertRows(ctx, tx, "meta.test_results", rows) })
}

// LastTestRuns returns when each data test last ran, by TestKey.
func (w *Warehouse) LastTestRuns(ctx context.Context) (map[string]time.Time, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT model, test_name, max(ran_at) FROM meta.test_results GROUP BY model, test_name`)
	if err != nil {
		return nil, fmt.Errorf("read test results: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var model, name string
		var at time.Time
		if err := rows.Scan(&model, &name, &at); err != nil {
			return nil, err
		}
		out[TestKey(model, name)] = at
	}
	return out, rows.Err()
}

// TestKey names a data test: its model and its name.
func TestKey(model, name string) string { return model + "\x00" + name }

// RecentRuns lists the newest runs first.
func (w *Warehouse) RecentRuns(ctx context.Context, limit int) ([]RunRecord, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT run_id, command, coalesce(job, ''), coalesce(project, ''), started_at,
		coalesce(finished_at, started_at), status, coalesce(error, ''), sources_loaded, rows_loaded, rows_rejected,
		models_built, models_failed, tests_passed, tests_failed, tests_warned, pages_written
		FROM meta.runs ORDER BY started_at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunRecord
	for rows.Next() {
		var r RunRecord
		if err := rows.Scan(&r.RunID, &r.Command, &r.Job, &r.Project, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error,
			&r.SourcesLoaded, &r.RowsLoaded, &r.RowsRejected, &r.ModelsBuilt, &r.ModelsFailed, &r.TestsPassed,
			&r.TestsFailed, &r.TestsWarned, &r.PagesWritten); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func nullString(s string) any {
	if s == "" {
		return sql.NullString{}
	}
	return s
}

// LastLoadTime is when the newest successful source load finished: what the
// dashboards' 数据截至 stamp shows. Zero when nothing was loaded.
func (w *Warehouse) LastLoadTime(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	if err := w.db.QueryRowContext(ctx, `SELECT max(finished_at) FROM meta.source_loads WHERE status = 'success'`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read last load time: %w", err)
	}
	if !t.Valid {
		return time.Time{}, nil
	}
	return t.Time, nil
}

// LatestDate is the newest value of schema.table.column as a date (the
// period the data covers); ok is false when the table is missing or empty.
func (w *Warehouse) LatestDate(ctx context.Context, schema, table, column string) (t time.Time, ok bool, err error) {
	if kind, err := w.TableKind(ctx, schema, table); err != nil || kind == "" {
		return time.Time{}, false, err
	}
	var v sql.NullTime
	q := "SELECT max(" + QuoteIdent(column) + ")::TIMESTAMP FROM " + QuoteTable(schema, table)
	if err := w.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return time.Time{}, false, fmt.Errorf("read the data period from %s.%s.%s: %w", schema, table, column, err)
	}
	return v.Time, v.Valid, nil
}
