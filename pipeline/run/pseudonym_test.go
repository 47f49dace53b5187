//go:build duckdb_arrow

package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// A certificate number declared as a pseudonym column never reaches the
// warehouse: its key is stored instead, the number project.PersonKey's
// comment gives in SQL (personKeySQL), so that SQL of the number and the
// stored key agree. A warehouse loaded before, with the number in its raw
// table, is loaded again whole on the first run with the new declaration,
// and says so.
func TestPseudonymColumnStoresTheKeyAndReloadsAnOlderTable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) { t.Helper(); writeFile(t, dir, name, text) }
	write("jixiao.yaml", "name: t\nplan_year: 2017\n")
	declare := func(cert string) {
		write("sources/services.yaml", `kind: csv
path: data/services.csv
load: append
cursor: updated_at
columns:
  - {name: service_id, type: integer, required: true, aliases: [服务编号]}
`+cert+`
  - {name: updated_at, type: timestamp, aliases: [更新时间]}
`)
	}
	// Spaces around a number are not part of it: " 3710…02 " is the same
	// person as "3710…02", as a text column would have stored it.
	write("data/services.csv", "服务编号,残疾人证号,更新时间\n"+
		"1,37100219900101123401,2017-08-01 09:00:00\n"+
		"2, 37100219900101123401 ,2017-08-02 09:00:00\n"+
		"3,37108219851231002X42,2017-08-03 09:00:00\n"+
		"4,,2017-08-04 09:00:00\n")

	// As earlier releases declared it: the number itself, hashed in SQL.
	declare("  - {name: cert_no, type: text, required: true, aliases: [残疾人证号]}")
	if _, err := execute(t, dir, StageExtract); err != nil {
		t.Fatal(err)
	}
	sqlKeys := "SELECT string_agg(service_id || '=' || " + personKeySQL("cert_no") + ", ',' ORDER BY service_id) FROM raw.services"
	want := query[string](t, dir, sqlKeys)
	// An earlier release's text key turns into the number as the README says.
	oldKey := "left(sha256('jixiao:' || cert_no), 20)"
	if got := query[string](t, dir, "SELECT string_agg(service_id || '=' || ((('0x' || left("+oldKey+", 16))::UBIGINT >> 1)::BIGINT), ',' ORDER BY service_id) FROM raw.services"); got != want {
		t.Errorf("old keys converted: %s, want %s", got, want)
	}

	declare("  - {name: person_key, type: pseudonym, required: true, aliases: [残疾人证号, cert_no]}")
	s, err := execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sources[0]; got.RowsRead != 4 || got.RowsLoaded != 3 {
		t.Errorf("reload: read %d, loaded %d; want the whole file read again (4 rows, the one without a number rejected)", got.RowsRead, got.RowsLoaded)
	}
	if !strings.Contains(fmt.Sprint(s.Sources[0].Warnings), "raw.services lacks the declared column(s) person_key, so the source is loaded again whole") {
		t.Errorf("warnings %q: want the reload said", fmt.Sprint(s.Sources[0].Warnings))
	}
	got := query[string](t, dir, "SELECT string_agg(service_id || '=' || person_key, ',' ORDER BY service_id) FROM raw.services")
	if got != want {
		t.Errorf("keys stored at load:\n %s\nwant those the SQL gave:\n %s", got, want)
	}
	if keys := strings.Split(got, ","); len(keys) != 3 || keys[0][2:] != keys[1][2:] || keys[0][2:] == keys[2][2:] {
		t.Errorf("keys %q: want rows 1 and 2 one person, row 3 another", got)
	}
	if typ := query[string](t, dir, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'services' AND column_name = 'person_key'"); typ != "BIGINT" {
		t.Errorf("person_key is %s, want BIGINT", typ)
	}
	if n := query[int64](t, dir, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = 'services' AND column_name = 'cert_no'"); n != 0 {
		t.Error("raw.services still has the certificate number column")
	}
	if n := query[int64](t, dir, "SELECT count(*) FROM meta.quarantine WHERE column_name LIKE '%person_key%'"); n != 1 {
		t.Errorf("quarantined rows for person_key: %d, want the row without a number", n)
	}

	// A row added at the end loads alone again, into the new column.
	writeFile(t, dir, "data/services.csv", "服务编号,残疾人证号,更新时间\n"+
		"1,37100219900101123401,2017-08-01 09:00:00\n"+
		"2, 37100219900101123401 ,2017-08-02 09:00:00\n"+
		"3,37108219851231002X42,2017-08-03 09:00:00\n"+
		"4,,2017-08-04 09:00:00\n"+
		"5,37108219851231002X42,2017-09-01 09:00:00\n")
	s, err = execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sources[0]; got.RowsRead != 1 || got.RowsLoaded != 1 || len(got.Warnings) != 0 {
		t.Errorf("grown file: read %d, loaded %d, warnings %q; want the added row alone", got.RowsRead, got.RowsLoaded, fmt.Sprint(got.Warnings))
	}
	if n := query[int64](t, dir, "SELECT count(DISTINCT person_key) FROM raw.services"); n != 2 {
		t.Errorf("%d people, want 2", n)
	}
}

