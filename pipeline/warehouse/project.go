package warehouse

import (
	"context"
	"fmt"
)

// UnitRow is one unit of the project as meta.units stores it.
type UnitRow struct {
	Code, Name, Kind string
	Aliases          []string
}

// PublishProject replaces meta.project and meta.units with the project's
// settings, so SQL models read the plan year and units from jixiao.yaml
// instead of repeating them.
func (w *Warehouse) PublishProject(ctx context.Context, name string, planYear int, timezone string, units []UnitRow) error {
	err := w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta.project; DELETE FROM meta.units;`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta.project VALUES (?, ?, ?)`, name, planYear, timezone); err != nil {
			return err
		}
		for _, u := range units {
			aliases := make([]any, len(u.Aliases))
			for i, a := range u.Aliases {
				aliases[i] = a
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta.units VALUES (?, ?, ?, ?)`, u.Code, u.Name, u.Kind, aliases); err != nil {
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
