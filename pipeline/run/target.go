package run

import (
	"fmt"
	"path/filepath"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Target is where a project's warehouse is. Path names it: the DuckDB
// file, or for PostgreSQL a name in the project's .jixiao folder, beside
// which the run lock and the readers' lock are kept as they are beside a
// DuckDB file (so two runs on one machine wait for each other with the same
// messages; a writer on another machine is kept out by the warehouse's
// advisory lock, see warehouse.Open). Postgres, when set, is the database.
type Target struct {
	Path     string
	Postgres *warehouse.Postgres
}

// WarehouseTarget resolves jixiao.yaml's warehouse against base. override
// (--warehouse, JIXIAO_WAREHOUSE) is a DuckDB file that replaces the
// setting. A PostgreSQL warehouse's connection string is read from the
// environment variable dsn_env names; unset, it is an error that names it.
func WarehouseTarget(cfg project.Config, base, override string, getenv func(string) string) (Target, error) {
	if override != "" {
		return Target{Path: override}, nil
	}
	wh := cfg.Warehouse
	if !wh.IsPostgres() {
		path := wh.Path
		if path == "" {
			path = project.DefaultWarehouse
		}
		return Target{Path: Resolve(base, path)}, nil
	}
	dsn := getenv(wh.DSNEnv)
	if dsn == "" {
		return Target{}, fmt.Errorf("环境变量 %s 未设置：%s 的 warehouse 设为 PostgreSQL（dsn_env: %s），请把连接串放在这个环境变量中，"+
			"如 export %s='postgres://jixiao@127.0.0.1:5432/jixiao'", wh.DSNEnv, project.ConfigFile, wh.DSNEnv, wh.DSNEnv)
	}
	return Target{
		Path:     Resolve(base, filepath.Join(filepath.Dir(project.DefaultWarehouse), wh.SchemaPrefix+"warehouse.postgres")),
		Postgres: &warehouse.Postgres{DSN: dsn, SchemaPrefix: wh.SchemaPrefix},
	}, nil
}

// Options adds the target's database to o.
func (t Target) Options(o warehouse.Options) warehouse.Options {
	o.Postgres = t.Postgres
	return o
}

// String names the warehouse for people: the file, or PostgreSQL and the
// schema prefix (never the connection string, which may hold a password).
func (t Target) String() string {
	if t.Postgres == nil {
		return t.Path
	}
	if t.Postgres.SchemaPrefix != "" {
		return "PostgreSQL（schema 前缀 " + t.Postgres.SchemaPrefix + "）"
	}
	return "PostgreSQL"
}
