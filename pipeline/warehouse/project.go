package warehouse

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UnitRow is one unit of the project as meta.units stores it.
type UnitRow struct {
	Code, Name, Kind string
	Aliases          []string
	Share            float64
}

// ProjectSettings are the project-wide values SQL models read from meta.project.
type ProjectSettings struct {
	Name                 string
	PlanYear             int
	Timezone             string
	PaceTolerance        float64
	OverachievementRatio float64
	RankStep             float64
	BonusCap             float64
	LateReportDeduction  float64
	ExecutionBasis       string
	Departments          []string
	LightYellow          float64
	LightRed             float64
}

// PublishProject replaces meta.project and meta.units with the project's
// settings, so SQL models read the plan year and units from jixiao.yaml
// instead of repeating them. Unchanged settings are left alone, so that
// models reading them count as unchanged too; published_at says when they
// last changed.
func (w *Warehouse) PublishProject(ctx context.Context, ps ProjectSettings, units []UnitRow) error {
	h := sha256.New()
	fmt.Fprintf(h, "%+v\x00", ps)
	for _, u := range units {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%v\x00", u.Code, u.Name, u.Kind, strings.Join(u.Aliases, "\x01"), u.Share)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	var current sql.NullString
	if err := w.db.QueryRowContext(ctx, `SELECT max(config_hash) FROM meta.project`).Scan(&current); err != nil {
		return fmt.Errorf("read published project settings: %w", err)
	}
	if current.String == hash {
		return nil
	}
	err := w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta.project; DELETE FROM meta.units;`); err != nil {
			return err
		}
		departments := w.textList(ps.Departments)
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta.project (name, plan_year, timezone, config_hash, published_at,
			pace_tolerance, overachievement_ratio, rank_step, bonus_cap, late_report_deduction, execution_basis, departments,
			light_yellow, light_red)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::VARCHAR[], ?, ?)`,
			ps.Name, ps.PlanYear, ps.Timezone, hash, time.Now().UTC(), ps.PaceTolerance, ps.OverachievementRatio, ps.RankStep, ps.BonusCap,
			ps.LateReportDeduction, ps.ExecutionBasis, departments, ps.LightYellow, ps.LightRed); err != nil {
			return err
		}
		for _, u := range units {
			aliases := w.textList(u.Aliases)
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta.units (unit_code, unit_name, unit_kind, aliases, share) VALUES (?, ?, ?, ?, ?)`,
				u.Code, u.Name, u.Kind, aliases, u.Share); err != nil {
				return fmt.Errorf("unit %s: %w", u.Code, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("publish project settings to meta: %w", err)
	}
	return nil
}

// textList is a list of text as the driver takes it for a VARCHAR[]: a
// []any for DuckDB's, a []string for pgx.
func (w *Warehouse) textList(items []string) any {
	if w.pg != nil {
		return append([]string{}, items...)
	}
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}

// ProjectPublishedAt is when the project settings in meta last changed.
func (w *Warehouse) ProjectPublishedAt(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	if err := w.db.QueryRowContext(ctx, `SELECT max(published_at) FROM meta.project`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read when project settings changed: %w", err)
	}
	return t.Time, nil
}

// PublishedSettings is what pages read of the settings the last run
// published to meta.project: the plan year, and the 运行监控表's light
// thresholds (as published, or their defaults in a warehouse from before
// they were settings).
type PublishedSettings struct {
	PlanYear              int
	LightYellow, LightRed float64
}

// Published reads the settings the last run published; ok is false when
// none has yet.
func (w *Warehouse) Published(ctx context.Context) (s PublishedSettings, ok bool, err error) {
	err = w.db.QueryRowContext(ctx, `SELECT plan_year, coalesce(light_yellow, 0.05), coalesce(light_red, 0.15) FROM meta.project LIMIT 1`).
		Scan(&s.PlanYear, &s.LightYellow, &s.LightRed)
	if errors.Is(err, sql.ErrNoRows) {
		return PublishedSettings{LightYellow: 0.05, LightRed: 0.15}, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("read the published project settings: %w", err)
	}
	return s, true, nil
}
