//go:build duckdb_arrow

package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"jixiao/internal/fixture"
	"jixiao/pipeline/warehouse"
)

// withRoster adds to the tiny project a roster with names and ID numbers
// (staged without them), and notes whose text holds a phone number.
func withRoster(t *testing.T) string {
	t.Helper()
	dir := fixture.Copy(t, "tiny")
	files := map[string]string{
		"sources/roster.yaml": "kind: csv\npath: data/roster.csv\ncolumns:\n" +
			"  - {name: person, type: text, required: true, aliases: [姓名]}\n" +
			"  - {name: id_no, type: text, aliases: [身份证号]}\n" +
			"  - {name: unit_code, type: unit, required: true}\n",
		"data/roster.csv": "姓名,身份证号,unit_code\n张三,370102199003071234,371002\n李四,37100219851231002X,371071\n",
		"sources/notes.yaml": "kind: csv\npath: data/notes.csv\ncolumns:\n" +
			"  - {name: unit_code, type: unit, required: true}\n  - {name: remark, type: text}\n",
		"data/notes.csv": "unit_code,remark\n371002,有事请联系 13912345678\n371071,按时报送\n",
		"transforms/staging/stg_roster.sql": "/* jixiao\ndescription: 花名册（去标识）\ncolumns:\n  person_key: 人员键\n*/\n" +
			"SELECT left(sha256(id_no), 12) AS person_key, unit_code, _load_id AS load_id FROM raw.roster\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := jixiao(t, dir, "run"); code != ExitOK {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	return dir
}

// exportedRows reads an exported table back from its files as another
// engine would, the partition columns from the folder names.
func exportedRows(t *testing.T, out, table string) *warehouse.Result {
	t.Helper()
	r, err := warehouse.Open(context.Background(), "", warehouse.Options{ReadDirs: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Query(context.Background(), "SELECT * FROM read_parquet('"+filepath.Join(out, filepath.FromSlash(table))+
		"/**/*.parquet', hive_partitioning = true, hive_types_autocast = false) ORDER BY ALL", 0)
	if err != nil {
		t.Fatalf("read %s back: %v", table, err)
	}
	return res
}

func TestExportAllWritesHivePartitionsAndAManifest(t *testing.T) {
	dir := withRoster(t)
	out := filepath.Join(t.TempDir(), "exports", "371000")

	// Without a city (no city: setting, no 市本级 unit) there is nothing to stamp.
	if code, _, errOut := jixiao(t, dir, "export", "--all", "--format", "parquet", "--out", out); code != ExitUsage || !strings.Contains(errOut, "city:") {
		t.Fatalf("export without a city: exit %d %s", code, errOut)
	}
	f, err := os.OpenFile(filepath.Join(dir, "jixiao.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("city: {code: \"371000\", name: 威海市}\n")
	f.Close()

	code, stdout, errOut := jixiao(t, dir, "export", "--all", "--format", "parquet", "--out", out, "--partition-by", "month")
	if code != ExitOK {
		t.Fatalf("export --all: exit %d\n%s\n%s", code, stdout, errOut)
	}
	for _, want := range []string{"已导出 威海市（371000）的 5 张表", "按 city/month 分区", "未导出 raw.roster：含个人信息列 person（姓名）、id_no（身份证号）",
		"未导出 raw.notes：有形如身份证号或手机号的值：remark（1 个）"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.City.Code != "371000" || m.City.Name != "威海市" || m.PlanYear != 2017 || m.Project != "测试项目" || m.LastRun == nil ||
		!reflect.DeepEqual(m.PartitionBy, []string{"city", "month"}) {
		t.Errorf("manifest: %s", data)
	}
	byName := map[string]ManifestTable{}
	var names []string
	for _, tb := range m.Tables {
		byName[tb.Schema+"."+tb.Name] = tb
		names = append(names, tb.Schema+"."+tb.Name)
	}
	sort.Strings(names)
	if want := []string{"marts.completion", "raw.progress", "raw.targets", "staging.stg_progress", "staging.stg_roster"}; !reflect.DeepEqual(names, want) {
		t.Errorf("tables %v, want %v", names, want)
	}
	prog := byName["staging.stg_progress"]
	if prog.Kind != "view" || prog.Rows != 3 || prog.Files != 2 || !reflect.DeepEqual(prog.PartitionBy, []string{"city", "month"}) || len(prog.LoadIDs) != 2 {
		t.Errorf("staging.stg_progress in the manifest: %+v", prog)
	}
	comp := byName["marts.completion"]
	if comp.Description != "累计完成与完成率" || comp.Rows != 2 || comp.Files != 1 || comp.Path != "marts/completion" ||
		!reflect.DeepEqual(comp.PartitionBy, []string{"city"}) {
		t.Errorf("marts.completion in the manifest: %+v", comp)
	}
	var cols []string
	for _, c := range comp.Columns {
		cols = append(cols, c.Name+":"+c.HiveType+":"+c.Label)
	}
	if want := "unit_code:STRING:单位代码 actual:BIGINT:累计完成 target:BIGINT:全年目标 completion_rate:DOUBLE:完成率 city:STRING:"; strings.Join(cols, " ") != want {
		t.Errorf("marts.completion's columns: %s", strings.Join(cols, " "))
	}
	if len(m.Excluded) != 2 {
		t.Errorf("excluded: %+v", m.Excluded)
	}
	if _, err := os.Stat(filepath.Join(out, "raw", "roster")); err == nil {
		t.Error("raw.roster was written")
	}

	// The files hold what the warehouse holds, the city in the folder names.
	res := exportedRows(t, out, "marts/completion")
	if len(res.Rows) != 2 || res.Rows[0][0] != "371002" || res.Rows[0][1] != int64(22) || res.Rows[0][4] != "371000" {
		t.Errorf("marts.completion read back: %v %v", res.Columns, res.Rows)
	}
	if _, err := os.Stat(filepath.Join(out, "staging", "stg_progress", "city=371000", "month=2017-01-01")); err != nil {
		t.Errorf("month partition: %v", err)
	}
	// No ID-number-shaped string anywhere in the export; the roster's own
	// table holds them, so the search does find them where they are.
	r, err := warehouse.Open(context.Background(), "", warehouse.Options{ReadDirs: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	r.Exec(ctx, "CREATE SCHEMA x")
	for _, name := range names {
		tb := byName[name]
		if err := r.Exec(ctx, "CREATE TABLE x."+tb.Schema+"_"+tb.Name+" AS SELECT * FROM read_parquet('"+
			filepath.Join(out, tb.Path)+"/**/*.parquet', hive_partitioning = true)"); err != nil {
			t.Fatal(err)
		}
		if found, err := r.PersonalValues(ctx, "x", tb.Schema+"_"+tb.Name); err != nil || len(found) > 0 {
			t.Errorf("%s holds personal data: %v %v", name, found, err)
		}
	}
	wh, err := warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	found, err := wh.PersonalValues(ctx, "raw", "roster")
	wh.Close()
	if err != nil || found["id_no"] != 2 {
		t.Errorf("the search finds no ID numbers where there are two: %v %v", found, err)
	}

	// `jixiao query` still writes nothing, not even into the export folder.
	for _, stmt := range []string{
		"COPY (SELECT 1) TO '" + filepath.Join(out, "x.csv") + "'",
		"COPY (SELECT * FROM raw.roster) TO '" + filepath.Join(out, "raw", "roster") + "' (FORMAT parquet, PARTITION_BY (unit_code))",
	} {
		if code, _, errOut := jixiao(t, dir, "query", stmt); code != ExitFailed || !strings.Contains(errOut, "已拒绝") {
			t.Errorf("query %s: exit %d %s", stmt, code, errOut)
		}
	}

	// Exported again, the folder is replaced whole; nothing is left beside it.
	if code, _, errOut := jixiao(t, dir, "export", "--all", "--format", "parquet", "--out", out); code != ExitOK {
		t.Fatalf("export again: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "staging", "stg_progress", "city=371000", "month=2017-01-01")); err == nil {
		t.Error("the earlier export's month partitions are still there")
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("beside the export: %v", entries)
	}
}

func TestExportAllRefuses(t *testing.T) {
	dir := withRoster(t)
	f, err := os.OpenFile(filepath.Join(dir, "jixiao.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("city: {code: \"371000\", name: 威海市}\n")
	f.Close()
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--out", other}, ExitUsage, "不会覆盖"},
		{[]string{"--out", filepath.Join(dir, ".jixiao")}, ExitUsage, "中有仓库文件"},
		{[]string{"--out", filepath.Join(other, "x"), "--format", "csv"}, ExitUsage, "只能导出为 parquet"},
		{[]string{"--out", filepath.Join(other, "x"), "--partition-by", "mnth"}, ExitUsage, "--partition-by mnth：导出的表都没有这一列"},
		{[]string{"--out", filepath.Join(other, "x"), "--partition-by", "city"}, ExitUsage, "city 总在第一层"},
		{[]string{"marts.completion", "--out", filepath.Join(other, "x")}, ExitUsage, "不接受表名"},
		{[]string{"--format", "parquet"}, ExitUsage, "需要 --out"},
	} {
		code, _, errOut := jixiao(t, dir, append([]string{"export", "--all"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", c.args, code, c.code, c.want, errOut)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(other, "notes.txt")); string(data) != "mine" {
		t.Error("the other folder's file was touched")
	}
	if entries, _ := os.ReadDir(other); len(entries) != 1 {
		t.Errorf("left in the other folder: %v", entries)
	}
}

func TestExportAllFlag(t *testing.T) {
	for args, want := range map[string]bool{
		"--all --out x": true, "marts.t -all": true, "--all=true": true, "--all=false marts.t": false,
		"marts.t --format csv": false, "-- --all": false, "--allx": false, "all": false,
	} {
		if got := exportAll(strings.Fields(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}
