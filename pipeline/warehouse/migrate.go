package warehouse

import (
	"context"
	"fmt"
	"regexp"
)

// migrations create and evolve the engine's own schemas. They only ever get
// appended to: a warehouse that has run for years is upgraded in place.
var migrations = []string{
	// 1: the layout of the first release.
	`CREATE SCHEMA IF NOT EXISTS raw;
	CREATE SCHEMA IF NOT EXISTS meta;
	CREATE TABLE IF NOT EXISTS meta.runs (
		run_id VARCHAR PRIMARY KEY,
		command VARCHAR NOT NULL,
		job VARCHAR,
		project VARCHAR,
		started_at TIMESTAMP NOT NULL,
		finished_at TIMESTAMP,
		status VARCHAR NOT NULL,
		error VARCHAR,
		sources_loaded INTEGER DEFAULT 0,
		rows_loaded BIGINT DEFAULT 0,
		rows_rejected BIGINT DEFAULT 0,
		models_built INTEGER DEFAULT 0,
		models_failed INTEGER DEFAULT 0,
		tests_passed INTEGER DEFAULT 0,
		tests_failed INTEGER DEFAULT 0,
		tests_warned INTEGER DEFAULT 0,
		pages_written INTEGER DEFAULT 0
	);
	CREATE TABLE IF NOT EXISTS meta.run_steps (
		run_id VARCHAR NOT NULL,
		step VARCHAR NOT NULL,
		started_at TIMESTAMP NOT NULL,
		finished_at TIMESTAMP,
		status VARCHAR NOT NULL,
		detail VARCHAR
	);
	CREATE TABLE IF NOT EXISTS meta.model_builds (
		run_id VARCHAR NOT NULL,
		model VARCHAR NOT NULL,
		materialized VARCHAR NOT NULL,
		started_at TIMESTAMP NOT NULL,
		duration_ms BIGINT,
		row_count BIGINT,
		status VARCHAR NOT NULL,
		error VARCHAR
	);
	CREATE TABLE IF NOT EXISTS meta.test_results (
		run_id VARCHAR NOT NULL,
		model VARCHAR NOT NULL,
		test_name VARCHAR NOT NULL,
		kind VARCHAR NOT NULL,
		severity VARCHAR NOT NULL,
		status VARCHAR NOT NULL,
		failures BIGINT,
		sample VARCHAR,
		error VARCHAR,
		ran_at TIMESTAMP NOT NULL
	);
	CREATE TABLE IF NOT EXISTS meta.source_loads (
		load_id VARCHAR PRIMARY KEY,
		run_id VARCHAR,
		source VARCHAR NOT NULL,
		kind VARCHAR NOT NULL,
		location VARCHAR,
		content_hash VARCHAR,
		cursor_value VARCHAR,
		rows_read BIGINT DEFAULT 0,
		rows_loaded BIGINT DEFAULT 0,
		rows_rejected BIGINT DEFAULT 0,
		started_at TIMESTAMP NOT NULL,
		finished_at TIMESTAMP,
		status VARCHAR NOT NULL,
		error VARCHAR
	);
	CREATE TABLE IF NOT EXISTS meta.quarantine (
		load_id VARCHAR NOT NULL,
		source VARCHAR NOT NULL,
		file VARCHAR,
		sheet VARCHAR,
		row_number BIGINT,
		column_name VARCHAR,
		raw_value VARCHAR,
		reason VARCHAR NOT NULL,
		quarantined_at TIMESTAMP NOT NULL
	);
	CREATE TABLE IF NOT EXISTS meta.project (
		name VARCHAR NOT NULL,
		plan_year INTEGER NOT NULL,
		timezone VARCHAR NOT NULL
	);
	CREATE TABLE IF NOT EXISTS meta.units (
		unit_code VARCHAR PRIMARY KEY,
		unit_name VARCHAR NOT NULL,
		unit_kind VARCHAR NOT NULL,
		aliases VARCHAR[]
	);`,
	// 2: what a rerun needs to tell what changed since the last run.
	`ALTER TABLE meta.model_builds ADD COLUMN IF NOT EXISTS sql_hash VARCHAR;
	ALTER TABLE meta.model_builds ADD COLUMN IF NOT EXISTS finished_at TIMESTAMP;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS config_hash VARCHAR;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS published_at TIMESTAMP;
	CREATE TABLE IF NOT EXISTS meta.renders (
		run_id VARCHAR NOT NULL,
		inputs_hash VARCHAR NOT NULL,
		site VARCHAR NOT NULL,
		pages INTEGER NOT NULL,
		rendered_at TIMESTAMP NOT NULL
	);`,
	// 3: allocation shares and the configurable scoring rules.
	`ALTER TABLE meta.units ADD COLUMN IF NOT EXISTS share DOUBLE;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS pace_tolerance DOUBLE;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS overachievement_ratio DOUBLE;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS rank_step DOUBLE;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS bonus_cap DOUBLE;`,
	// 4: the deduction for a late monthly report.
	`ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS late_report_deduction DOUBLE;`,
	// 5: how budget execution is scored, and 市残联's departments.
	`ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS execution_basis VARCHAR;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS departments VARCHAR[];`,
	// 6: the bands of the 运行监控表's red, amber and green lights.
	`ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS light_yellow DOUBLE;
	ALTER TABLE meta.project ADD COLUMN IF NOT EXISTS light_red DOUBLE;`,
	// 7: partitioned models: the rows each build's inputs held, by load and
	// partition, and the rows each partition of an incremental model holds.
	`CREATE TABLE IF NOT EXISTS meta.partition_inputs (
		model VARCHAR NOT NULL,
		sql_hash VARCHAR NOT NULL,
		input VARCHAR NOT NULL,
		load_id VARCHAR,
		part VARCHAR,
		rows BIGINT NOT NULL
	);
	CREATE TABLE IF NOT EXISTS meta.partition_rows (
		model VARCHAR NOT NULL,
		part VARCHAR,
		rows BIGINT NOT NULL
	);`,
	// 8: which build last wrote each partition of an incremental model, so
	// that a model reading it can tell its changed partitions by that, as by
	// a raw table's load ids.
	`ALTER TABLE meta.partition_rows ADD COLUMN IF NOT EXISTS version VARCHAR;`,
	// 9: each source's declared columns and types as its raw table holds
	// them, so that a type changed in place (a cert_no redeclared as a
	// pseudonym) reloads the source instead of mixing both in one column.
	`CREATE TABLE IF NOT EXISTS meta.source_columns (
		source VARCHAR NOT NULL,
		column_name VARCHAR NOT NULL,
		declared_type VARCHAR NOT NULL
	);`,
	// 10: the tables each SQL text reads, as the parser of one build of
	// jixiao found them (see TableRefs).
	`CREATE TABLE IF NOT EXISTS meta.sql_refs (
		stamp VARCHAR NOT NULL,
		sql_hash VARCHAR NOT NULL,
		refs VARCHAR NOT NULL,
		PRIMARY KEY (stamp, sql_hash)
	);`,
}

