//go:build !duckdb_arrow

package warehouse

import (
	"context"
	"errors"
)

// exportFromPostgres needs duckdb-go's Arrow interface to hand PostgreSQL's
// rows to DuckDB, which only exists with the build tag duckdb_arrow.
func (w *Warehouse) exportFromPostgres(ctx context.Context, schema, name string, fn func(*exportSource) error) error {
	return errors.New("this jixiao was built without the duckdb_arrow tag and cannot export a PostgreSQL warehouse as Parquet: build it with `make build`")
}
