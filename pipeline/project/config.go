package project

import (
	"regexp"
	"strings"
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
	Name      string          `yaml:"name"`
	PlanYear  int             `yaml:"plan_year"`
	Timezone  string          `yaml:"timezone"`
	Warehouse WarehouseConfig `yaml:"warehouse"`
	Site      string          `yaml:"site"`
	// Concurrency bounds how many models build at once.
	Concurrency int `yaml:"concurrency"`
	// Threads bounds DuckDB's worker threads. 0 (left out): DuckDB's
	// default, one per core.
	Threads int `yaml:"threads"`
	// MemoryLimit caps the memory DuckDB takes for the warehouse (2GB,
	// 512MB); beyond it DuckDB spills to disk. Empty: a quarter of the
	// machine's (or container's) memory, at most 1 GiB
	// (warehouse.DefaultMemoryLimit).
	MemoryLimit string `yaml:"memory_limit"`
	Units       []Unit `yaml:"units"`
	// Departments are 市残联's 部室 and 直属单位: a target the plan sets for
	// each of them (不少于2个) makes 市本级's target that many times over.
	Departments []string `yaml:"departments"`
	// DataPeriod names the column whose newest value is the period the data
	// covers (schema.table.column, e.g. marts.indicator_completion.month):
	// pages stamp it as 数据截至 2017年9月, not the time of the run.
	DataPeriod string  `yaml:"data_period"`
	Scoring    Scoring `yaml:"scoring"`
	// City is the city the plan belongs to; by default the 市本级 unit's
	// code and the city's name among its aliases (see resolveCity).
	City City `yaml:"city"`
	// DemoData says the project's data files (all but data/catalog/) are
	// demo data that jixiao generates on first use into .jixiao/demo and
	// lays over data/, unless data/ holds demo data of its own (jixiao
	// init writes it there). The default project has it; set it false, or
	// leave it out, once data/ holds the real reports.
	DemoData bool `yaml:"demo_data"`

	Location *time.Location `yaml:"-"`
}

// Unit is one reporting unit of the plan (市本级, a 区市, a 开发区).
type Unit struct {
	Code    string   `yaml:"code"`
	Name    string   `yaml:"name"`
	Kind    string   `yaml:"kind"`
	Aliases []string `yaml:"aliases"`
	// Share is the unit's part of citywide targets when they are divided
	// among units (分解比例); units without one take no part.
	Share float64 `yaml:"share"`
}

// Scoring holds the rules offices set differently (DOMAIN: configurable).
type Scoring struct {
	// PaceTolerance lets completion fall this far below 序时进度 before an
	// indicator counts as 滞后 (0.05 = five points).
	PaceTolerance float64 `yaml:"pace_tolerance"`
	// OverachievementRatio flags actuals at or above this multiple of the
	// target as needing a written explanation (偏离度).
	OverachievementRatio float64 `yaml:"overachievement_ratio"`
	// RankStep is what each lower rank loses under rank-based scoring.
	RankStep float64 `yaml:"rank_step"`
	// BonusCap bounds the total bonus a unit can earn in the assessment.
	BonusCap float64 `yaml:"bonus_cap"`
	// LateReportDeduction is taken from a unit's assessment for each monthly
	// report sent after the 5th of the following month.
	LateReportDeduction *float64 `yaml:"late_report_deduction"`
	// ExecutionBasis says how 预算执行率 is scored mid-year: "pace" against
	// 序时进度 (w × min(1, rate ÷ pace)), or "year" against the whole year's
	// budget as DOMAIN's rule reads (w × min(1, rate)). Pages show both.
	ExecutionBasis string `yaml:"execution_basis"`
	// LightYellow and LightRed are the 运行监控表's lights: a row behind
	// 序时进度 (or short of its target) by more than LightYellow is 黄, by
	// more than LightRed 红, else 绿 (0.05 = five points).
	LightYellow *float64 `yaml:"light_yellow"`
	LightRed    *float64 `yaml:"light_red"`
}

// Lights are the bands of the 运行监控表's lights (0.05 and 0.15 unless set).
func (s Scoring) Lights() (yellow, red float64) {
	yellow, red = 0.05, 0.15
	if s.LightYellow != nil {
		yellow = *s.LightYellow
	}
	if s.LightRed != nil {
		red = *s.LightRed
	}
	return yellow, red
}

