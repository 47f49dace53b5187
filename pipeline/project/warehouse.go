package project

import (
	"fmt"
	"regexp"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// WarehouseConfig is jixiao.yaml's warehouse: a DuckDB file, written as a
// plain path (warehouse: .jixiao/warehouse.duckdb) or as {kind: duckdb,
// path: ...}, or a PostgreSQL database, {kind: postgres, dsn_env:
// JIXIAO_PG_DSN, schema_prefix: weihai_}, whose connection string is read
// from the environment variable dsn_env names, so no password is written
// in a project file.
type WarehouseConfig struct {
	Kind string `yaml:"kind"`
	// Path is the DuckDB file, relative to the project.
	Path string `yaml:"path"`
	// DSNEnv names the environment variable holding the PostgreSQL
	// connection string.
	DSNEnv string `yaml:"dsn_env"`
	// SchemaPrefix is put before every schema (raw, staging, marts, meta),
	// so that several projects can share one PostgreSQL database.
	SchemaPrefix string `yaml:"schema_prefix"`

	// node is where the setting is written, for diagnostics.
	node *yaml.Node
}

// Warehouse kinds.
const (
	WarehouseDuckDB   = "duckdb"
	WarehousePostgres = "postgres"
)

// warehouseFields are the keys the mapping form takes.
var warehouseFields = map[string]bool{"kind": true, "path": true, "dsn_env": true, "schema_prefix": true}

// UnmarshalYAML takes the plain path as well as the mapping.
func (c *WarehouseConfig) UnmarshalYAML(n *yaml.Node) error {
	c.node = n
	switch n.Kind {
	case yaml.ScalarNode:
		c.Path = n.Value
		return nil
	case yaml.MappingNode:
		var errs []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !warehouseFields[k.Value] {
				errs = append(errs, fmt.Sprintf("line %d: unknown field %q in warehouse (known fields: dsn_env, kind, path, schema_prefix)", k.Line, k.Value))
			}
		}
		type plain WarehouseConfig // without this method
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*c = WarehouseConfig(p)
		c.node = n
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: warehouse must be a file path or a mapping {kind: duckdb, path: ...} / {kind: postgres, dsn_env: ...}", n.Line)}}
}

// IsPostgres reports whether the warehouse is a PostgreSQL database.
func (c WarehouseConfig) IsPostgres() bool { return c.Kind == WarehousePostgres }

// schemaPrefixPattern is what a schema_prefix may be (warehouse.SchemaPrefixPattern).
var schemaPrefixPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// check fills the defaults and reports what is wrong, at its line.
func (c *WarehouseConfig) check(diags *diag.List) {
	at := func(key string) diag.Pos {
		if v := yamlx.MappingValue(c.node, key); v != nil {
			return yamlx.At(ConfigFile, v)
		}
		return yamlx.At(ConfigFile, c.node)
	}
	if c.Kind == "" {
		c.Kind = WarehouseDuckDB
	}
	switch c.Kind {
	case WarehouseDuckDB:
		if c.Path == "" {
			c.Path = DefaultWarehouse
		}
		if c.DSNEnv != "" || c.SchemaPrefix != "" {
			diags.Errorf(at("kind"), "warehouse: dsn_env and schema_prefix are for kind postgres; kind duckdb takes a path")
		}
	case WarehousePostgres:
		if c.DSNEnv == "" {
			diags.Errorf(at("kind"), "warehouse: kind postgres needs dsn_env, the environment variable that holds the connection string (dsn_env: JIXIAO_PG_DSN)")
		}
		if c.Path != "" {
			diags.Errorf(at("path"), "warehouse: path is for kind duckdb; a PostgreSQL warehouse is reached through dsn_env")
		}
		if c.SchemaPrefix != "" && !schemaPrefixPattern.MatchString(c.SchemaPrefix) {
			diags.Errorf(at("schema_prefix"), "warehouse: schema_prefix %q must be lower-case letters, digits and _ (weihai_)", c.SchemaPrefix)
		}
	default:
		diags.Errorf(at("kind"), "warehouse: kind %q must be duckdb or postgres", c.Kind)
	}
}
