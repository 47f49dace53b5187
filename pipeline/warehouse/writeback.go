package warehouse

import (
	"context"
	"time"
)

// writebackEvery is how often the kernel is asked to start writing the
// file's dirty pages while a load runs.
const writebackEvery = 250 * time.Millisecond

// WriteBackWhileLoading asks the kernel, until stop is called, to start
// writing the warehouse file's new pages to disk as they come, rather than
// all at the commit: DuckDB writes a large load's row groups to the file as
// it goes and syncs the file when the load commits. In a month's update at
// scale 100 that sync of September's services took 0.51 s with both cores
// idle, the kernel having kept the whole load in its cache until then.
// Starting the writes earlier makes data durable no later than DuckDB
// would; it changes nothing else. Only on Linux; elsewhere, for an
// in-memory warehouse and on PostgreSQL it does nothing.
func (w *Warehouse) WriteBackWhileLoading(ctx context.Context) (stop func()) {
	if w.pg != nil || w.readOnly || w.path == "" {
		return func() {}
	}
	return startWriteback(ctx, w.path, writebackEvery)
}
