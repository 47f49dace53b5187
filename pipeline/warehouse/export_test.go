package warehouse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// exportFixture builds a warehouse with a table of the types an export
// meets (and a few other engines cannot read as DuckDB writes them) and
// reopens it read-only, as jixiao export does, allowed to write out.
func exportFixture(t *testing.T, out string) *Warehouse {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Exec(ctx, `CREATE SCHEMA marts;
		CREATE TABLE marts.t AS SELECT
			i::VARCHAR AS id, (DATE '2017-01-01' + to_months(i % 3))::DATE AS month,
			sum(i) OVER ()::HUGEINT AS total, (i * 2)::UINTEGER AS doubled, INTERVAL 1 DAY AS span,
			['L' || i] AS load_ids, (i / 4)::DECIMAL(18, 4) AS share
		FROM range(10) t(i);
		CREATE TABLE marts.empty (a VARCHAR, month DATE);
		CREATE VIEW marts.v AS SELECT id, month FROM marts.t WHERE month = DATE '2017-02-01'`)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	w, err = Open(ctx, path, Options{ReadOnly: true, WriteDirs: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files
}

// A table is written in Hive's layout: the city's folder, then one per
// value of a partition column the table has; types other engines cannot
// read are written as ones they can, and read back as the same values.
func TestExportHiveLayoutAndTypes(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	w := exportFixture(t, out)
	city := []PartitionValue{{Name: "city", Value: "371000"}}
	if err := os.MkdirAll(filepath.Join(out, "marts"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := w.ExportHive(ctx, "marts", "t", filepath.Join(out, "marts", "t"), city, []string{"month", "no_such_column"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != 10 || !reflect.DeepEqual(got.PartitionBy, []string{"city", "month"}) {
		t.Errorf("rows %d, partitions %v", got.Rows, got.PartitionBy)
	}
	want := []string{
		"city=371000/month=2017-01-01/data_0.parquet",
		"city=371000/month=2017-02-01/data_0.parquet",
		"city=371000/month=2017-03-01/data_0.parquet",
	}
	if files := listFiles(t, filepath.Join(out, "marts", "t")); !reflect.DeepEqual(files, want) {
		t.Errorf("files:\n%v\nwant\n%v", files, want)
	}
	var cols []string
	for _, c := range got.Columns {
		cols = append(cols, c.Name+" "+c.Type+" "+c.HiveType+map[bool]string{true: " partition"}[c.Partition])
	}
	wantCols := []string{
		"id VARCHAR STRING", "total BIGINT BIGINT", "doubled BIGINT BIGINT", "span VARCHAR STRING",
		"load_ids VARCHAR[] ARRAY<STRING>", "share DECIMAL(18,4) DECIMAL(18,4)",
		"city VARCHAR STRING partition", "month DATE DATE partition",
	}
	if !reflect.DeepEqual(cols, wantCols) {
		t.Errorf("columns:\n%v\nwant\n%v", strings.Join(cols, "\n"), strings.Join(wantCols, "\n"))
	}

	// A view exports like a table; an empty table leaves one empty file.
	if _, err := w.ExportHive(ctx, "marts", "v", filepath.Join(out, "marts", "v"), city, []string{"month"}); err != nil {
		t.Fatal(err)
	}
	empty, err := w.ExportHive(ctx, "marts", "empty", filepath.Join(out, "marts", "empty"), city, []string{"month"})
	if err != nil || empty.Rows != 0 {
		t.Fatalf("empty table: %v %v", empty, err)
	}
	if files := listFiles(t, filepath.Join(out, "marts", "empty")); !reflect.DeepEqual(files, []string{"city=371000/data_0.parquet"}) {
		t.Errorf("empty table's files: %v", files)
	}

	// Read back as another engine would, the partitions from the folder names.
	r, err := Open(ctx, "", Options{ReadDirs: []string{out}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Query(ctx, `SELECT count(*), sum(total)::DOUBLE, sum(doubled)::DOUBLE, min(span), count(DISTINCT month), min(city), sum(share)::DOUBLE,
		typeof(min(total)), typeof(min(month))
		FROM read_parquet('`+out+`/marts/t/*/*/*.parquet', hive_partitioning = true, hive_types = {'city': VARCHAR, 'month': DATE})`, 0)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	if row[0] != int64(10) || row[1].(float64) != 450 || row[2].(float64) != 90 || row[3] != "1 day" || row[4] != int64(3) ||
		row[5] != "371000" || row[6] != 11.25 || row[7] != "BIGINT" || row[8] != "DATE" {
		t.Errorf("read back: %v", row)
	}
	res, err = r.Query(ctx, `SELECT count(*) FROM read_parquet('`+out+`/marts/v/*/*/*.parquet')`, 0)
	if err != nil || res.Rows[0][0] != int64(3) {
		t.Errorf("the view read back: %v %v", res, err)
	}
	res, err = r.Query(ctx, `SELECT count(*), string_agg(name, ',') FROM parquet_schema('`+out+`/marts/empty/city=371000/data_0.parquet') WHERE name IN ('a', 'month', 'city')`, 0)
	if err != nil || res.Rows[0][0] != int64(1) || res.Rows[0][1] != "a" {
		t.Errorf("the empty table's file holds its columns but the partition columns: %v %v", res, err)
	}

	// A table that already has a column of a fixed partition's name is refused.
	if _, err := w.ExportHive(ctx, "marts", "t", filepath.Join(out, "marts", "t2"), []PartitionValue{{Name: "id", Value: "x"}}, nil); err == nil {
		t.Error("a clash between a fixed partition and a column was not refused")
	}
}

// WriteDirs lets SQL write into its folders and nowhere else; without it a
// read-only warehouse writes nothing at all.
func TestWriteDirsAllowTheExportFolderOnly(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	w := exportFixture(t, out)
	if err := w.Exec(ctx, "COPY (SELECT 1 AS a) TO '"+filepath.Join(out, "ok.parquet")+"' (FORMAT parquet)"); err != nil {
		t.Fatalf("writing inside the export folder: %v", err)
	}
	for _, target := range []string{
		filepath.Join(parent, "leak.csv"),
		out + "/../leak.csv",
		out + "x/leak.csv",
		"leak.csv",
		w.Path(),
	} {
		err := w.Exec(ctx, "COPY (SELECT * FROM marts.t) TO '"+target+"'")
		var refused *RefusedError
		if !errors.As(Explain(err), &refused) {
			t.Errorf("COPY to %s: %v, want refused", target, err)
		}
	}
	if _, err := os.Stat(filepath.Join(parent, "leak.csv")); err == nil {
		t.Error("leak.csv was written")
	}

	// The same warehouse opened as `jixiao query` opens it cannot write
	// into the export folder either.
	w.Close()
	q, err := Open(ctx, w.Path(), Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, stmt := range []string{
		"COPY (SELECT 1) TO '" + filepath.Join(out, "q.csv") + "'",
		"COPY (SELECT * FROM marts.t) TO '" + filepath.Join(out, "p") + "' (FORMAT parquet, PARTITION_BY (month))",
	} {
		var refused *RefusedError
		if err := q.Exec(ctx, stmt); !errors.As(Explain(err), &refused) {
			t.Errorf("%s: %v, want refused", stmt, err)
		}
	}
	if files := listFiles(t, out); !reflect.DeepEqual(files, []string{"ok.parquet"}) {
		t.Errorf("the export folder holds %v", files)
	}
}

func TestLoadIDsAndPersonalValues(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	err := w.Exec(ctx, `CREATE SCHEMA marts;
		CREATE TABLE raw.r AS SELECT * FROM (VALUES ('a', 'L2'), ('b', 'L1'), ('c', 'L2')) t(x, _load_id);
		CREATE TABLE marts.m AS SELECT * FROM (VALUES (['L3', 'L1']), (['L3'])) t(load_ids);
		CREATE TABLE marts.none AS SELECT 1 AS a;
		CREATE TABLE marts.p AS SELECT * FROM (VALUES
			('370102199003071234', '电话 13912345678', 'ok', 5),
			('身份证37010219900307123X。', '0631-5201234', '6f3a2b1c9d8e7f6a5b4c', 6),
			('3701021990030712345', '139123456789', 'ab37010219901307123Xcd', 7),
			('ok', 'ok', '6f3a13912345678b0c37010219900307123Xd', 8)
		) t(id_text, phone_text, key, n)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table string
		want  []string
	}{
		{"r", []string{"L1", "L2"}},
		{"m", []string{"L1", "L3"}},
		{"none", nil},
	} {
		schema := "marts"
		if c.table == "r" {
			schema = "raw"
		}
		if got, err := w.LoadIDs(ctx, schema, c.table); err != nil || !reflect.DeepEqual(got, c.want) && len(got)+len(c.want) > 0 {
			t.Errorf("%s: %v %v, want %v", c.table, got, err, c.want)
		}
	}
	got, err := w.PersonalValues(ctx, "marts", "p")
	if err != nil {
		t.Fatal(err)
	}
	// 19 digits, 12 digits, a 13th month, a landline and digits inside a
	// hexadecimal key are not matched.
	if want := map[string]int64{"id_text": 2, "phone_text": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("personal values: %v, want %v", got, want)
	}
}
