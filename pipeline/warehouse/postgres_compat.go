package warehouse

import (
	"context"
	"fmt"
)

// A few of DuckDB's functions that models use have no spelling both
// engines share; on PostgreSQL the warehouse defines them, with DuckDB's
// meaning, in a schema of their own (compatSchema) that every connection
// searches after pg_catalog, so model SQL calls them unchanged. The list is
// short on purpose: what both engines can write alike is written alike in
// the models instead.
const compatSchema = "jixiao_compat"

var compatFunctions = []string{
	// sha256 of text, as lower-case hexadecimal text (PostgreSQL's own
	// takes and returns bytea): the one-way person key of staging.
	`CREATE OR REPLACE FUNCTION ` + compatSchema + `.sha256(text) RETURNS text
		LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
		AS $$ SELECT encode(pg_catalog.sha256(convert_to($1, 'UTF8')), 'hex') $$`,
}

// createCompat defines compatFunctions, under a lock shared by every
// project in the database (they define the same functions).
func (w *Warehouse) createCompat(ctx context.Context) error {
	return w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('jixiao compat'))`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+compatSchema); err != nil {
			return fmt.Errorf("create schema %s: %w", compatSchema, err)
		}
		for _, f := range compatFunctions {
			if _, err := tx.ExecContext(ctx, f); err != nil {
				return fmt.Errorf("define DuckDB's functions for models: %w", err)
			}
		}
		return nil
	})
}
