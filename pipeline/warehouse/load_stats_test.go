//go:build duckdb_arrow

package warehouse

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// figures returns the figures of a load read before it is handed on.
func figures(st LoadStats) func() LoadStats {
	return func() LoadStats { return st }
}

// drainedReader notes whether its stream has ended.
type drainedReader struct {
	array.RecordReader
	rows    int64
	drained bool
}

func (d *drainedReader) Next() bool {
	if !d.RecordReader.Next() {
		d.drained = true
		return false
	}
	d.rows += d.RecordReader.RecordBatch().NumRows()
	return true
}

// A load whose figures are known before it is read and one that counts
// them as it is read are the same load to the warehouse: the same
// meta.source_loads row and the same quarantine rows.
func TestLoadFiguresEagerOrStreamed(t *testing.T) { eachEngine(t, testLoadFiguresEagerOrStreamed) }

func testLoadFiguresEagerOrStreamed(t *testing.T, w *Warehouse) {
	ctx := context.Background()
	rejected := []QuarantineRow{{File: "a.csv", Row: 4, Column: "n", RawValue: "七", Reason: "不是数字"}}
	for _, tc := range []struct {
		name  string
		stats func(t *testing.T, rdr array.RecordReader) (array.RecordReader, func() LoadStats)
	}{
		{"eager", func(t *testing.T, rdr array.RecordReader) (array.RecordReader, func() LoadStats) {
			return rdr, figures(LoadStats{RowsRead: 3, RowsRejected: 1, Quarantine: rejected, CursorValue: "2017-03"})
		}},
		{"streamed", func(t *testing.T, rdr array.RecordReader) (array.RecordReader, func() LoadStats) {
			d := &drainedReader{RecordReader: rdr}
			return d, func() LoadStats {
				if !d.drained {
					t.Error("Stats called before the stream was drained")
				}
				return LoadStats{RowsRead: d.rows + 1, RowsRejected: 1, Quarantine: rejected, CursorValue: "2017-03"}
			}
		}},
	} {
		rdr := records(t, "a.csv", map[string]int64{"x": 1, "y": 2})
		defer rdr.Release()
		req := LoadRequest{LoadID: tc.name, Source: "s_" + tc.name, Kind: "csv", Schema: "raw", Table: "s_" + tc.name, Mode: ModeAppend,
			Location: "a.csv", ContentHash: "h", StartedAt: time.Now()}
		req.Reader, req.Stats = tc.stats(t, rdr)
		if n, err := w.Load(ctx, req); err != nil || n != 2 {
			t.Fatalf("%s: loaded %d: %v", tc.name, n, err)
		}
		load := scalar[string](t, w, `SELECT location || '|' || content_hash || '|' || cursor_value || '|' || rows_read || '|' || rows_loaded
			|| '|' || rows_rejected || '|' || status FROM meta.source_loads WHERE load_id = '`+tc.name+`'`)
		if want := "a.csv|h|2017-03|3|2|1|success"; load != want {
			t.Errorf("%s: meta.source_loads %s, want %s", tc.name, load, want)
		}
		quarantined := scalar[string](t, w, `SELECT string_agg(file || ':' || row_number || ':' || column_name || ':' || raw_value || ':' || reason, ';')
			FROM meta.quarantine WHERE load_id = '`+tc.name+`'`)
		if want := "a.csv:4:n:七:不是数字"; quarantined != want {
			t.Errorf("%s: meta.quarantine %s, want %s", tc.name, quarantined, want)
		}
	}
}
