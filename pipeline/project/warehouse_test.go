package project

import (
	"strings"
	"testing"
	"testing/fstest"
)

// The warehouse setting takes a plain path (the form of every project so
// far) and the mapping of either kind, and says at its line what is wrong.
func TestWarehouseSetting(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       WarehouseConfig
		diags      []string // each must appear in some diagnostic
	}{
		{"left out", "", WarehouseConfig{Kind: WarehouseDuckDB, Path: DefaultWarehouse}, nil},
		{"plain path", "warehouse: data/w.duckdb\n", WarehouseConfig{Kind: WarehouseDuckDB, Path: "data/w.duckdb"}, nil},
		{"duckdb mapping", "warehouse: {kind: duckdb, path: w.duckdb}\n", WarehouseConfig{Kind: WarehouseDuckDB, Path: "w.duckdb"}, nil},
		{"duckdb mapping without path", "warehouse: {kind: duckdb}\n", WarehouseConfig{Kind: WarehouseDuckDB, Path: DefaultWarehouse}, nil},
		{"postgres", "warehouse:\n  kind: postgres\n  dsn_env: JIXIAO_PG_DSN\n  schema_prefix: weihai_\n",
			WarehouseConfig{Kind: WarehousePostgres, DSNEnv: "JIXIAO_PG_DSN", SchemaPrefix: "weihai_"}, nil},
		{"bad kind", "warehouse:\n  kind: oracle\n", WarehouseConfig{}, []string{`jixiao.yaml:7:9: warehouse: kind "oracle" must be duckdb or postgres`}},
		{"postgres without dsn_env", "warehouse: {kind: postgres}\n", WarehouseConfig{}, []string{`jixiao.yaml:6:19: warehouse: kind postgres needs dsn_env`}},
		{"postgres with a path", "warehouse: {kind: postgres, dsn_env: X, path: w.duckdb}\n", WarehouseConfig{}, []string{`jixiao.yaml:6:47: warehouse: path is for kind duckdb`}},
		{"bad schema_prefix", "warehouse: {kind: postgres, dsn_env: X, schema_prefix: Wei-hai}\n", WarehouseConfig{}, []string{`warehouse: schema_prefix "Wei-hai"`}},
		{"duckdb with dsn_env", "warehouse: {kind: duckdb, dsn_env: X}\n", WarehouseConfig{}, []string{`warehouse: dsn_env and schema_prefix are for kind postgres`}},
		{"unknown field", "warehouse:\n  kind: postgres\n  dsn: postgres://x\n", WarehouseConfig{}, []string{`jixiao.yaml:8:`, `unknown field "dsn" in warehouse`}},
		{"a list", "warehouse: [a, b]\n", WarehouseConfig{}, []string{`jixiao.yaml:6:`, `warehouse must be a file path or a mapping`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := goodProject()
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + tc.yaml)}
			p, diags := Load(m)
			if tc.diags == nil {
				if len(diags) != 0 {
					t.Fatalf("diagnostics: %v", diags)
				}
				got := p.Config.Warehouse
				got.node = nil
				if got != tc.want {
					t.Errorf("warehouse %+v, want %+v", got, tc.want)
				}
				return
			}
			text := ""
			for _, d := range diags {
				text += d.String() + "\n"
			}
			for _, want := range tc.diags {
				if !strings.Contains(text, want) {
					t.Errorf("want %q in:\n%s", want, text)
				}
			}
		})
	}
}
