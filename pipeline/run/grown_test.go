//go:build duckdb_arrow

package run

import (
	"strings"
	"testing"
)

// A csv source with a cursor is an export that grows at its end: a load
// reads only the rows added since the last one and keeps the earlier rows
// and their rejects; a file changed anywhere before its end loads whole
// again, replacing what it brought.
func TestGrownExportLoadsOnlyItsNewRows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) { t.Helper(); writeFile(t, dir, name, text) }
	write("jixiao.yaml", "name: t\nplan_year: 2017\n")
	write("sources/services.yaml", `kind: csv
path: data/services.csv
load: append
cursor: updated_at
columns:
  - {name: service_id, type: integer, required: true, aliases: [服务编号]}
  - {name: amount, type: number, aliases: [金额]}
  - {name: updated_at, type: timestamp, aliases: [更新时间]}
`)
	const header = "\uFEFF服务编号,金额,更新时间\n"
	august := "1,10,2017-08-01 09:00:00\n2,二十,2017-08-02 09:00:00\n3,30,2017-08-03 09:00:00\n"
	write("data/services.csv", header+august)
	extract := func() (int64, int64) {
		t.Helper()
		s, err := execute(t, dir, StageExtract)
		if err != nil {
			t.Fatal(err)
		}
		return s.Sources[0].RowsRead, s.Sources[0].RowsLoaded
	}
	rows := func() string {
		return query[string](t, dir, "SELECT string_agg(service_id || '@' || _row, ',' ORDER BY service_id) FROM raw.services")
	}
	quarantined := func() string {
		return query[string](t, dir, "SELECT coalesce(string_agg(row_number::VARCHAR, ',' ORDER BY row_number), '') FROM meta.quarantine")
	}
	if read, loaded := extract(); read != 3 || loaded != 2 || rows() != "1@2,3@4" || quarantined() != "3" {
		t.Fatalf("first load: read %d, loaded %d, rows %s, quarantined %s", read, loaded, rows(), quarantined())
	}

	// September's rows added at the end: only they are read, numbered on
	// from the file's lines; the cursor is the newest 更新时间.
	write("data/services.csv", header+august+"4,40,2017-09-01 09:00:00\n5,五十,2017-09-02 09:00:00\n6,60,2017-09-03 10:30:00\n")
	if read, loaded := extract(); read != 3 || loaded != 2 {
		t.Errorf("grown file: read %d, loaded %d; want only the 3 rows added read", read, loaded)
	}
	if got := rows(); got != "1@2,3@4,4@5,6@7" {
		t.Errorf("rows after the update: %s", got)
	}
	if got := quarantined(); got != "3,6" {
		t.Errorf("quarantined rows: %s, want the earlier reject kept and the new one added", got)
	}
	if got := query[string](t, dir, "SELECT cursor_value FROM meta.source_loads WHERE status = 'success' ORDER BY finished_at DESC LIMIT 1"); got != "2017-09-03 10:30:00" {
		t.Errorf("cursor %q", got)
	}

	// Nothing new: nothing read.
	if read, loaded := extract(); read != 0 || loaded != 0 {
		t.Errorf("unchanged file: read %d, loaded %d", read, loaded)
	}

	// A row before the end corrected (二十 → 20): the whole file loads again
	// and replaces the rows it brought; its rejects are those it holds now.
	corrected := strings.Replace(august, "二十", "20", 1) + "4,40,2017-09-01 09:00:00\n5,五十,2017-09-02 09:00:00\n6,60,2017-09-03 10:30:00\n"
	write("data/services.csv", header+corrected)
	if read, loaded := extract(); read != 6 || loaded != 5 || rows() != "1@2,2@3,3@4,4@5,6@7" || quarantined() != "6" {
		t.Errorf("changed file: read %d, loaded %d, rows %s, quarantined %s", read, loaded, rows(), quarantined())
	}

	// Rows added after a reload are read alone again.
	write("data/services.csv", header+corrected+"7,70,2017-10-01 09:00:00\n")
	if read, loaded := extract(); read != 1 || loaded != 1 || rows() != "1@2,2@3,3@4,4@5,6@7,7@8" {
		t.Errorf("grown after a reload: read %d, loaded %d, rows %s", read, loaded, rows())
	}

	// A file cut shorter is not the same export grown: it loads whole.
	write("data/services.csv", header+"1,10,2017-08-01 09:00:00\n")
	if read, loaded := extract(); read != 1 || loaded != 1 || rows() != "1@2" {
		t.Errorf("shorter file: read %d, loaded %d, rows %s", read, loaded, rows())
	}
}
