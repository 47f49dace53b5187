//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"jixiao/internal/pgtest"
	"jixiao/pipeline/check"
	"jixiao/pipeline/cli"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
)

// copyTree copies the files under src to dst, leaving out the folders a
// run of the example writes.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case rel == "work" || rel == "exports" || rel == ".jixiao" || rel == "site" || strings.HasPrefix(rel, ".site"):
			// site is a symlink to a .site-<run> folder once a run has rendered
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openRead opens a warehouse read-only, for the test to compare.
func openRead(t *testing.T, path string, dirs ...string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: path != "", ReadDirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func query(t *testing.T, w *warehouse.Warehouse, sql string) [][]any {
	t.Helper()
	res, err := w.Query(context.Background(), sql, 0)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res.Rows
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	}
	return math.NaN()
}

// The README's province demo, followed to the letter on a copy of
// examples/province: three cities made from the default project, each run
// and exported, then rolled up. The province's figures must be the sums of
// the cities' own marts, each city's completion its own, and its score the
// one its own indicator scores and assessment give. The same roll-up on a
// PostgreSQL warehouse must then give the same marts.
func TestProvinceRollUpAddsUpToTheCities(t *testing.T) {
	section := readmeSection(t, "### The example: examples/province")
	blocks := fenceRe.FindAllStringSubmatch(section, -1)
	var script string
	for _, b := range blocks {
		if b[1] == "sh" {
			script = b[2]
		}
	}
	if script == "" {
		t.Fatal("the section has no commands")
	}
	root := t.TempDir()
	copyTree(t, "examples/province", filepath.Join(root, "examples", "province"))
	t.Chdir(root)
	var outputs []string
	for _, line := range strings.Split(script, "\n") {
		args := splitCommand(line)
		switch {
		case len(args) == 0:
		case args[0] == "cd" && len(args) == 2:
			t.Chdir(args[1])
		case args[0] == "cp" && len(args) == 3:
			data, err := os.ReadFile(args[1])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(args[2], data, 0o644); err != nil {
				t.Fatal(err)
			}
		case args[0] == "../../jixiao":
			var out bytes.Buffer
			env := cli.Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, DefaultProject: defaultProject, Version: "test"}
			if code := cli.Main(context.Background(), args[1:], env); code != cli.ExitOK {
				t.Fatalf("%s: exit %d\n%s", line, code, out.String())
			}
			outputs = append(outputs, out.String())
		default:
			t.Fatalf("the test does not know how to run %q", line)
		}
	}
	last := outputs[len(outputs)-1]
	if !strings.Contains(last, "（3 行）") {
		t.Errorf("the ranking query:\n%s", last)
	}

	dir, _ := os.Getwd()
	province := openRead(t, filepath.Join(dir, ".jixiao", "warehouse.duckdb"))
	cities := map[string]string{"371000": "威海市", "370600": "烟台市", "370700": "潍坊市"}
	var services int64
	var spent, planned float64
	scores := map[string]float64{}
	for code, name := range cities {
		city := openRead(t, filepath.Join(dir, "work", code, ".jixiao", "warehouse.duckdb"))

		// The city's own figures.
		own := query(t, city, `SELECT (SELECT count(*) FROM staging.stg_services),
			(SELECT sum(spent_wan::DECIMAL(18, 4))::DOUBLE FROM marts.fund_performance WHERE unit_code = 'ALL'),
			(SELECT sum(planned_wan::DECIMAL(18, 4))::DOUBLE FROM marts.fund_performance WHERE unit_code = 'ALL'),
			(SELECT sum(score) FILTER (WHERE method <> 'bonus') / sum(weight) FILTER (WHERE method <> 'bonus') * 100
			 FROM marts.indicator_scores WHERE context = 'assessment'),
			(SELECT avg(bonus) - avg(deduction) FROM marts.unit_assessment),
			(SELECT count(*) FROM marts.unit_assessment)`)[0]
		services += own[0].(int64)
		spent += num(own[1])
		planned += num(own[2])
		score := math.Round(num(own[3])*100)/100 + math.Round(num(own[4])*100)/100
		scores[code] = score

		// The province's row of the city.
		got := query(t, province, `SELECT city_name, services, spent_wan, planned_wan, score, units
			FROM marts.city_ranking WHERE city = '`+code+`'`)
		if len(got) != 1 {
			t.Fatalf("city %s: %d rows in marts.city_ranking", code, len(got))
		}
		g := got[0]
		if g[0] != name || g[1] != own[0] || math.Abs(num(g[2])-num(own[1])) > 0.005 || math.Abs(num(g[3])-num(own[2])) > 0.005 ||
			math.Abs(num(g[4])-score) > 0.011 || g[5] != own[5] {
			t.Errorf("city %s in the province: %v; its own: services %v, spent %v, planned %v, score %.2f, units %v", code, g, own[0], own[1], own[2], score, own[5])
		}

		// Each indicator's completion and status are the city's own, at its newest month.
		mine := query(t, city, `SELECT indicator_id, completion_rate, status FROM marts.city_completion
			WHERE month = (SELECT max(month) FROM marts.city_completion) ORDER BY indicator_id`)
		theirs := query(t, province, `SELECT indicator_id, completion_rate, status FROM marts.city_indicators
			WHERE city = '`+code+`' ORDER BY indicator_id`)
		if len(mine) == 0 || len(mine) != len(theirs) {
			t.Fatalf("city %s: %d indicators, the province has %d", code, len(mine), len(theirs))
		}
		for i := range mine {
			if mine[i][0] != theirs[i][0] || mine[i][2] != theirs[i][2] || (mine[i][1] == nil) != (theirs[i][1] == nil) ||
				mine[i][1] != nil && math.Abs(num(mine[i][1])-num(theirs[i][1])) > 1e-9 {
				t.Errorf("city %s: %v in its own marts, %v in the province's", code, mine[i], theirs[i])
			}
		}

		// The export says what it holds and holds no personal data.
		data, err := os.ReadFile(filepath.Join(dir, "exports", code, cli.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var m cli.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		// raw.services holds its certificate numbers only as person keys
		// (a pseudonym column): it is exported, the roster is not.
		exported := map[string]bool{}
		for _, tb := range m.Tables {
			exported[tb.Schema+"."+tb.Name] = true
		}
		if m.City.Code != code || m.City.Name != name || m.PlanYear != 2017 || m.DataPeriod != "2017-09-01" || len(m.Excluded) != 1 ||
			m.Excluded[0].Table != "raw.persons" || !exported["raw.services"] {
			t.Errorf("city %s's manifest: %+v", code, m)
		}
		if code == "371000" {
			noPersonalData(t, filepath.Join(dir, "exports", code), m, city)
		}
	}

	totals := query(t, province, `SELECT cities, services, spent_wan, planned_wan FROM marts.province_totals`)[0]
	if totals[0] != int64(3) || totals[1] != services || math.Abs(num(totals[2])-spent) > 0.005 || math.Abs(num(totals[3])-planned) > 0.005 {
		t.Errorf("province totals %v; the cities add up to services %d, spent %.4f, planned %.4f", totals, services, spent, planned)
	}
	// Ranked by score, ties sharing a rank.
	ranks := query(t, province, `SELECT city, rank, score FROM marts.city_ranking ORDER BY rank, city`)
	for i, r := range ranks {
		if i > 0 {
			prev := ranks[i-1]
			if num(r[2]) > num(prev[2]) || (num(r[2]) == num(prev[2])) != (r[1] == prev[1]) {
				t.Errorf("ranking out of order: %v after %v", r, prev)
			}
		}
	}
	if num(ranks[0][2]) != math.Max(scores["371000"], math.Max(scores["370600"], scores["370700"])) && math.Abs(num(ranks[0][2])-math.Max(scores["371000"], math.Max(scores["370600"], scores["370700"]))) > 0.011 {
		t.Errorf("first %v, scores %v", ranks[0], scores)
	}
	if _, err := os.Stat(filepath.Join(dir, "site", "city-370600.html")); err != nil {
		t.Errorf("the province's city page: %v", err)
	}

	t.Run("postgres", func(t *testing.T) { provinceOnPostgres(t, dir, province) })
}

// provinceOnPostgres runs the province project over the same exports on a
// PostgreSQL warehouse (its own database): the whole run (extract,
// transform, test, render) must pass, and every mart must hold the rows
// DuckDB's has, numbers equal to 1e-9.
func provinceOnPostgres(t *testing.T, dir string, duck *warehouse.Warehouse) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	pgDir := t.TempDir()
	copyTree(t, dir, pgDir)
	if err := os.CopyFS(filepath.Join(pgDir, "exports"), os.DirFS(filepath.Join(dir, "exports"))); err != nil {
		t.Fatal(err)
	}
	setWarehouse(t, pgDir, "warehouse: {kind: postgres, dsn_env: JIXIAO_PG_DSN, schema_prefix: province_}")
	getenv := func(k string) string {
		if k == "JIXIAO_PG_DSN" {
			return dsn
		}
		return ""
	}
	// 威海市 keeps its warehouse in PostgreSQL too: the province reads its
	// export in place of the one its DuckDB warehouse made.
	cityExport := cityExportOnPostgres(t, filepath.Join(dir, "work", "371000"), filepath.Join(dir, "exports", "371000"), getenv)
	if err := os.RemoveAll(filepath.Join(pgDir, "exports", "371000")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cityExport, filepath.Join(pgDir, "exports", "371000")); err != nil {
		t.Fatal(err)
	}
	p := mustLoad(t, pgDir)
	s, err := run.Execute(ctx, run.Options{Project: p, Base: pgDir, Command: "test", Getenv: getenv})
	if err != nil {
		t.Fatalf("the province on PostgreSQL: %v", err)
	}
	if s.Status != warehouse.StatusSuccess || len(s.Models) != len(p.Models) || len(s.Tests) == 0 || s.Render == nil || len(s.Render.Pages) != 4 {
		t.Errorf("the province on PostgreSQL: %s, %d models of %d, %d tests, render %v", s.Status, len(s.Models), len(p.Models), len(s.Tests), s.Render != nil)
	}
	for _, r := range s.Tests {
		if r.Status != check.StatusPass || r.Err != nil {
			t.Errorf("data test %s on PostgreSQL: %s %v (%d rows)", r.Test.Name, r.Status, r.Err, r.Failures)
		}
	}

	marts, rows, numbers := sameMarts(t, duck, pgDir, getenv)
	if len(marts) != 5 {
		t.Errorf("%d marts compared: %v", len(marts), marts)
	}
	t.Logf("the province on PostgreSQL in %v: %d marts, %d rows, %d numbers equal to DuckDB's", s.Duration.Round(time.Millisecond), len(marts), rows, numbers)
}