func (w *Warehouse) migrate(ctx context.Context) error {
	if err := w.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS meta;
		CREATE TABLE IF NOT EXISTS meta.schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("create meta.schema_migrations: %w", err)
	}
	var current int
	if err := w.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM meta.schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("the warehouse was written by a newer jixiao (schema version %d, this binary knows %d): upgrade jixiao", current, len(migrations))
	}
	for v := current + 1; v <= len(migrations); v++ {
		err := w.withTx(ctx, func(tx txConn) error {
			if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO meta.schema_migrations VALUES (?, now()::TIMESTAMP)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("apply warehouse migration %d: %w", v, err)
		}
	}
	return w.dropIngestViews(ctx)
}

// dropIngestViews removes the Arrow views that loads of earlier versions
// left in the catalog: their streams are gone, and reading one crashes.
func (w *Warehouse) dropIngestViews(ctx context.Context) error {
	rows, err := w.db.QueryContext(ctx, `SELECT schema_name, view_name FROM duckdb_views()
		WHERE NOT temporary AND view_name LIKE 'jixiao\_ingest\_%' ESCAPE '\'`)
	if err != nil {
		return fmt.Errorf("find leftover load views: %w", err)
	}
	var views [][2]string
	for rows.Next() {
		var v [2]string
		if err := rows.Scan(&v[0], &v[1]); err != nil {
			rows.Close()
			return err
		}
		views = append(views, v)
	}
	rows.Close()
	for _, v := range views {
		if err := w.Exec(ctx, "DROP VIEW IF EXISTS "+QuoteTable(v[0], v[1])); err != nil {
			return fmt.Errorf("drop leftover load view %s: %w", v[1], err)
		}
	}
	return nil
}

// pgDouble finds DuckDB's DOUBLE, which PostgreSQL spells DOUBLE PRECISION.
var pgDouble = regexp.MustCompile(`\bDOUBLE\b`)

// pgMigration is a migration as PostgreSQL takes it: the migrations are
// written in the SQL both engines share but for DOUBLE.
func pgMigration(m string) string { return pgDouble.ReplaceAllString(m, "DOUBLE PRECISION") }

// migratePostgres creates the warehouse's schemas and brings meta up to
// date on PostgreSQL, with the same list of migrations as DuckDB. Two
// writers starting at once take turns on an advisory lock for it.
func (w *Warehouse) migratePostgres(ctx context.Context) error {
	return w.withTx(ctx, func(tx txConn) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('jixiao migrate ' || current_schema() || ?))`, w.pg.prefix); err != nil {
			return fmt.Errorf("wait for another jixiao migrating this database: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS raw;
			CREATE SCHEMA IF NOT EXISTS meta;
			CREATE TABLE IF NOT EXISTS meta.schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`); err != nil {
			return fmt.Errorf("create meta.schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM meta.schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(migrations) {
			return fmt.Errorf("the warehouse was written by a newer jixiao (schema version %d, this binary knows %d): upgrade jixiao", current, len(migrations))
		}
		for v := current + 1; v <= len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, pgMigration(migrations[v-1])); err != nil {
				return fmt.Errorf("apply warehouse migration %d: %w", v, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta.schema_migrations VALUES (?, now()::TIMESTAMP)`, v); err != nil {
				return fmt.Errorf("apply warehouse migration %d: %w", v, err)
			}
		}
		return nil
	})
}
