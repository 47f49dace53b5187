package extract

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/encoding/simplifiedchinese"

	"jixiao/pipeline/project"
)

const ledgerDecl = `kind: csv
path: data/*.csv
load: append
header_row: 2
columns:
  - {name: unit_code, type: unit, required: true, aliases: [单位]}
  - {name: month, type: date, required: true, aliases: [月份]}
  - {name: actual, type: integer, required: true, aliases: [本月完成]}
  - {name: note, type: text, aliases: [备注]}
`

// gb18030 encodes s as a GBK export from Excel carries it, with GB18030's
// four-byte sequences for the characters GBK lacks, and puts the bad bytes
// in place of each ¤ by hand.
func gb18030(t *testing.T, s string, bad ...string) []byte {
	t.Helper()
	parts := strings.Split(s, "¤")
	var out []byte
	for i, p := range parts {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
		if i < len(bad) {
			out = append(out, bad[i]...)
		}
	}
	return out
}

// withBytes puts bad in place of each ¤ of UTF-8 text.
func withBytes(s string, bad ...string) []byte {
	for _, b := range bad {
		s = strings.Replace(s, "¤", b, 1)
	}
	return []byte(s)
}

// Bytes that cannot be decoded never load as U+FFFD: the row that holds
// them goes to quarantine with its line and the bytes in hex, the rows
// around it load, and a file held whole and the same file streamed from
// disk give the same rows and rejections.
func TestCSVBadBytesGoToQuarantine(t *testing.T) {
	const title, header = "2017年台账\n", "单位,月份,本月完成,备注\n"
	tests := []struct {
		name, encoding string
		data           []byte
		rows           []string
		rejected       []string
	}{
		{"a GBK-declared ledger with a GB18030-only character", "gbk",
			gb18030(t, title+header+"环翠区,2017-01,1,𠮷祥\n高区,2017-01,2,€\n"),
			[]string{"unit_code=371002 month=2017-01-01 actual=1 note=𠮷祥", "unit_code=371071 month=2017-01-01 actual=2 note=€"}, nil},
		{"a broken GBK sequence between good rows", "gbk",
			gb18030(t, title+header+"环翠区,2017-01,1,好\n高区,2017-01,2,坏¤了\n环翠区,2017-02,3,\n", "\x81\x20"),
			[]string{"unit_code=371002 month=2017-01-01 actual=1 note=好", "unit_code=371002 month=2017-02-01 actual=3 note=NULL"},
			[]string{"data/a.csv:row 4 高区,2017-01,2,坏\uFFFD 了 无法按 GB18030 解码的字节 0x81 0x20"}},
		{"bytes GB18030 has no character for, detected", "auto",
			gb18030(t, title+header+"高区,2017-01,2,¤坏¤\n环翠区,2017-02,3,好\n", "\xff", "\x84\x31\xa5\x30"),
			[]string{"unit_code=371002 month=2017-02-01 actual=3 note=好"},
			[]string{"data/a.csv:row 3 高区,2017-01,2,\uFFFD坏\uFFFD1\uFFFD0 无法按 GB18030 解码的字节 0xFF、0x84 0x31 0xA5 0x30"}},
		{"a four-byte sequence cut short by the line end", "gb18030",
			gb18030(t, title+header+"高区,2017-01,2,坏¤\n环翠区,2017-02,3,好\n", "\x81\x30"),
			[]string{"unit_code=371002 month=2017-02-01 actual=3 note=好"},
			[]string{"data/a.csv:row 3 高区,2017-01,2,坏\uFFFD0 无法按 GB18030 解码的字节 0x81 0x30 0x0A"}},
		{"invalid bytes in a UTF-8 file", "utf-8",
			withBytes(title+header+"环翠区,2017-01,1,好\n高区,2017-01,2,¤\n", "\xff\xfe"),
			[]string{"unit_code=371002 month=2017-01-01 actual=1 note=好"},
			[]string{"data/a.csv:row 4 高区,2017-01,2,\uFFFD 无法按 UTF-8 解码的字节 0xFF 0xFE"}},
		// A stray byte used to make the whole file read as GB18030, every
		// character turned into another one.
		{"a stray byte in a detected UTF-8 file", "auto",
			withBytes("\uFEFF"+title+header+"环翠区,2017-01,1,好\n高区,2017-01,2,一¤二\n高区,2017-03,4,三\n", "\xe4\xb8"),
			[]string{"unit_code=371002 month=2017-01-01 actual=1 note=好", "unit_code=371071 month=2017-03-01 actual=4 note=三"},
			[]string{"data/a.csv:row 4 高区,2017-01,2,一\uFFFD二 无法按 UTF-8 解码的字节 0xE4 0xB8"}},
		{"bad bytes on the second line of a quoted record", "gbk",
			gb18030(t, title+header+"环翠区,2017-01,1,\"两行\n坏¤\"\n高区,2017-01,2,好\n", "\x81\x7f"),
			[]string{"unit_code=371071 month=2017-01-01 actual=2 note=好"},
			[]string{"data/a.csv:row 3 环翠区,2017-01,1,两行\n坏\uFFFD\u007f 无法按 GB18030 解码的字节 0x81 0x7F"}},
	}
	for _, tc := range tests {
		for _, streamed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/streamed=%v", tc.name, streamed), func(t *testing.T) {
				decl := strings.Replace(ledgerDecl, "load: append", "load: append\nencoding: "+tc.encoding, 1)
				src, env := source(t, fstest.MapFS{"data/a.csv": {Data: tc.data}}, decl)
				if streamed {
					env.StreamFileBytes = 1
				}
				res, err := CSV{}.Extract(context.Background(), env, src, State{})
				if err != nil || len(res.Loads) != 1 {
					t.Fatalf("extract: %v %+v", err, res)
				}
				got := rows(t, res.Loads[0])
				for i := range got {
					got[i] = got[i][:strings.Index(got[i], " _file=")]
				}
				if strings.Join(got, "\n") != strings.Join(tc.rows, "\n") {
					t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.rows, "\n"))
				}
				var rejected []string
				for _, r := range res.Loads[0].Stats().Rejected {
					rejected = append(rejected, fmt.Sprintf("%s %s %s", r.Pos, r.RawValue, r.Reason))
				}
				if strings.Join(rejected, "\n") != strings.Join(tc.rejected, "\n") {
					t.Errorf("rejected:\n%q\nwant:\n%q", rejected, tc.rejected)
				}
			})
		}
	}
}