// noPersonalData reads back every table of an export and finds no text
// shaped like an ID or phone number, where the city's raw roster, which is
// not exported, has them.
func noPersonalData(t *testing.T, dir string, m cli.Manifest, city *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	r := openRead(t, "", dir)
	if err := r.Exec(ctx, "CREATE SCHEMA x"); err != nil {
		t.Fatal(err)
	}
	for _, tb := range m.Tables {
		name := tb.Schema + "_" + tb.Name
		if err := r.Exec(ctx, "CREATE TABLE x."+name+" AS SELECT * FROM read_parquet('"+filepath.Join(dir, tb.Path)+
			"/**/*.parquet', hive_partitioning = true, union_by_name = true)"); err != nil {
			t.Fatal(err)
		}
		found, err := r.PersonalValues(ctx, "x", name)
		if err != nil || len(found) > 0 {
			t.Errorf("%s.%s holds personal data: %v %v", tb.Schema, tb.Name, found, err)
		}
		// A certificate number (an ID number and two digits) is not shaped
		// like either: person_key must hold keys, non-negative BIGINTs (20
		// digits, a certificate number does not fit in one).
		for _, c := range tb.Columns {
			if c.Name != "person_key" {
				continue
			}
			var typ string
			var bad int64
			if err := r.QueryRow(ctx, "SELECT any_value(typeof(person_key)), count(*) FILTER (WHERE person_key < 0) FROM x."+name, nil, &typ, &bad); err != nil || typ != "BIGINT" || bad > 0 {
				t.Errorf("%s.%s: person keys of type %s, %d negative: %v", tb.Schema, tb.Name, typ, bad, err)
			}
		}
	}
	found, err := city.PersonalValues(ctx, "raw", "persons")
	if err != nil || found["id_number"] == 0 || found["phone"] == 0 {
		t.Errorf("the search finds no ID or phone numbers in raw.persons: %v %v", found, err)
	}
}

