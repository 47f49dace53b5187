package extract

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/zeebo/xxh3"
)

// surveyResponse is a platform's export: an envelope (head, an export date
// say) around the list of records, joined by sep.
func surveyResponse(head, sep string, records ...string) string {
	return `{"code": 0,` + head + ` "data": {"items": [` + strings.Join(records, sep) + "]}, \"total\": " + fmt.Sprint(len(records)) + "}\n"
}

func surveyRecords(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, surveyRecord(i))
	}
	return out
}

// A file that only grew is read from where its last load's list ended: the
// records after it, and a hash equal to the one a whole read gives, so the
// next month's growth is found the same way. Anything else in the list
// loads the file whole; the envelope may change freely.
func TestSavedRecordsReadFromTheListLoadedBefore(t *testing.T) {
	august := surveyResponse("", ",\n   ", surveyRecords(1, 3)...)
	first, err := readSavedRecords([]byte(august), "data.items", "")
	if err != nil || len(first.raw) != 3 || first.from != 0 || !strings.HasPrefix(first.hash, spanPrefix) {
		t.Fatalf("first read: %+v %v", first, err)
	}
	tests := []struct {
		name, body string
		// fast: read from the end of the earlier list, not decoded whole.
		fast      bool
		from, raw int
		unchanged bool
	}{
		{"grown", surveyResponse("", ",\n   ", surveyRecords(1, 5)...), true, 3, 2, false},
		{"grown, envelope changed", surveyResponse(` "exported_at": "2017-09-30",`, ",\n   ", surveyRecords(1, 5)...), true, 3, 2, false},
		{"grown, byte order mark", "\uFEFF" + surveyResponse("", ",\n   ", surveyRecords(1, 4)...), true, 3, 1, false},
		{"records the same, envelope changed", surveyResponse(` "exported_at": "2017-09-30",`, ",\n   ", surveyRecords(1, 3)...), true, 3, 0, true},
		{"a record corrected", strings.Replace(surveyResponse("", ",\n   ", surveyRecords(1, 5)...), `"score": 82.5`, `"score": 28.5`, 1), false, 0, 5, false},
		{"a record removed", surveyResponse("", ",\n   ", surveyRecords(2, 5)...), false, 0, 4, false},
		{"written with other spacing", surveyResponse("", ", ", surveyRecords(1, 5)...), false, 0, 5, false},
		{"the last record removed", surveyResponse("", ",\n   ", surveyRecords(1, 2)...), false, 0, 2, false},
	}
	prev := first.hash
	span, _ := parseSpanHash(prev)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(strings.TrimPrefix(tt.body, utf8BOM))
			if _, fast := grownList(doc, "data.items", span); fast != tt.fast {
				t.Errorf("read from the earlier list's end: %v, want %v", fast, tt.fast)
			}
			got, err := readSavedRecords([]byte(tt.body), "data.items", prev)
			if err != nil {
				t.Fatal(err)
			}
			if got.from != tt.from || len(got.raw) != tt.raw || got.unchanged != tt.unchanged {
				t.Errorf("from %d, %d records, unchanged %v; want %d, %d, %v", got.from, len(got.raw), got.unchanged, tt.from, tt.raw, tt.unchanged)
			}
			if tt.fast && tt.raw > 0 && string(got.raw[0]) != surveyRecord(got.from+1) {
				t.Errorf("first record read %s", got.raw[0])
			}
			whole, err := readSavedRecords([]byte(tt.body), "data.items", "")
			if err != nil {
				t.Fatal(err)
			}
			if got.hash != whole.hash {
				t.Errorf("hash %s, a whole read's %s", got.hash, whole.hash)
			}
		})
	}

	// Month after month: each growth is found from the hash the last one wrote.
	prev = first.hash
	for month, last := 1, 3; month <= 3; month++ {
		body := surveyResponse(fmt.Sprintf(` "month": %d,`, month), ",\n   ", surveyRecords(1, last+month)...)
		got, err := readSavedRecords([]byte(body), "data.items", prev)
		if err != nil || got.from != last || len(got.raw) != month || string(got.raw[0]) != surveyRecord(last+1) {
			t.Fatalf("month %d: %+v %v", month, got, err)
		}
		prev, last = got.hash, last+month
	}

	// Cut short after the records added: the whole read's error.
	cut := strings.TrimSuffix(surveyResponse("", ",\n   ", surveyRecords(1, 5)...), "}\n")
	if _, err := readSavedRecords([]byte(cut), "data.items", first.hash); err == nil || !strings.Contains(err.Error(), "the response is not JSON") {
		t.Errorf("cut short: %v", err)
	}
	// A list that is the whole document.
	doc := "[" + strings.Join(surveyRecords(1, 2), ", ") + "]"
	top, err := readSavedRecords([]byte(doc), "", "")
	if err != nil {
		t.Fatal(err)
	}
	grown, err := readSavedRecords([]byte("["+strings.Join(surveyRecords(1, 3), ", ")+"]"), "", top.hash)
	if err != nil || grown.from != 2 || len(grown.raw) != 1 {
		t.Errorf("whole-document list grown: %+v %v", grown, err)
	}
}

