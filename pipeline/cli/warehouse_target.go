package cli

import (
	"os"

	"jixiao/pipeline/run"
)

// warehouseOf is where the project's warehouse is: jixiao.yaml's setting,
// or the DuckDB file --warehouse (JIXIAO_WAREHOUSE) names. A PostgreSQL
// warehouse whose dsn_env variable is unset is an error that names it.
func warehouseOf(env Env, l *loaded) (run.Target, error) {
	getenv := env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return run.WarehouseTarget(l.project.Config, l.base, l.warehouse, getenv)
}