// cityExportOnPostgres runs the city project in cityDir on a PostgreSQL
// warehouse (extract and transform), exports it with `jixiao export --all`
// and checks the export against the one its DuckDB warehouse made
// (duckExport): the same files, manifest (but for the run's load ids),
// Parquet schema of every file, and rows, numbers equal to 1e-9. It
// returns the export's folder.
func cityExportOnPostgres(t *testing.T, cityDir, duckExport string, getenv func(string) string) string {
	ctx := context.Background()
	start := time.Now()
	pgCity := t.TempDir()
	copyTree(t, cityDir, pgCity)
	setWarehouse(t, pgCity, "warehouse: {kind: postgres, dsn_env: JIXIAO_PG_DSN, schema_prefix: city_}")
	s, err := run.Execute(ctx, run.Options{Project: mustLoad(t, pgCity), Base: pgCity, Command: "run", Getenv: getenv,
		Stages: []run.Stage{run.StageExtract, run.StageTransform}})
	if err != nil || s.Status != warehouse.StatusSuccess {
		t.Fatalf("the city on PostgreSQL: %v %v", s.Status, err)
	}
	built := time.Since(start)
	pgExport := filepath.Join(t.TempDir(), "371000")
	var out bytes.Buffer
	env := cli.Env{Stdout: &out, Stderr: &out, Getenv: getenv, DefaultProject: defaultProject, Version: "test",
		Getwd: func() (string, error) { return pgCity, nil }}
	if code := cli.Main(ctx, []string{"--project", pgCity, "export", "--all", "--format", "parquet", "--out", pgExport}, env); code != cli.ExitOK {
		t.Fatalf("export --all on PostgreSQL: exit %d\n%s", code, out.String())
	}
	exported := time.Since(start) - built

	if want, got := listTree(t, duckExport), listTree(t, pgExport); strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("the export from PostgreSQL holds\n%s\nfrom DuckDB\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	manifest := func(dir string) cli.Manifest {
		data, err := os.ReadFile(filepath.Join(dir, cli.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var m cli.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		// The load ids name each warehouse's own runs: compared by count.
		for i := range m.Tables {
			m.Tables[i].LoadIDs = make([]string, len(m.Tables[i].LoadIDs))
		}
		m.ExportedAt, m.LastRun = time.Time{}, nil
		return m
	}
	want, got := manifest(duckExport), manifest(pgExport)
	if w, g := mustJSON(t, want), mustJSON(t, got); w != g {
		t.Errorf("the manifest from PostgreSQL\n%s\nfrom DuckDB\n%s", g, w)
	}

	r := openRead(t, "", duckExport, pgExport)
	files, rows := 0, 0
	for _, f := range listTree(t, duckExport) {
		if !strings.HasSuffix(f, ".parquet") {
			continue
		}
		schema := func(dir string) string {
			return fmt.Sprint(query(t, r, "SELECT name, type, converted_type, scale, precision, logical_type, repetition_type FROM parquet_schema("+
				warehouse.QuoteString(filepath.Join(dir, f))+")"))
		}
		if w, g := schema(duckExport), schema(pgExport); w != g {
			t.Errorf("%s: Parquet schema from PostgreSQL\n%s\nfrom DuckDB\n%s", f, g, w)
		}
		files++
	}
	for _, side := range []string{"duck", "pg"} {
		if err := r.Exec(ctx, "CREATE SCHEMA "+side); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range want.Tables {
		name := tb.Schema + "_" + tb.Name
		for side, dir := range map[string]string{"duck": duckExport, "pg": pgExport} {
			if err := r.Exec(ctx, "CREATE VIEW "+side+"."+name+" AS SELECT * FROM read_parquet("+
				warehouse.QuoteString(filepath.Join(dir, tb.Path)+"/**/*.parquet")+", hive_partitioning = true, union_by_name = true)"); err != nil {
				t.Fatal(err)
			}
		}
		w, g := tableRows(t, r, "duck", name), tableRows(t, r, "pg", name)
		if diff := compareRows(w, g); diff != "" {
			t.Errorf("%s.%s exported from PostgreSQL: %s", tb.Schema, tb.Name, diff)
		}
		rows += len(w)
	}
	if files < len(want.Tables) || rows < 10_000 {
		t.Errorf("only %d files and %d rows compared", files, rows)
	}
	t.Logf("the city on PostgreSQL: built in %v, exported in %v; %d tables, %d files, %d rows equal to DuckDB's export",
		built.Round(time.Millisecond), exported.Round(time.Millisecond), len(want.Tables), files, rows)
	return pgExport
}

// listTree lists the files under dir, relative to it.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