// Hashes an earlier jixiao wrote (the records' texts in order) still tell
// a file that grew, once; what is recorded then is the span.
func TestSavedRecordsReadAnEarlierJixiaosHash(t *testing.T) {
	records := surveyRecords(1, 3)
	h := xxh3.New()
	for _, r := range records {
		h.Write([]byte(r))
		h.Write([]byte{'\n'})
	}
	sum := h.Sum128().Bytes()
	prev := recordsPrefix + "0000-" + hex.EncodeToString(sum[:]) + ":3"
	grown, err := readSavedRecords([]byte(surveyResponse("", ", ", surveyRecords(1, 4)...)), "data.items", prev)
	if err != nil || grown.from != 3 || len(grown.raw) != 1 || !strings.HasPrefix(grown.hash, spanPrefix) {
		t.Fatalf("grown since an earlier jixiao's load: %+v %v", grown, err)
	}
	same, err := readSavedRecords([]byte(surveyResponse(` "x": 1,`, ", ", records...)), "data.items", prev)
	if err != nil || !same.unchanged || !strings.HasPrefix(same.hash, spanPrefix) {
		t.Errorf("unchanged since an earlier jixiao's load: %+v %v", same, err)
	}
}

// FuzzSavedRecordsGrowth reads a saved response (next) against the hash of
// an earlier one (prev): whatever the bytes, it fails exactly when a whole
// read of next fails, records the whole read's hash, and the records it
// keeps from before are the earlier file's first records, text for text:
// a change in them is never taken for growth.
func FuzzSavedRecordsGrowth(f *testing.F) {
	august := surveyResponse("", ",\n   ", surveyRecords(1, 3)...)
	f.Add(august, surveyResponse("", ",\n   ", surveyRecords(1, 5)...), false)
	f.Add(august, surveyResponse(` "at": 1,`, ",\n   ", surveyRecords(1, 3)...), false)
	f.Add(august, strings.Replace(august, "82.5", "28.5", 1), false)
	f.Add(august, strings.TrimSuffix(surveyResponse("", ",\n   ", surveyRecords(1, 4)...), "}\n"), false)
	f.Add(`[{"a": 1}, {"a": 2}]`, `[{"a": 1}, {"a": 2}, {"a": 3}, 4]`, true)
	f.Add(`[{"a": 1}, {"a": 2}]`, `[{"a": 1}, {"a": 2}]  x`, true)
	f.Fuzz(func(t *testing.T, prev, next string, whole bool) {
		path := "data.items"
		if whole {
			path = ""
		}
		before, err := readSavedRecords([]byte(prev), path, "")
		if err != nil {
			return
		}
		got, err := readSavedRecords([]byte(next), path, before.hash)
		ref, refErr := readSavedRecords([]byte(next), path, "")
		if (err == nil) != (refErr == nil) {
			t.Fatalf("error %v, a whole read's %v", err, refErr)
		}
		if err != nil {
			return
		}
		if got.hash != ref.hash && !(got.unchanged && got.hash == before.hash) {
			t.Fatalf("hash %s, a whole read's %s", got.hash, ref.hash)
		}
		kept := got.from
		if got.unchanged {
			kept = len(before.raw)
			if len(ref.raw) != kept {
				t.Fatalf("unchanged with %d records, the file holds %d", kept, len(ref.raw))
			}
		}
		if kept+len(got.raw) != len(ref.raw) && !got.unchanged {
			t.Fatalf("kept %d and read %d of %d records", kept, len(got.raw), len(ref.raw))
		}
		for i := 0; i < kept; i++ {
			if string(before.raw[i]) != string(ref.raw[i]) {
				t.Fatalf("record %d kept though changed: %s -> %s", i+1, before.raw[i], ref.raw[i])
			}
		}
		for i, r := range got.raw {
			if string(r) != string(ref.raw[kept+i]) {
				t.Fatalf("record %d read as %s, the whole read's %s", kept+i+1, r, ref.raw[kept+i])
			}
		}
	})
}
