//go:build duckdb_arrow

package run

import "testing"

// Several small files changed together are read before they load; a lone
// changed file streams as it loads. Either way a file's rows are recorded
// alike: the same meta.source_loads figures and quarantine rows, and the
// same totals in the run's summary.
func TestEagerAndStreamedLoadsRecordAlike(t *testing.T) {
	files := map[string]string{
		"data/a.csv": "\uFEFF服务编号,金额\n1,10\n2,二十\n3,30\n",
		"data/b.csv": "\uFEFF服务编号,金额\n4,四十\n5,50\n",
	}
	type recorded struct{ loads, quarantine string }
	got := map[string]recorded{}
	var read, rejected []int64
	for _, tc := range []struct {
		name  string
		waves [][]string // the files each run finds new
	}{
		{"eager", [][]string{{"data/a.csv", "data/b.csv"}}},
		{"streamed", [][]string{{"data/a.csv"}, {"data/b.csv"}}},
	} {
		dir := t.TempDir()
		write := func(name, text string) { t.Helper(); writeFile(t, dir, name, text) }
		write("jixiao.yaml", "name: t\nplan_year: 2017\n")
		write("sources/services.yaml", `kind: csv
path: data/*.csv
load: append
columns:
  - {name: service_id, type: integer, required: true, aliases: [服务编号]}
  - {name: amount, type: number, aliases: [金额]}
`)
		var r, j int64
		for _, wave := range tc.waves {
			for _, f := range wave {
				write(f, files[f])
			}
			s, err := execute(t, dir, StageExtract)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			r += s.Sources[0].RowsRead
			j += s.Sources[0].RowsRejected
		}
		read, rejected = append(read, r), append(rejected, j)
		got[tc.name] = recorded{
			loads: query[string](t, dir, `SELECT string_agg(location || ' ' || content_hash || ' ' || coalesce(cursor_value, '-') || ' ' || rows_read
				|| '/' || rows_loaded || '/' || rows_rejected || ' ' || status, '; ' ORDER BY location) FROM meta.source_loads`),
			quarantine: query[string](t, dir, `SELECT coalesce(string_agg(file || ':' || row_number || ':' || column_name || ':' || raw_value, '; '
				ORDER BY file, row_number), '') FROM meta.quarantine`),
		}
	}
	if want := "data/a.csv:3:金额(amount):二十; data/b.csv:2:金额(amount):四十"; got["eager"].quarantine != want {
		t.Errorf("quarantine %s, want %s", got["eager"].quarantine, want)
	}
	if got["eager"] != got["streamed"] {
		t.Errorf("read beforehand:\n%+v\nstreamed:\n%+v", got["eager"], got["streamed"])
	}
	if read[0] != 5 || read[1] != 5 || rejected[0] != 2 || rejected[1] != 2 {
		t.Errorf("summaries: read %v, rejected %v; want 5 read and 2 rejected either way", read, rejected)
	}
}
