//go:build !duckdb_arrow

package warehouse

import (
	"context"
	"errors"
)

// LoadAll needs duckdb-go's Arrow interface, which only exists with the
// build tag duckdb_arrow; `make build` sets it.
func (w *Warehouse) LoadAll(ctx context.Context, reqs []LoadRequest) ([]int64, error) {
	if w.pg != nil && !w.readOnly {
		return w.loadAllPostgres(ctx, reqs)
	}
	return nil, errors.New("this jixiao was built without the duckdb_arrow tag and cannot load data: build it with `make build`")
}