// A column whose name stays but whose type changes (cert_no, text, now a
// pseudonym) would hold numbers and keys side by side: the type each load
// declared is recorded, and a change loads the source again whole. A
// warehouse loaded before types were recorded is taken to hold numbers in
// a column now declared a pseudonym.
func TestColumnRetypedInPlaceReloads(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "jixiao.yaml", "name: t\nplan_year: 2017\n")
	declare := func(typ string) {
		writeFile(t, dir, "sources/services.yaml", "kind: csv\npath: data/services.csv\nload: append\ncursor: updated_at\ncolumns:\n"+
			"  - {name: service_id, type: integer, required: true}\n  - {name: cert_no, type: "+typ+", required: true}\n"+
			"  - {name: updated_at, type: timestamp}\n")
	}
	writeFile(t, dir, "data/services.csv", "service_id,cert_no,updated_at\n1,37100219900101123401,2017-08-01 09:00:00\n2,37100219900101123402,2017-08-02 09:00:00\n")
	extract := func(want string) {
		t.Helper()
		s, err := execute(t, dir, StageExtract)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s.Sources[0].Warnings); want == "" && got != "[]" || !strings.Contains(got, want) {
			t.Errorf("warnings %s, want %q", got, want)
		}
	}
	const keys = "SELECT string_agg(cert_no::VARCHAR, ',' ORDER BY service_id) FROM raw.services"
	declare("text")
	extract("")
	numbers := query[string](t, dir, keys)
	want := query[string](t, dir, "SELECT string_agg("+personKeySQL("cert_no")+"::VARCHAR, ',' ORDER BY service_id) FROM raw.services")

	declare("pseudonym")
	// jixiao check, which loads nothing, says what the next run will do.
	p, _ := project.Load(os.DirFS(dir))
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, diags, err := CheckProjectWith(context.Background(), p, CheckOptions{Bind: true, BindOptions: BindOptions{Loaded: w, Base: dir}})
	w.Close()
	if err != nil || !strings.Contains(fmt.Sprint(diags), "raw.services has column cert_no loaded as text, now declared pseudonym: the next run's extract loads the source again whole") {
		t.Errorf("check: %v %v", diags, err)
	}
	extract("raw.services has column cert_no loaded as text, now declared pseudonym, so the source is loaded again whole")
	if got := query[string](t, dir, keys); got != want {
		t.Errorf("after the retype: %s, want the keys %s (numbers were %s)", got, want, numbers)
	}
	extract("") // recorded now: nothing to reload, nothing new to read

	// As a warehouse of an earlier jixiao, which recorded no types.
	w, err = warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(context.Background(), "DELETE FROM meta.source_columns"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	extract("raw.services has column cert_no loaded before its type was recorded, now declared pseudonym, so the source is loaded again whole")
	if got := query[string](t, dir, keys); got != want {
		t.Errorf("after the reload of an unrecorded table: %s, want %s", got, want)
	}
}

// A load that starts the raw table over (a full refresh, a reload) leaves
// no earlier load's content hash behind: a file that failed in it is read
// again by the next run, not skipped as loaded while its rows are gone.
func TestFileFailedInAFullRefreshIsReadAgain(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "jixiao.yaml", "name: t\nplan_year: 2017\n")
	writeFile(t, dir, "sources/ledger.yaml", "kind: csv\npath: data/*.csv\nload: append\ncolumns:\n"+
		"  - {name: entry_id, type: integer, required: true, aliases: [编号]}\n  - {name: amount, type: number, aliases: [金额]}\n")
	const good = "编号,金额\n2,20\n3,30\n"
	writeFile(t, dir, "data/a.csv", "编号,金额\n1,10\n")
	writeFile(t, dir, "data/b.csv", good)
	rows := func() string {
		return query[string](t, dir, "SELECT string_agg(entry_id::VARCHAR, ',' ORDER BY entry_id) FROM raw.ledger")
	}
	if _, err := execute(t, dir, StageExtract); err != nil || rows() != "1,2,3" {
		t.Fatalf("first load: %v, rows %s", err, rows())
	}
	// b.csv unreadable during a full refresh: it fails, a.csv loads alone.
	writeFile(t, dir, "data/b.csv", "名称,金额\n2,20\n")
	p, diags := project.Load(os.DirFS(dir))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if _, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Stages: []Stage{StageExtract}, FullRefresh: true}); err == nil {
		t.Fatal("the full refresh did not report b.csv")
	}
	if got := rows(); got != "1" {
		t.Fatalf("after the full refresh: %s", got)
	}
	// b.csv as it was at the first load: read again, its rows back.
	writeFile(t, dir, "data/b.csv", good)
	if _, err := execute(t, dir, StageExtract); err != nil {
		t.Fatal(err)
	}
	if got := rows(); got != "1,2,3" {
		t.Errorf("after b.csv was restored: rows %s, want 1,2,3 (b.csv skipped as loaded?)", got)
	}
}

