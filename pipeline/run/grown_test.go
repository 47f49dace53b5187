//go:build duckdb_arrow

package run

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"jixiao/pipeline/warehouse"
)

// A csv source with a cursor is an export that grows at its end: a load
// reads only the rows added since the last one and keeps the earlier rows
// and their rejects; a file changed anywhere before its end loads whole
// again, replacing what it brought.
func TestGrownExportLoadsOnlyItsNewRows(t *testing.T) {
	dir, write := grownExportProject(t, `  - {name: service_id, type: integer, required: true, aliases: [服务编号]}
  - {name: amount, type: number, aliases: [金额]}
  - {name: updated_at, type: timestamp, aliases: [更新时间]}
`)
	const header = "\uFEFF服务编号,金额,更新时间\n"
	august := "1,10,2017-08-01 09:00:00\n2,二十,2017-08-02 09:00:00\n3,30,2017-08-03 09:00:00\n"
	write("data/services.csv", header+august)
	extract := func() (int64, int64) { t.Helper(); return extractCounts(t, dir) }
	rows := func() string {
		return query[string](t, dir, "SELECT string_agg(service_id || '@' || _row, ',' ORDER BY service_id) FROM raw.services")
	}
	quarantined := func() string { return quarantinedRows(t, dir) }
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
	// (Read from the rows added and the newest before them, which DuckDB
	// keeps in the column's statistics: not a scan of every row.)
	cursor := func() string {
		return query[string](t, dir, "SELECT cursor_value FROM meta.source_loads WHERE status = 'success' ORDER BY finished_at DESC LIMIT 1")
	}
	if got := cursor(); got != "2017-09-03 10:30:00" {
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
	if read, loaded := extract(); read != 1 || loaded != 1 || rows() != "1@2,2@3,3@4,4@5,6@7,7@8" || cursor() != "2017-10-01 09:00:00" {
		t.Errorf("grown after a reload: read %d, loaded %d, rows %s, cursor %s", read, loaded, rows(), cursor())
	}

	// A row added late with an older 更新时间: the cursor stays the newest.
	write("data/services.csv", header+corrected+"7,70,2017-10-01 09:00:00\n8,80,2017-09-15 09:00:00\n")
	if read, loaded := extract(); read != 1 || loaded != 1 || cursor() != "2017-10-01 09:00:00" {
		t.Errorf("an older row added: read %d, loaded %d, cursor %s", read, loaded, cursor())
	}

	// A file cut shorter is not the same export grown: it loads whole.
	write("data/services.csv", header+"1,10,2017-08-01 09:00:00\n")
	// Its cursor is the newest row left, not the newest the table ever
	// held: the statistics DuckDB reads max() from do not keep deleted rows.
	if read, loaded := extract(); read != 1 || loaded != 1 || rows() != "1@2" || cursor() != "2017-08-01 09:00:00" {
		t.Errorf("shorter file: read %d, loaded %d, rows %s, cursor %s", read, loaded, rows(), cursor())
	}
}

// A saved response (http file:) under load: append grows the same way, at
// the end of its list of records: a load adds only the records after those
// loaded before; a record changed before them loads the whole file again in
// place of what it brought; a response loaded by an earlier jixiao (its
// SHA-256 recorded) is not loaded again when unchanged.
func TestGrownSavedResponseLoadsOnlyItsNewRecords(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) { t.Helper(); writeFile(t, dir, name, text) }
	write("jixiao.yaml", "name: t\nplan_year: 2017\n")
	write("sources/survey.yaml", `kind: http
file: data/survey.json
records: data.items
load: append
columns:
  - {name: answer_id, type: integer, required: true, aliases: [id]}
  - {name: score, type: integer, required: true}
`)
	record := func(id int, score string) string { return fmt.Sprintf(`{"id": %d, "score": %s}`, id, score) }
	response := func(records ...string) string {
		return `{"code": 0, "data": {"items": [` + strings.Join(records, ",\n") + "]}}\n"
	}
	august := []string{record(1, "5"), record(2, `"五"`), record(3, "3")}
	write("data/survey.json", response(august...))
	extract := func() (int64, int64) { t.Helper(); return extractCounts(t, dir) }
	rows := func() string {
		return query[string](t, dir, "SELECT string_agg(answer_id || '@' || _row, ',' ORDER BY answer_id) FROM raw.survey")
	}
	quarantined := func() string { return quarantinedRows(t, dir) }
	if read, loaded := extract(); read != 3 || loaded != 2 || rows() != "1@1,3@3" || quarantined() != "2" {
		t.Fatalf("first load: read %d, loaded %d, rows %s, quarantined %s", read, loaded, rows(), quarantined())
	}

	// September's records added at the end: only they are read, numbered
	// on; the earlier rows and their reject stay.
	september := append(append([]string{}, august...), record(4, "4"), record(5, `"x"`), record(6, "1"))
	write("data/survey.json", response(september...))
	if read, loaded := extract(); read != 3 || loaded != 2 || rows() != "1@1,3@3,4@4,6@6" || quarantined() != "2,5" {
		t.Errorf("grown response: read %d, loaded %d, rows %s, quarantined %s", read, loaded, rows(), quarantined())
	}
	// Nothing new, though the file's other fields changed: nothing read.
	write("data/survey.json", strings.Replace(response(september...), `"code": 0`, `"code": 0, "exported_at": "2017-10-01"`, 1))
	if read, loaded := extract(); read != 0 || loaded != 0 || rows() != "1@1,3@3,4@4,6@6" {
		t.Errorf("unchanged records: read %d, loaded %d, rows %s", read, loaded, rows())
	}

	// A record before the end corrected (五 → 5): the whole file loads
	// again and replaces its rows; its rejects are those it holds now.
	corrected := append([]string{record(1, "5"), record(2, "5")}, september[2:]...)
	write("data/survey.json", response(corrected...))
	if read, loaded := extract(); read != 6 || loaded != 5 || rows() != "1@1,2@2,3@3,4@4,6@6" || quarantined() != "5" {
		t.Errorf("changed response: read %d, loaded %d, rows %s, quarantined %s", read, loaded, rows(), quarantined())
	}
	// A record removed is no growth either.
	write("data/survey.json", response(corrected[1:]...))
	if read, loaded := extract(); read != 5 || loaded != 4 || rows() != "2@1,3@2,4@3,6@5" {
		t.Errorf("record removed: read %d, loaded %d, rows %s", read, loaded, rows())
	}

	// Loaded whole by an earlier jixiao, which recorded the file's SHA-256:
	// unchanged, it is not loaded again, and is recorded the new way.
	body := response(corrected...)
	write("data/survey.json", body)
	extract()
	sum := sha256.Sum256([]byte(body))
	w, err := warehouse.Open(t.Context(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(t.Context(), "UPDATE meta.source_loads SET content_hash = '"+hex.EncodeToString(sum[:])+"' WHERE source = 'survey' AND content_hash IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if read, loaded := extract(); read != 0 || loaded != 0 || rows() != "1@1,2@2,3@3,4@4,6@6" {
		t.Errorf("an earlier jixiao's load of the same file: read %d, loaded %d, rows %s", read, loaded, rows())
	}
	write("data/survey.json", response(append(corrected, record(7, "2"))...))
	if read, loaded := extract(); read != 1 || loaded != 1 || rows() != "1@1,2@2,3@3,4@4,6@6,7@7" {
		t.Errorf("grown after the rehash: read %d, loaded %d, rows %s", read, loaded, rows())
	}
}

// extractCounts runs the extract stage of the one-source project in dir
// and returns the rows its source read and loaded.
func extractCounts(t *testing.T, dir string) (int64, int64) {
	t.Helper()
	s, err := execute(t, dir, StageExtract)
	if err != nil {
		t.Fatal(err)
	}
	return s.Sources[0].RowsRead, s.Sources[0].RowsLoaded
}

// quarantinedRows lists the quarantined rows' numbers, in order.
func quarantinedRows(t *testing.T, dir string) string {
	t.Helper()
	return query[string](t, dir, "SELECT coalesce(string_agg(row_number::VARCHAR, ',' ORDER BY row_number), '') FROM meta.quarantine")
}

// grownExportProject is a project folder whose one source, services, is an
// export that grows (data/services.csv, cursor updated_at) with these
// declared columns, and a function that writes a file into it.
func grownExportProject(t *testing.T, columns string) (string, func(name, text string)) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) { t.Helper(); writeFile(t, dir, name, text) }
	write("jixiao.yaml", "name: t\nplan_year: 2017\n")
	write("sources/services.yaml", "kind: csv\npath: data/services.csv\nload: append\ncursor: updated_at\ncolumns:\n"+columns)
	return dir, write
}
