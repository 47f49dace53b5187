package project

import (
	"time"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Unit kinds as the plan names them.
const (
	UnitCity     = "市本级"
	UnitDistrict = "区市"
	UnitDevZone  = "开发区"
	UnitOther    = "其他"
)

// Config is jixiao.yaml.
type Config struct {
	Name      string `yaml:"name"`
	PlanYear  int    `yaml:"plan_year"`
	Timezone  string `yaml:"timezone"`
	Warehouse string `yaml:"warehouse"`
	Site      string `yaml:"site"`
	// Concurrency bounds how many models build at once.
	Concurrency int    `yaml:"concurrency"`
	Units       []Unit `yaml:"units"`

	Location *time.Location `yaml:"-"`
}

// Unit is one reporting unit of the plan (市本级, a 区市, a 开发区).
type Unit struct {
	Code    string   `yaml:"code"`
	Name    string   `yaml:"name"`
	Kind    string   `yaml:"kind"`
	Aliases []string `yaml:"aliases"`
}

// Defaults applied when jixiao.yaml leaves a setting out.
const (
	DefaultTimezone  = "Asia/Shanghai"
	DefaultWarehouse = ".jixiao/warehouse.duckdb"
	DefaultSite      = "site"
)

func parseConfig(data []byte, diags *diag.List) Config {
	cfg := Config{}
	node := yamlx.Parse(ConfigFile, data, diags)
	if node != nil {
		yamlx.Decode(ConfigFile, node, &cfg, diags)
	}
	if cfg.Name == "" {
		diags.Errorf(diag.Pos{File: ConfigFile}, "name is required")
	}
	if cfg.PlanYear == 0 {
		diags.Errorf(yamlx.At(ConfigFile, node), "plan_year is required (for example 2017)")
	} else if cfg.PlanYear < 2000 || cfg.PlanYear > 2100 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "plan_year")), "plan_year %d is out of range", cfg.PlanYear)
	}
	if cfg.Timezone == "" {
		cfg.Timezone = DefaultTimezone
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "timezone")), "unknown timezone %q: %v", cfg.Timezone, err)
		loc = time.FixedZone("CST", 8*3600)
	}
	cfg.Location = loc
	if cfg.Warehouse == "" {
		cfg.Warehouse = DefaultWarehouse
	}
	if cfg.Site == "" {
		cfg.Site = DefaultSite
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}

	unitsNode := yamlx.MappingValue(node, "units")
	seen := map[string]bool{}
	for i, u := range cfg.Units {
		pos := diag.Pos{File: ConfigFile}
		if unitsNode != nil && i < len(unitsNode.Content) {
			pos = yamlx.At(ConfigFile, unitsNode.Content[i])
		}
		if u.Code == "" || u.Name == "" {
			diags.Errorf(pos, "unit %d needs a code and a name", i+1)
		}
		switch u.Kind {
		case UnitCity, UnitDistrict, UnitDevZone, UnitOther:
		default:
			diags.Errorf(pos, "unit %s: kind %q must be one of %s, %s, %s, %s", u.Name, u.Kind, UnitCity, UnitDistrict, UnitDevZone, UnitOther)
		}
		for _, key := range append([]string{u.Code, u.Name}, u.Aliases...) {
			if seen[key] {
				diags.Errorf(pos, "unit %s: code, name or alias %q is used twice", u.Name, key)
			}
			seen[key] = true
		}
	}
	return cfg
}