// personKeySQL is project.PersonKey of the text column col, in DuckDB's SQL.
func personKeySQL(col string) string {
	return "((('0x' || left(sha256('jixiao:' || " + col + "), 16))::UBIGINT >> 1)::BIGINT)"
}

// Releases before person keys became numbers stored them as text, in the
// raw tables and in the models built on them. The first run of this one
// loads such a source again whole and says why, and builds the incremental
// models on it whole too: adding rows of number keys to a table of text
// keys would keep both, and count every person twice. So too when the
// office runs `extract --full-refresh` and then `transform` alone.
func TestTextPersonKeysOfAnEarlierReleaseAreLoadedAgain(t *testing.T) {
	for _, fullExtract := range []bool{false, true} {
		t.Run(fmt.Sprintf("extract_full_refresh=%v", fullExtract), func(t *testing.T) {
			testTextPersonKeysLoadedAgain(t, fullExtract)
		})
	}
}

func testTextPersonKeysLoadedAgain(t *testing.T, fullExtract bool) {
	dir, write := grownExportProject(t, `  - {name: service_id, type: integer, required: true}
  - {name: person_key, type: pseudonym, required: true, aliases: [cert_no]}
  - {name: service_date, type: date, required: true}
  - {name: updated_at, type: timestamp}
`)
	write("transforms/staging/services.sql", `/* jixiao
materialized: view
partition_by: month
*/
SELECT person_key, date_trunc('month', service_date)::DATE AS month, _load_id AS load_id FROM raw.services
`)
	write("transforms/staging/firsts.sql", `/* jixiao
materialized: incremental
partition_by: month
first_seen: [person_key]
*/
SELECT person_key, min(month) AS month FROM staging.services GROUP BY person_key
`)
	services := "service_id,cert_no,service_date,updated_at\n" +
		"1,37100219900101123401,2017-07-03,2017-07-03 09:00:00\n" +
		"2,37100219900101123402,2017-08-01,2017-08-01 09:00:00\n"
	write("data/services.csv", services)
	if _, err := execute(t, dir, StageExtract, StageTransform); err != nil {
		t.Fatal(err)
	}

	// The warehouse as an earlier release left it: text keys in the raw
	// table and in the model, the model's inputs recorded.
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"ALTER TABLE raw.services ALTER person_key TYPE VARCHAR USING printf('%020x', person_key)",
		"ALTER TABLE staging.firsts ALTER person_key TYPE VARCHAR USING printf('%020x', person_key)",
	} {
		if err := w.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()

	// September's record arrives.
	write("data/services.csv", services+"3,37100219900101123403,2017-09-04,2017-09-04 09:00:00\n")
	var s *Summary
	if fullExtract {
		p, diags := project.Load(os.DirFS(dir))
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		e, err := Execute(context.Background(), Options{Project: p, Base: dir, Command: "test", Stages: []Stage{StageExtract}, FullRefresh: true})
		if err != nil || e.Sources[0].RowsRead != 3 {
			t.Fatalf("extract --full-refresh: %v %+v", err, e)
		}
		if s, err = execute(t, dir, StageTransform); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		if s, err = execute(t, dir, StageExtract, StageTransform); err != nil {
			t.Fatal(err)
		}
		if got := s.Sources[0]; got.RowsRead != 3 || !strings.Contains(fmt.Sprint(got.Warnings), "raw.services has column person_key holding person keys as VARCHAR, as an earlier jixiao wrote them, now BIGINT, so the source is loaded again whole") {
			t.Errorf("extract: read %d rows, warnings %q; want the whole file again, and why", got.RowsRead, fmt.Sprint(got.Warnings))
		}
	}
	for _, b := range s.Models {
		if b.ID == "staging.firsts" && (b.Partitions == nil || !b.Partitions.Full) {
			t.Errorf("staging.firsts built %+v, want whole", b.Partitions)
		}
	}
	for _, table := range []string{"raw.services", "staging.firsts"} {
		schema, name, _ := strings.Cut(table, ".")
		if typ := query[string](t, dir, "SELECT data_type FROM information_schema.columns WHERE table_schema = '"+schema+"' AND table_name = '"+name+"' AND column_name = 'person_key'"); typ != "BIGINT" {
			t.Errorf("%s.person_key is %s, want BIGINT", table, typ)
		}
	}
	want := query[string](t, dir, "SELECT string_agg(person_key::VARCHAR || '@' || date_trunc('month', service_date)::DATE, ',' ORDER BY person_key) FROM raw.services")
	if got := query[string](t, dir, "SELECT string_agg(person_key::VARCHAR || '@' || month, ',' ORDER BY person_key) FROM staging.firsts"); got != want {
		t.Errorf("staging.firsts: %s\nwant each person once, by number: %s", got, want)
	}
}
