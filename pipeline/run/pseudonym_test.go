//go:build duckdb_arrow

package run

import (
	"fmt"
	"strings"
	"testing"
)

// A certificate number declared as a pseudonym column never reaches the
// warehouse: its key is stored instead, the key the staging SQL of earlier
// releases computed (left(sha256('jixiao:' || cert_no), 20)), so person
// keys do not change. A warehouse loaded before, with the number in its
// raw table, is loaded again whole on the first run with the new
// declaration, and says so.
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
	const sqlKeys = "SELECT string_agg(service_id || '=' || left(sha256('jixiao:' || cert_no), 20), ',' ORDER BY service_id) FROM raw.services"
	want := query[string](t, dir, sqlKeys)

	declare("  - {name: person_key, type: pseudonym, required: true, aliases: [残疾人证号, cert_no]}")
	s, err := execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Sources[0]; got.RowsRead != 4 || got.RowsLoaded != 3 {
		t.Errorf("reload: read %d, loaded %d; want the whole file read again (4 rows, the one without a number rejected)", got.RowsRead, got.RowsLoaded)
	}
	if !strings.Contains(fmt.Sprint(s.Sources[0].Warnings), "raw.services lacks the declared column(s) person_key: the source is loaded again whole") {
		t.Errorf("warnings %q: want the reload said", fmt.Sprint(s.Sources[0].Warnings))
	}
	got := query[string](t, dir, "SELECT string_agg(service_id || '=' || person_key, ',' ORDER BY service_id) FROM raw.services")
	if got != want {
		t.Errorf("keys stored at load:\n %s\nwant those the SQL gave:\n %s", got, want)
	}
	if keys := strings.Split(got, ","); len(keys) != 3 || keys[0][2:] != keys[1][2:] || len(keys[0]) != 2+20 {
		t.Errorf("keys %q: want 20 hex digits, rows 1 and 2 one person", got)
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
