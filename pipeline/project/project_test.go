package project

import (
	"strings"
	"testing"
	"testing/fstest"
)

const goodConfig = `name: 测试项目
plan_year: 2017
units:
  - {code: "371002", name: 环翠区, kind: 区市, aliases: [环翠]}
  - {code: "371071", name: 高区, kind: 开发区}
`

const goodSource = `kind: csv
path: data/p.csv
columns:
  - {name: unit_code, type: unit, required: true, aliases: [单位]}
  - {name: actual, type: integer}
`

func goodProject() fstest.MapFS {
	return fstest.MapFS{
		"jixiao.yaml":                  {Data: []byte(goodConfig)},
		"sources/progress.yaml":        {Data: []byte(goodSource)},
		"transforms/staging/stg_a.sql": {Data: []byte("/* jixiao\nmaterialized: view\ndescription: 甲\ncolumns:\n  unit_code: 单位代码\ntests:\n  - not_null: [unit_code]\n  - unique: unit_code\n    severity: warn\n*/\nSELECT * FROM raw.progress;\n")},
		"transforms/marts/m_b.sql":     {Data: []byte("SELECT * FROM staging.stg_a\n")},
		"dashboards/index.yaml":        {Data: []byte("title: 总览\npanels:\n  - {title: 表, model: marts.m_b, chart: table}\n")},
		"schedules/jobs.yaml":          {Data: []byte("jobs:\n  - {name: nightly, cron: \"30 2 * * *\"}\n")},
	}
}

func TestLoadGoodProject(t *testing.T) {
	p, diags := Load(goodProject())
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if p.Config.Name != "测试项目" || p.Config.PlanYear != 2017 || p.Config.Timezone != DefaultTimezone ||
		p.Config.Warehouse.Path != DefaultWarehouse || p.Config.Site != DefaultSite {
		t.Errorf("config not read with defaults: %+v", p.Config)
	}
	if len(p.Sources) != 1 || p.Sources[0].Name != "progress" || p.Sources[0].Load != LoadReplace || p.Sources[0].Table() != "raw.progress" {
		t.Errorf("source: %+v", p.Sources)
	}
	a := p.Model("stg_a")
	if a == nil || a.ID() != "staging.stg_a" || a.Header.Materialized != MaterializeView || a.Header.Description != "甲" {
		t.Fatalf("model stg_a: %+v", a)
	}
	if len(a.Header.Tests) != 2 || a.Header.Tests[0].Kind != "not_null" || a.Header.Tests[1].Severity != SeverityWarn {
		t.Errorf("tests: %+v", a.Header.Tests)
	}
	if a.Header.Tests[0].Pos.File != "transforms/staging/stg_a.sql" || a.Header.Tests[0].Pos.Line != 7 {
		t.Errorf("test position %v, want the file's own line 7", a.Header.Tests[0].Pos)
	}
	if a.Header.Columns.Label("unit_code") != "单位代码" {
		t.Errorf("column label: %+v", a.Header.Columns)
	}
	if a.BodySQL() != strings.TrimSuffix(strings.TrimSpace(a.SQL), ";") {
		t.Errorf("BodySQL kept the semicolon: %q", a.BodySQL())
	}
	if b := p.Model("m_b"); b == nil || b.Header.Materialized != MaterializeTable {
		t.Errorf("model without header defaults to a table: %+v", b)
	}
	if len(p.Pages) != 1 || p.Pages[0].Slug != "index" {
		t.Errorf("pages: %+v", p.Pages)
	}
	if len(p.Schedules) != 1 || p.Schedules[0].Run != "pipeline" {
		t.Errorf("schedules: %+v", p.Schedules)
	}
}