// A row kept whole in quarantine for its bad bytes gives a pseudonym
// column's cell as its key: quarantine holds no identifier the warehouse
// does not, whether the GBK file is read whole or streamed, by the plain
// reader or (a quoted cell in the file) by encoding/csv.
func TestCSVBadRowKeepsOnlyThePersonKey(t *testing.T) {
	const decl = `kind: csv
path: data/*.csv
load: append
encoding: gbk
columns:
  - {name: service_id, type: integer, required: true, aliases: [服务编号]}
  - {name: person_key, type: pseudonym, required: true, aliases: [残疾人证号]}
  - {name: note, type: text, aliases: [备注]}
`
	key := strconv.FormatInt(project.PersonKey("37100219900101123402"), 10)
	for _, c := range []struct {
		streamed bool
		first    string
	}{{false, "好"}, {true, "好"}, {false, `"好,很好"`}, {true, `"好,很好"`}} {
		streamed := c.streamed
		data := gb18030(t, "服务编号,残疾人证号,备注\n1,37100219900101123401,"+c.first+"\n2, 37100219900101123402 ,坏¤了\n", "\x81\x20")
		src, env := source(t, fstest.MapFS{"data/a.csv": {Data: data}}, decl)
		if streamed {
			env.StreamFileBytes = 1
		}
		res, err := CSV{}.Extract(context.Background(), env, src, State{})
		if err != nil || len(res.Loads) != 1 {
			t.Fatalf("extract: %v %+v", err, res)
		}
		got := rows(t, res.Loads[0])
		rejected := res.Loads[0].Stats().Rejected
		if len(got) != 1 || !strings.Contains(got[0], "person_key="+strconv.FormatInt(project.PersonKey("37100219900101123401"), 10)+" ") ||
			len(rejected) != 1 || rejected[0].RawValue != "2,"+key+",坏\uFFFD 了" {
			t.Errorf("streamed=%v, first row %s: rows %q, rejected %+v; want the bad row with the key %s, not the number", streamed, c.first, got, rejected, key)
		}
	}
}

// Bytes that cannot be decoded above the data (in the title lines or the
// header) fail the file, naming the line and the bytes: the header decides
// how every row is read. A file declared UTF-8 that is GBK fails as before.
func TestCSVBadBytesInTheHeaderFailTheFile(t *testing.T) {
	tests := []struct {
		name, encoding string
		data           []byte
		want           string
	}{
		{"header", "gbk", gb18030(t, "台账\n单位,月份¤,本月完成\n环翠区,2017-01,1\n", "\xff"),
			"data/a.csv:row 2: bytes 0xFF are not valid GB18030"},
		{"title", "utf-8", withBytes("台账¤\n单位,月份,本月完成\n环翠区,2017-01,1\n", "\xc3"),
			"data/a.csv:row 1: bytes 0xC3 are not valid UTF-8"},
		{"GBK declared as UTF-8", "utf-8", gbk(t, "台账\n单位,月份,本月完成\n环翠区,2017-01,1\n"),
			"data/a.csv: not valid UTF-8 (declare encoding: gbk"},
	}
	for _, tc := range tests {
		for _, streamed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/streamed=%v", tc.name, streamed), func(t *testing.T) {
				decl := strings.Replace(ledgerDecl, "load: append", "load: append\nencoding: "+tc.encoding, 1)
				src, env := source(t, fstest.MapFS{"data/a.csv": {Data: tc.data}}, decl)
				if streamed {
					env.StreamFileBytes = 1
				}
				if err := extractErr(CSV{}, env, src); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want %q, got %v", tc.want, err)
				}
			})
		}
	}
}

// The vote between UTF-8 and GB18030: a few stray bytes do not make UTF-8
// text GB18030, a long ASCII start does not hide GBK text, and a character
// cut between two reads counts once, as a character.
func TestVoteEncoding(t *testing.T) {
	utf8Text := strings.Repeat("环翠区残联,", 2000)
	gbkText := gbk(t, utf8Text)
	for _, tc := range []struct {
		name string
		data []byte
		want textEncoding
	}{
		{"ascii", []byte("a,b\n1,2\n"), encUTF8},
		{"utf-8", []byte(utf8Text), encUTF8},
		{"utf-8 with a few stray bytes", append([]byte("\xff\xfe\x81"), utf8Text...), encUTF8},
		{"gbk", gbkText, encGB18030},
		{"gbk after a long ascii start", append(bytes.Repeat([]byte("a,1\n"), 100_000), gbkText...), encGB18030},
		{"a character across two reads", append(bytes.Repeat([]byte("a"), 64<<10-1), "环"...), encUTF8},
	} {
		if got, err := voteEncoding(bytes.NewReader(tc.data)); err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, got, err, tc.want)
		}
	}
}
