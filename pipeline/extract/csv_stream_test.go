package extract

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// bigProgressCSV is a report of n rows over several parts: a title line, a
// header, a bad number, a totals row and blank lines on the way, and, when
// quoteAt >= 0, a quoted cell spanning two lines from row quoteAt on.
func bigProgressCSV(n, quoteAt int) string {
	var sb strings.Builder
	sb.WriteString("2017年各单位进度\n单位,月份,本月完成,金额（万元）\n")
	for i := 0; i < n; i++ {
		unit := "环翠区"
		if i%3 == 0 {
			unit = "火炬高技术产业开发区"
		}
		switch {
		case i == 1000:
			sb.WriteString("环翠区,2017-01,十二,1\n") // rejected
		case i == 2000:
			sb.WriteString("\n合计,,999,\n")
		case i == quoteAt:
			sb.WriteString("\"环翠\n区\",2017-02,7,\"1,234.5\"\n") // one record over two lines
		default:
			fmt.Fprintf(&sb, "%s,2017-%02d,%d,%d.5\n", unit, i%12+1, i, i%1000)
		}
	}
	return sb.String()
}

// badAt puts bad bytes into row i of a bigProgressCSV file, after its
// number: a hand-made fault, in the file's own encoding around it.
func badAt(data []byte, i int, bad string) []byte {
	at := []byte(fmt.Sprintf(",%d,", i))
	return bytes.Replace(data, at, append(at[:len(at)-1:len(at)-1], bad+","...), 1)
}

// TestCSVStreamingMatchesInMemory reads the same files held whole and
// streamed from disk in parts: rows, line numbers and quarantine must not
// depend on which.
func TestCSVStreamingMatchesInMemory(t *testing.T) {
	const n = 450_000 // about 11 MB: three parts
	tests := []struct {
		name, decl string
		data       []byte
		quoteAt    int
		// badAt is the row given bytes its encoding cannot decode, or 0.
		badAt int
	}{
		{"utf-8 with BOM detected, a stray byte in a later part", progressDecl,
			badAt([]byte("\uFEFF"+bigProgressCSV(n, -1)), 400_000, "\xe7\x8e"), -1, 400_000},
		{"quoted record in a later part", progressDecl, []byte(bigProgressCSV(n, 300_000)), 300_000, 0},
		{"gbk declared, a broken sequence in a later part", strings.Replace(progressDecl, "header_row: 2", "header_row: 2\nencoding: gbk", 1),
			badAt(gbk(t, bigProgressCSV(n, -1)), 400_000, "\x81\x20"), -1, 400_000},
		{"gbk detected, quoted from the start", progressDecl, gbk(t, bigProgressCSV(n, 5)), 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Count(tc.data, []byte("\n")) < 2*partLines {
				t.Fatalf("fixture too small: %d bytes", len(tc.data))
			}
			read := func(streamBytes int64) ([]string, LoadStats) {
				src, env := source(t, fstest.MapFS{"data/a.csv": {Data: tc.data}}, tc.decl)
				env.StreamFileBytes = streamBytes
				res, err := CSV{}.Extract(context.Background(), env, src, State{})
				if err != nil || len(res.Loads) != 1 {
					t.Fatalf("extract: %v %+v", err, res)
				}
				return rows(t, res.Loads[0]), res.Loads[0].Stats()
			}
			whole, wholeStats := read(0)
			streamed, streamedStats := read(1 << 20)
			bad := btoi(tc.badAt > 0)
			if len(whole) != n-2-bad || wholeStats.RowsRead != int64(n-1) { // the totals row is skipped, the bad rows rejected
				t.Fatalf("in memory: %d rows, %d read", len(whole), wholeStats.RowsRead)
			}
			if len(streamed) != len(whole) || streamedStats.RowsRead != wholeStats.RowsRead {
				t.Fatalf("streamed %d rows (%d read), in memory %d (%d read)", len(streamed), streamedStats.RowsRead, len(whole), wholeStats.RowsRead)
			}
			for i := range whole {
				if streamed[i] != whole[i] {
					t.Fatalf("row %d: streamed %s, in memory %s", i, streamed[i], whole[i])
				}
			}
			// Line numbers count the title, the header, the blank line, the
			// totals row and the quoted record's second line.
			quoted := btoi(tc.quoteAt >= 0)
			if fmt.Sprint(streamedStats.Rejected) != fmt.Sprint(wholeStats.Rejected) || len(wholeStats.Rejected) != 1+bad ||
				wholeStats.Rejected[0].Pos.Row != 1003+btoi(tc.quoteAt >= 0 && tc.quoteAt < 1000) {
				t.Errorf("rejected: streamed %+v, in memory %+v", streamedStats.Rejected, wholeStats.Rejected)
			}
			if bad > 0 {
				if r := wholeStats.Rejected[1]; r.Pos.Row != tc.badAt+4 || !strings.HasPrefix(r.Reason, "无法按 ") {
					t.Errorf("bad bytes: %+v, want row %d", r, tc.badAt+4)
				}
			}
			if last := whole[len(whole)-1]; !strings.HasSuffix(last, fmt.Sprintf("_row=%d", n+3+quoted)) {
				t.Errorf("last row %s", last)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A large file declared UTF-8 with bytes that are not, past its first
// part, loads every row but the one that holds them, which goes to
// quarantine naming its line and the bytes.
func TestCSVStreamingQuarantinesBadUTF8(t *testing.T) {
	data := badAt([]byte(bigProgressCSV(300_000, -1)), 250_000, "\xff\xfe")
	decl := strings.Replace(progressDecl, "header_row: 2", "header_row: 2\nencoding: utf-8", 1)
	src, env := source(t, fstest.MapFS{"data/a.csv": {Data: data}}, decl)
	env.StreamFileBytes = 1 << 20
	res, err := CSV{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, res.Loads[0])
	st := res.Loads[0].Stats()
	if len(got) != 300_000-3 || len(st.Rejected) != 2 {
		t.Fatalf("%d rows, rejected %+v", len(got), st.Rejected)
	}
	if r := st.Rejected[1]; r.Pos.Row != 250_004 || r.Reason != "无法按 UTF-8 解码的字节 0xFF 0xFE" || !strings.HasPrefix(r.RawValue, "环翠区,2017-05,250000\uFFFD,") {
		t.Errorf("rejected %+v", r)
	}
}