func TestLoadBrokenProjects(t *testing.T) {
	tests := []struct {
		name   string
		change func(fstest.MapFS)
		want   []string // each must appear in some diagnostic
	}{
		{"missing project file", func(m fstest.MapFS) { delete(m, "jixiao.yaml") }, []string{"jixiao.yaml: missing project file"}},
		{"bad YAML in config", func(m fstest.MapFS) { m["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: [x\n")} }, []string{"jixiao.yaml:1: invalid YAML"}},
		{"unknown config field", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "warehous: x.duckdb\n")}
		}, []string{`jixiao.yaml:6:1: unknown field "warehous"`}},
		{"bad memory limit", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "memory_limit: 2 gigs\n")}
		}, []string{`jixiao.yaml:6:15: memory_limit "2 gigs" must be a size such as 2GB or 512MB`}},
		{"zero threads", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "threads: 0\n")}
		}, []string{`jixiao.yaml:6:10: threads 0 须为不小于 1 的整数`}},
		{"negative threads", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "threads: -2\n")}
		}, []string{`jixiao.yaml:6:10: threads -2 须为不小于 1 的整数`}},
		{"threads not a number", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "threads: all\n")}
		}, []string{`jixiao.yaml:6:`, `all`}},
		{"fractional threads", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + "threads: 1.5\n")}
		}, []string{`jixiao.yaml:6:10: threads 1.5 须为不小于 1 的整数`}},
		{"bad unit kind", func(m fstest.MapFS) {
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: x\nplan_year: 2017\nunits:\n  - {code: a, name: b, kind: 县}\n")}
		}, []string{`jixiao.yaml:4:5: unit b: kind "县"`}},
		{"bad YAML in source", func(m fstest.MapFS) {
			m["sources/progress.yaml"] = &fstest.MapFile{Data: []byte("kind: csv\n  path: [\n")}
		}, []string{"sources/progress.yaml:"}},
		{"source without kind and columns", func(m fstest.MapFS) { m["sources/progress.yaml"] = &fstest.MapFile{Data: []byte("path: a.csv\n")} }, []string{"sources/progress.yaml:1:1: kind is required", "columns is required"}},
		{"bad column type", func(m fstest.MapFS) {
			m["sources/progress.yaml"] = &fstest.MapFile{Data: []byte("kind: csv\ncolumns:\n  - {name: a, type: money}\n")}
		}, []string{`sources/progress.yaml:3:5: column a: type "money"`}},
		{"merge without key", func(m fstest.MapFS) {
			m["sources/progress.yaml"] = &fstest.MapFile{Data: []byte("kind: csv\nload: merge\ncolumns:\n  - {name: a, type: text}\n")}
		}, []string{"sources/progress.yaml:2:7: load: merge needs key"}},
		{"duplicate model names", func(m fstest.MapFS) { m["transforms/marts/stg_a.sql"] = &fstest.MapFile{Data: []byte("SELECT 1")} }, []string{`transforms/staging/stg_a.sql: duplicate model name "stg_a" (also defined in transforms/marts/stg_a.sql)`}},
		{"model outside a schema folder", func(m fstest.MapFS) { m["transforms/loose.sql"] = &fstest.MapFile{Data: []byte("SELECT 1")} }, []string{"transforms/loose.sql: put the model in a folder"}},
		{"model in the raw schema", func(m fstest.MapFS) { m["transforms/raw/x.sql"] = &fstest.MapFile{Data: []byte("SELECT 1")} }, []string{`transforms/raw/x.sql: models may not live in folder "raw"`}},
		{"empty model", func(m fstest.MapFS) {
			m["transforms/marts/empty.sql"] = &fstest.MapFile{Data: []byte("-- nothing here\n")}
		}, []string{"transforms/marts/empty.sql: the file has no SQL"}},
		{"unclosed header", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("\n/* jixiao\nmaterialized: view\nSELECT 1")}
		}, []string{"transforms/marts/h.sql:2: the header comment"}},
		{"bad header field and materialization", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\nmaterialised: view\nmaterialized: cube\n*/\nSELECT 1")}
		}, []string{`transforms/marts/h.sql:2:1: unknown field "materialised"`, `transforms/marts/h.sql:3:15: materialized "cube"`}},
		{"incremental without its partition column", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\nmaterialized: incremental\n*/\nSELECT 1")}
		}, []string{"transforms/marts/h.sql:2:15: an incremental model needs partition_by"}},
		{"partitions on a table, rebuilding from the first change on a view", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\npartition_by: month\n*/\nSELECT 1")}
			m["transforms/marts/v.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\nmaterialized: view\npartition_by: 月 份\nrebuild_from_first_changed: true\n*/\nSELECT 1")}
		}, []string{"transforms/marts/h.sql:2:15: partition_by applies to materialized: incremental", "transforms/marts/v.sql:3:15: partition_by: ",
			"transforms/marts/v.sql:4:29: rebuild_from_first_changed applies to materialized: incremental"}},
		{"first_seen on a view", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\nmaterialized: view\npartition_by: month\nfirst_seen: [a, b c]\n*/\nSELECT 1")}
		}, []string{"transforms/marts/h.sql:4:13: first_seen applies to materialized: incremental", "transforms/marts/h.sql:4:13: first_seen: "}},
		{"test with two kinds", func(m fstest.MapFS) {
			m["transforms/marts/h.sql"] = &fstest.MapFile{Data: []byte("/* jixiao\ntests:\n  - {not_null: a, unique: a}\n*/\nSELECT 1 AS a")}
		}, []string{"transforms/marts/h.sql:3: a test item has one kind"}},
		{"page without panels", func(m fstest.MapFS) { m["dashboards/index.yaml"] = &fstest.MapFile{Data: []byte("title: 总览\n")} }, []string{"dashboards/index.yaml:1:1: panels is required"}},
		{"panel with model and sql", func(m fstest.MapFS) {
			m["dashboards/index.yaml"] = &fstest.MapFile{Data: []byte("title: 总览\npanels:\n  - {title: 表, model: marts.m_b, sql: SELECT 1, chart: table}\n")}
		}, []string{`dashboards/index.yaml:3:5: panel "表": give either model or sql`}},
		{"bad cron", func(m fstest.MapFS) {
			m["schedules/jobs.yaml"] = &fstest.MapFile{Data: []byte("jobs:\n  - {name: n, cron: \"every night\"}\n")}
		}, []string{`schedules/jobs.yaml:2:5: job n: cron "every night"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodProject()
			tt.change(m)
			_, diags := Load(m)
			if !diags.HasErrors() {
				t.Fatalf("want errors, got %v", diags)
			}
			all := ""
			for _, d := range diags {
				all += d.String() + "\n"
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("diagnostics do not contain %q:\n%s", w, all)
				}
			}
		})
	}
}

// A broken project reports every problem at once, not only the first.
func TestLoadCollectsEveryError(t *testing.T) {
	m := goodProject()
	m["sources/other.yaml"] = &fstest.MapFile{Data: []byte("columns: []\n")}
	m["transforms/marts/loose/x.sql"] = &fstest.MapFile{Data: []byte("SELECT 1")}
	m["schedules/jobs.yaml"] = &fstest.MapFile{Data: []byte("jobs:\n  - {cron: x}\n")}
	_, diags := Load(m)
	files := map[string]bool{}
	for _, d := range diags {
		files[d.Pos.File] = true
	}
	for _, f := range []string{"sources/other.yaml", "transforms/marts/loose/x.sql", "schedules/jobs.yaml"} {
		if !files[f] {
			t.Errorf("no diagnostic for %s in %v", f, diags)
		}
	}
}

// memory_limit and threads are read as written; left out, they stay empty
// and 0, which the warehouse turns into its defaults.
func TestResourceSettings(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		wantMemory  string
		wantThreads int
	}{
		{"left out", "", "", 0},
		{"one thread", "threads: 1\n", "", 1},
		{"both", "memory_limit: 1.5GB\nthreads: 8\n", "1.5GB", 8},
		{"memory in binary units", "memory_limit: 512MiB\n", "512MiB", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goodProject()
			m["jixiao.yaml"] = &fstest.MapFile{Data: []byte(goodConfig + tt.yaml)}
			p, diags := Load(m)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if p.Config.MemoryLimit != tt.wantMemory || p.Config.Threads != tt.wantThreads {
				t.Errorf("memory_limit %q, threads %d; want %q, %d", p.Config.MemoryLimit, p.Config.Threads, tt.wantMemory, tt.wantThreads)
			}
		})
	}
}