// Execution bases for 预算执行率.
const (
	ExecutionByPace = "pace"
	ExecutionByYear = "year"
)

// LateDeduction is the deduction per late report (0.5 unless set).
func (s Scoring) LateDeduction() float64 {
	if s.LateReportDeduction == nil {
		return 0.5
	}
	return *s.LateReportDeduction
}

// memoryLimitPattern is the sizes DuckDB's memory_limit takes.
var memoryLimitPattern = regexp.MustCompile(`^(?i)\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

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
	cfg.Warehouse.check(diags)
	if cfg.Site == "" {
		cfg.Site = DefaultSite
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.MemoryLimit != "" && !memoryLimitPattern.MatchString(cfg.MemoryLimit) {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "memory_limit")), "memory_limit %q must be a size such as 2GB or 512MB", cfg.MemoryLimit)
	}
	// yaml decodes 1.5 into an int as 1, so the node's own type is checked
	// too; a string (threads: all) is the decoder's to report.
	if threads := yamlx.MappingValue(node, "threads"); threads != nil && (threads.ShortTag() == "!!float" || threads.ShortTag() == "!!int" && cfg.Threads <= 0) {
		diags.Errorf(yamlx.At(ConfigFile, threads), "threads %s 须为不小于 1 的整数（DuckDB 的工作线程数；不写则每个 CPU 核一个）", threads.Value)
	}
	if cfg.Scoring.OverachievementRatio == 0 {
		cfg.Scoring.OverachievementRatio = 1.3
	}
	if cfg.Scoring.RankStep == 0 {
		cfg.Scoring.RankStep = 0.05
	}
	if cfg.Scoring.BonusCap == 0 {
		cfg.Scoring.BonusCap = 5
	}
	if cfg.Scoring.LateReportDeduction == nil {
		half := 0.5
		cfg.Scoring.LateReportDeduction = &half
	}
	sc := yamlx.MappingValue(node, "scoring")
	switch cfg.Scoring.ExecutionBasis {
	case "":
		cfg.Scoring.ExecutionBasis = ExecutionByPace
	case ExecutionByPace, ExecutionByYear:
	default:
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(sc, "execution_basis")), "scoring.execution_basis %q must be pace (按序时进度折算) or year (按全年预算)", cfg.Scoring.ExecutionBasis)
	}
	if cfg.DataPeriod != "" && strings.Count(cfg.DataPeriod, ".") != 2 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "data_period")), "data_period %q must name a column as schema.table.column (marts.indicator_completion.month)", cfg.DataPeriod)
	}
	seenDept := map[string]bool{}
	for _, d := range cfg.Departments {
		if d == "" || seenDept[d] {
			diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(node, "departments")), "departments: %q is empty or listed twice", d)
		}
		seenDept[d] = true
	}
	if cfg.Scoring.PaceTolerance < 0 || cfg.Scoring.PaceTolerance >= 1 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(sc, "pace_tolerance")), "scoring.pace_tolerance must be from 0 to below 1")
	}
	if cfg.Scoring.OverachievementRatio <= 1 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(sc, "overachievement_ratio")), "scoring.overachievement_ratio must be above 1 (1.3 = 130%% of target)")
	}
	if yellow, red := cfg.Scoring.Lights(); yellow < 0 || red < yellow || red >= 1 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(sc, "light_red")), "scoring.light_yellow (%v) and light_red (%v): 0 <= light_yellow <= light_red < 1", yellow, red)
	}
	if cfg.Scoring.RankStep <= 0 || cfg.Scoring.RankStep >= 1 {
		diags.Errorf(yamlx.At(ConfigFile, yamlx.MappingValue(sc, "rank_step")), "scoring.rank_step must be between 0 and 1")
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
		if u.Share < 0 || u.Share > 1 {
			diags.Errorf(pos, "unit %s: share %v must be from 0 to 1", u.Name, u.Share)
		}
		for _, key := range append([]string{u.Code, u.Name}, u.Aliases...) {
			if seen[key] {
				diags.Errorf(pos, "unit %s: code, name or alias %q is used twice", u.Name, key)
			}
			seen[key] = true
		}
	}
	cfg.City = resolveCity(cfg.City, cfg.Units, node, diags)
	return cfg
}
