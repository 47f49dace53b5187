//go:build duckdb_arrow

package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"jixiao/internal/benchenv"
	"jixiao/pipeline/check"
	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// monthlyDemo generates the default project's demo data for the first
// months of the year into dir/data, as the office's files would stand then,
// and returns the project reading them.
func monthlyDemo(t testing.TB, dir string, scale float64, months int) *project.Project {
	t.Helper()
	base, _ := project.Load(defaultProject)
	cat, err := demo.ReadCatalog(base)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if _, err := demo.Generate(context.Background(), cat, demo.Options{Scale: scale, Seed: 2017, Months: months, Out: data}); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(demo.Overlay{Base: defaultProject, Upper: os.DirFS(data), Prefix: "data"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

// dumpMarts reads every mart, every row and every column but the load ids
// (a new load has new ids, by design), in a fixed order.
func dumpMarts(t testing.TB, p *project.Project, path string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	out := map[string][]string{}
	for _, m := range p.Models {
		if m.Schema != "marts" {
			continue
		}
		res, err := w.Query(ctx, "SELECT * FROM "+warehouse.QuoteTable(m.Schema, m.Name)+" ORDER BY ALL", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			var b strings.Builder
			for i, v := range r {
				if res.Columns[i] != "load_ids" {
					fmt.Fprintf(&b, "%s=%v|", res.Columns[i], v)
				}
			}
			out[m.Name] = append(out[m.Name], b.String())
		}
	}
	return out
}

// A month's update, as an office runs it (demo --months 8, run, demo
// --months 9, run), loads only September's service records, rebuilds only
// September in the service aggregates, and leaves every mart exactly as a
// full refresh of the same files builds it.
func TestMonthlyUpdateEqualsFullRefresh(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := monthlyDemo(t, dir, 0.05, 8)
	if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test", SkipUnchanged: true}); err != nil {
		t.Fatalf("months 1-8: %v", err)
	}
	p = monthlyDemo(t, dir, 0.05, 9)
	s, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test", SkipUnchanged: true})
	if err != nil {
		t.Fatalf("the September update: %v", err)
	}
	// Only September's service records were read.
	w, err := warehouse.Open(ctx, s.Warehouse, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var september, all int64
	w.QueryRow(ctx, "SELECT count(*) FILTER (WHERE service_date >= DATE '2017-09-01'), count(*) FROM raw.services", nil, &september, &all)
	w.Close()
	for _, src := range s.Sources {
		if src.Name == "services" && (src.RowsRead != september || september == 0 || september >= all) {
			t.Errorf("services: read %d rows, want September's %d of %d", src.RowsRead, september, all)
		}
	}
	for _, m := range s.Models {
		switch m.ID {
		// The people models read stg_service_firsts, which has no load ids:
		// its partitions are told by the build that wrote them.
		case "staging.stg_service_months", "staging.stg_service_firsts", "staging.stg_people_firsts", "staging.stg_people_firsts_city", "staging.stg_people_months":
			if m.Status != transform.BuildSuccess || m.Partitions == nil || m.Partitions.Full || strings.Join(m.Partitions.Parts, ",") != "2017-09-01" {
				t.Errorf("%s: %s, %+v; want September rebuilt alone", m.ID, m.Status, m.Partitions)
			}
		}
	}
	// Their keys are unique by construction: September's keys are grouped
	// and added only where the table lacked them, and the key passed before.
	firstSeen := map[string]bool{"staging.stg_service_firsts": true, "staging.stg_people_firsts": true, "staging.stg_people_firsts_city": true}
	guaranteed := 0
	for _, res := range s.Tests {
		if firstSeen[res.Test.Model] && res.Test.Kind == "unique" {
			if res.Status != check.StatusPass || res.Sample != check.FirstSeenNote {
				t.Errorf("%s %s: %s %q, want a pass by first_seen's construction", res.Test.Model, res.Test.Name, res.Status, res.Sample)
			}
			guaranteed++
		}
	}
	if guaranteed != len(firstSeen) {
		t.Errorf("%d unique tests of first_seen models ran in the update, want %d", guaranteed, len(firstSeen))
	}

	sameAsFullRefresh(t, p, dir, s.Warehouse)

	// A late record: an August service, exported after September's, for a
	// service type few are given, so that its person's first month of it
	// moves to August. Every model of first months rebuilds from August on,
	// the people models told so by the builds of stg_service_firsts alone.
	employed := func() string {
		t.Helper()
		return valueIn(t, s.Warehouse, "SELECT count(*) FROM staging.stg_people_firsts WHERE type_set = '就业' AND month = DATE '2017-08-01'")
	}
	before := employed()
	services := filepath.Join(dir, "data", "roster", "services.csv")
	b, err := os.ReadFile(services)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	last := strings.Split(lines[len(lines)-1], ",")
	id, err := strconv.Atoi(last[0])
	if err != nil {
		t.Fatalf("the export's last line %q: %v", lines[len(lines)-1], err)
	}
	late := fmt.Sprintf("%d,%s,就业,2017-08-31,%s,100,F3,2017-10-08 09:00:00\n", id+1, last[1], last[4])
	if err := os.WriteFile(services, append(b, late...), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test", SkipUnchanged: true})
	if err != nil {
		t.Fatalf("the late record's update: %v", err)
	}
	for _, m := range s.Models {
		switch {
		case firstSeen[m.ID]:
			if m.Status != transform.BuildSuccess || m.Partitions == nil || m.Partitions.Full || m.Partitions.From != "2017-08-01" {
				t.Errorf("%s after a late August record: %s, %+v; want August on rebuilt", m.ID, m.Status, m.Partitions)
			}
		case m.ID == "staging.stg_people_months":
			// Counts by month: the months whose people were rewritten.
			if m.Status != transform.BuildSuccess || m.Partitions == nil || m.Partitions.Full || strings.Join(m.Partitions.Parts, ",") != "2017-08-01,2017-09-01" {
				t.Errorf("%s after a late August record: %s, %+v; want August and September rebuilt", m.ID, m.Status, m.Partitions)
			}
		}
	}
	if after, want := employed(), fmt.Sprint(mustAtoi(t, before)+1); after != want {
		t.Errorf("people first employed in August: %s before the late record, %s after, want one more", before, after)
	}
	sameAsFullRefresh(t, p, dir, s.Warehouse)

	// The catalog edited, no new data: 全年新增残疾人就业 (I05-1) now counts
	// people given 就业 or 培训, a set of service types no model held. The
	// people models, whose rows are by set, are rebuilt whole, and every
	// mart is again what a full refresh of the same files builds.
	employedCity := func() string {
		t.Helper()
		return valueIn(t, s.Warehouse, "SELECT string_agg(actual_cum::VARCHAR, ',' ORDER BY month) FROM marts.city_completion WHERE indicator_id = 'I05-1'")
	}
	counted := employedCity()
	catalog, err := fs.ReadFile(defaultProject, "data/catalog/indicators.csv")
	if err != nil {
		t.Fatal(err)
	}
	edited := regexp.MustCompile(`(?m)^(I05-1,.*,services,)就业,`).ReplaceAllString(string(catalog), "${1}就业/培训,")
	if edited == string(catalog) {
		t.Fatal("I05-1's service types not found in the catalog")
	}
	if err := os.MkdirAll(filepath.Join(dir, "data", "catalog"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "catalog", "indicators.csv"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test", SkipUnchanged: true})
	if err != nil {
		t.Fatalf("the catalog's update: %v", err)
	}
	for _, m := range s.Models {
		switch m.ID {
		case "staging.stg_people_firsts", "staging.stg_people_firsts_city":
			if m.Status != transform.BuildSuccess || m.Partitions == nil || !m.Partitions.Full {
				t.Errorf("%s after the catalog's edit: %s, %+v; want it rebuilt whole", m.ID, m.Status, m.Partitions)
			}
		case "staging.stg_service_firsts":
			if m.Status != transform.BuildUnchanged {
				t.Errorf("%s after the catalog's edit: %s, want it left as it was", m.ID, m.Status)
			}
		}
	}
	if now := employedCity(); now == counted {
		t.Errorf("I05-1 citywide by month: %s before counting 培训 too and after; want more people", now)
	}
	sameAsFullRefresh(t, p, dir, s.Warehouse)
}

// valueIn is the one value query returns from the warehouse at path, as
// text.
func valueIn(t *testing.T, path, query string) string {
	t.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var v string
	if err := w.QueryRow(ctx, "SELECT CAST(("+query+") AS VARCHAR)", nil, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sameAsFullRefresh fails t where a mart of the warehouse at path differs
// from a full refresh of the same files into a fresh one.
func sameAsFullRefresh(t *testing.T, p *project.Project, dir, path string) {
	t.Helper()
	ctx := context.Background()
	full := filepath.Join(t.TempDir(), "full.duckdb")
	if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Warehouse: full, Site: filepath.Join(t.TempDir(), "site"), Command: "test", FullRefresh: true}); err != nil {
		t.Fatalf("full refresh: %v", err)
	}
	got, want := dumpMarts(t, p, path), dumpMarts(t, p, full)
	if len(want) < 10 {
		t.Fatalf("only %d marts", len(want))
	}
	for name, rows := range want {
		if len(got[name]) != len(rows) {
			t.Errorf("marts.%s: %d rows after the update, %d after a full refresh", name, len(got[name]), len(rows))
			continue
		}
		for i := range rows {
			if got[name][i] != rows[i] {
				t.Errorf("marts.%s differs from a full refresh at row %d:\n  update: %s\n  full:   %s", name, i+1, got[name][i], rows[i])
				break
			}
		}
	}
}

// benchScale is JIXIAO_BENCH_SCALE, 1 unless set (100 is a province).
func benchScale(b *testing.B) float64 {
	scale := 1.0
	if v := os.Getenv("JIXIAO_BENCH_SCALE"); v != "" {
		if _, err := fmt.Sscan(v, &scale); err != nil {
			b.Fatalf("JIXIAO_BENCH_SCALE=%q: %v", v, err)
		}
	}
	return scale
}

// BenchmarkMonthlyUpdate measures what an office does every month: months
// 1-8 are loaded, September arrives (new reports, the ledger and survey
// exports again, the services export grown by a month) and `jixiao run`
// brings everything up to date; the baseline is a full run of the same
// files into a fresh warehouse, in the same process. Both are whole runs
// (extract, transform, test, render), as a user times them; the order
// alternates between iterations.
func BenchmarkMonthlyUpdate(b *testing.B) {
	benchenv.RecordLoad(b)
	scale := benchScale(b)
	ctx := context.Background()
	var update, full time.Duration
	stages := map[run.Stage]time.Duration{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		p := monthlyDemo(b, dir, scale, 8)
		if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "bench", SkipUnchanged: true}); err != nil {
			b.Fatal(err)
		}
		p = monthlyDemo(b, dir, scale, 9)
		b.StartTimer()
		timeFull := func() {
			start := time.Now()
			fresh := b.TempDir()
			if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Warehouse: filepath.Join(fresh, "w.duckdb"),
				Site: filepath.Join(fresh, "site"), Command: "bench", SkipUnchanged: true}); err != nil {
				b.Fatal(err)
			}
			full += time.Since(start)
		}
		if i%2 == 1 {
			timeFull()
		}
		start := time.Now()
		s, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "bench", SkipUnchanged: true})
		if err != nil {
			b.Fatal(err)
		}
		update += time.Since(start)
		for st, d := range s.Stages {
			stages[st] += d
		}
		if i%2 == 0 {
			timeFull()
		}
	}
	n := float64(b.N)
	b.ReportMetric(scale, "scale")
	b.ReportMetric(update.Seconds()/n, "s/update")
	for _, st := range run.AllStages {
		b.ReportMetric(stages[st].Seconds()/n, "s/update_"+string(st))
	}
	benchenv.Ratio(b, "full_run", update, full)
}
