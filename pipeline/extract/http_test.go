package extract

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

func httpSource(t *testing.T, decl string, files fstest.MapFS) (*project.Source, Env) {
	t.Helper()
	if files == nil {
		files = fstest.MapFS{}
	}
	files["jixiao.yaml"] = &fstest.MapFile{Data: []byte("name: t\nplan_year: 2017\n")}
	files["sources/survey.yaml"] = &fstest.MapFile{Data: []byte(decl + `columns:
  - {name: id, type: integer, required: true}
  - {name: unit_code, type: unit, required: true, aliases: [unit]}
  - {name: score, type: number}
  - {name: answered_at, type: timestamp, required: true}
`)}
	p, diags := project.Load(files)
	HTTP{}.Validate(p.Sources[0], &diags)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p.Sources[0], Env{FS: files, Units: NewUnitIndex(testUnits), Getenv: func(k string) string {
		if k == "SURVEY_TOKEN" {
			return "t0ken"
		}
		return ""
	}}
}

// surveyRecords are the API's records; the server pages through them.
func surveyRecord(i int) string {
	unit := "环翠区"
	if i%2 == 0 {
		unit = "高区"
	}
	return fmt.Sprintf(`{"id": %d, "unit": %q, "score": %d.5, "answered_at": "2017-06-%02dT08:00:00Z"}`, i, unit, 80+i, i)
}

func TestHTTPPagingRetryAndCursor(t *testing.T) {
	var calls, failures atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer t0ken" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error": "invalid token"}`)
			return
		}
		// The second page fails once with a 500, then succeeds.
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 2 && failures.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
		since := r.URL.Query().Get("since")
		var items []string
		for i := (page-1)*size + 1; i <= page*size && i <= 5; i++ {
			if since != "" && fmt.Sprintf("2017-06-%02dT08:00:00Z", i) <= since {
				continue
			}
			items = append(items, surveyRecord(i))
		}
		fmt.Fprintf(w, `{"code": 0, "data": {"items": [%s]}}`, strings.Join(items, ","))
	}))
	defer srv.Close()
	decl := "kind: http\nurl: " + srv.URL + "/api/survey\ntoken_env: SURVEY_TOKEN\nrecords: data.items\npaging: {mode: page, size: 2}\n" +
		"cursor: answered_at\ncursor_param: since\nretry_backoff: 5ms\nload: merge\nkey: [id]\n"
	src, env := httpSource(t, decl, nil)
	res, err := HTTP{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, res.Loads[0])
	if len(got) != 5 || !strings.HasPrefix(got[0], "id=1 unit_code=371002 score=81.5 answered_at=2017-06-01T08:00:00Z") {
		t.Fatalf("rows:\n%s", strings.Join(got, "\n"))
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("%d requests, want 4 (pages 1, 2 failing once, 2, 3)", n)
	}
	if res.Loads[0].Stats().Cursor != "2017-06-05T08:00:00Z" {
		t.Errorf("cursor %q", res.Loads[0].Stats().Cursor)
	}
	again, err := HTTP{}.Extract(context.Background(), env, src, State{Cursor: res.Loads[0].Stats().Cursor})
	if err != nil || len(again.Loads) != 0 || len(again.Skipped) != 1 {
		t.Errorf("nothing new: %+v, %v", again, err)
	}

	// A wrong token is a clear error, not retried.
	env.Getenv = func(string) string { return "wrong" }
	before := calls.Load()
	_, err = HTTP{}.Extract(context.Background(), env, src, State{})
	if err == nil || !strings.Contains(err.Error(), "401 Unauthorized (check the token in the environment variable named by token_env)") ||
		!strings.Contains(err.Error(), "invalid token") || calls.Load()-before != 1 {
		t.Errorf("401: %v after %d requests", err, calls.Load()-before)
	}
}

func TestHTTPNextLinkOffsetAndExhaustedRetries(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("cursor") {
		case "":
			fmt.Fprintf(w, `{"results": [%s, %s], "links": {"next": "/next?cursor=b"}}`, surveyRecord(1), surveyRecord(2))
		case "b":
			fmt.Fprintf(w, `{"results": [%s], "links": {"next": null}}`, surveyRecord(3))
		}
	})
	mux.HandleFunc("/offset", func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []string
		for i := off + 1; i <= off+3 && i <= 7; i++ {
			items = append(items, surveyRecord(i))
		}
		fmt.Fprintf(w, "[%s]", strings.Join(items, ","))
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tests := []struct {
		decl    string
		want    int
		wantErr string
	}{
		{"kind: http\nurl: " + srv.URL + "/next\nrecords: results\npaging: {mode: next, next: links.next}\n", 3, ""},
		{"kind: http\nurl: " + srv.URL + "/offset\npaging: {mode: offset, size: 3}\n", 7, ""},
		{"kind: http\nurl: " + srv.URL + "/down\nretries: 2\nretry_backoff: 1ms\n", 0, "gave up after 3 attempts: GET " + srv.URL + "/down: 502 Bad Gateway"},
	}
	for _, tt := range tests {
		src, env := httpSource(t, tt.decl, nil)
		res, err := HTTP{}.Extract(context.Background(), env, src, State{})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("want %q, got %v", tt.wantErr, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := rows(t, res.Loads[0]); len(got) != tt.want {
			t.Errorf("%s: %d rows, want %d", tt.decl, len(got), tt.want)
		}
	}
}

func TestHTTPSavedResponseFile(t *testing.T) {
	// Saved by Notepad: a byte order mark before the JSON.
	files := fstest.MapFS{"data/survey.json": {Data: []byte("\uFEFF" + `{"data": {"items": [` + surveyRecord(1) + `, {"id": 9, "unit": "南海", "answered_at": "2017-07-01T00:00:00Z", "extra": {"a": 1}}]}}`)}}
	src, env := httpSource(t, "kind: http\nfile: data/survey.json\nrecords: data.items\n", files)
	res, err := HTTP{}.Extract(context.Background(), env, src, State{})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Loads[0]
	if got := rows(t, l); len(got) != 1 {
		t.Errorf("rows %v", got)
	}
	if len(l.Stats().Rejected) != 1 || l.Stats().Rejected[0].RawValue != "南海" || l.Stats().Rejected[0].Pos.String() != "data/survey.json:row 2:column unit(unit_code)" {
		t.Errorf("rejected %+v", l.Stats().Rejected)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Message, `column "extra" is not declared`) {
		t.Errorf("a new field must be reported: %v", res.Warnings)
	}
	src, env = httpSource(t, "kind: http\nfile: data/survey.json\nrecords: data.list\n", files)
	res, err = HTTP{}.Extract(context.Background(), env, src, State{})
	if err != nil || len(res.Loads) != 0 {
		t.Errorf("a missing records path reads as no records: %+v %v", res, err)
	}
	// Unchanged, the saved response loads nothing.
	src, env = httpSource(t, "kind: http\nfile: data/survey.json\nrecords: data.items\n", files)
	again, err := HTTP{}.Extract(context.Background(), env, src, State{Hashes: map[string]string{"data/survey.json": l.ContentHash}})
	if err != nil || len(again.Loads) != 0 || len(again.Skipped) != 1 || l.ContentHash == "" {
		t.Errorf("an unchanged saved response must be skipped: %+v %v", again, err)
	}
	files["data/bad.json"] = &fstest.MapFile{Data: []byte("<html>")}
	var err2 error
	src, env = httpSource(t, "kind: http\nfile: data/bad.json\n", files)
	_, err2 = HTTP{}.Extract(context.Background(), env, src, State{})
	if err2 == nil || !strings.Contains(err2.Error(), "data/bad.json: the response is not JSON") {
		t.Errorf("bad JSON: %v", err2)
	}
}

func TestHTTPValidate(t *testing.T) {
	tests := []struct{ decl, want string }{
		{"kind: http\n", "give url (the API) or file"},
		{"kind: http\nurl: ftp://x/y\n", `sources/s.yaml:2:6: url "ftp://x/y" must be an http:// or https:// address`},
		{"kind: http\nurl: http://127.0.0.1/x\npaging: {mode: cursor}\n", `paging mode "cursor" must be none, page, offset or next`},
		{"kind: http\nurl: http://127.0.0.1/x\npaging: {mode: next}\n", "paging mode next needs next"},
		{"kind: http\nfile: a.json\npaging: {mode: page}\n", "a saved response (file) has no pages"},
		{"kind: http\nurl: http://127.0.0.1/x\ncursor_param: since\n", "cursor_param needs cursor"},
		{"kind: http\nurl: http://127.0.0.1/x\ncursor: nope\n", `cursor "nope" is not among the declared columns`},
		// Replaced by the records past the cursor, the table would lose the rest.
		{"kind: http\nurl: http://127.0.0.1/x\ncursor: id\n", "a cursor reads only new records: use load: append or load: merge with it, not replace"},
		{"kind: http\nfile: a.json\ncursor: id\nload: replace\n", "a cursor reads only new records"},
		{"kind: http\nurl: http://127.0.0.1/x\ntimeout: forever\n", `timeout "forever" is not a duration`},
		{"kind: http\nurl: http://127.0.0.1/x\nretries: 99\n", "retries must be 0 to 10"},
	}
	for _, tt := range tests {
		m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")},
			"sources/s.yaml": {Data: []byte(tt.decl + "columns:\n  - {name: id, type: integer}\n")}}
		p, _ := project.Load(m)
		var diags diag.List
		HTTP{}.Validate(p.Sources[0], &diags)
		if !strings.Contains(fmt.Sprint(diags), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.decl, diags, tt.want)
		}
	}
	// A pseudonym is no cursor: the API would be sent a key it never gave.
	m := fstest.MapFS{"jixiao.yaml": {Data: []byte("name: t\nplan_year: 2017\n")},
		"sources/s.yaml": {Data: []byte("kind: http\nurl: http://127.0.0.1/x\ncursor: person_key\ncolumns:\n  - {name: person_key, type: pseudonym}\n")}}
	p, _ := project.Load(m)
	var diags diag.List
	HTTP{}.Validate(p.Sources[0], &diags)
	if !strings.Contains(fmt.Sprint(diags), "cursor person_key is a pseudonym column") {
		t.Errorf("pseudonym cursor: got %v", diags)
	}
}

// A saved response under load: append is read token by token: its records
// as their JSON text, hashed in order, so that a later load can tell which
// were added at the end. A file cut short or of the wrong shape fails with
// what is wrong, as when it is decoded whole.
func TestHTTPSavedResponseRecords(t *testing.T) {
	body := `{"data": {"items": [` + surveyRecord(1) + `, ` + surveyRecord(2) + `]}}`
	tests := []struct {
		name, body, path, want string
		records                int
	}{
		{"records", body, "data.items", "", 2},
		{"dollar path", body, "$.data.items", "", 2},
		{"byte order mark", "\uFEFF" + body, "data.items", "", 2},
		{"whole document", `[` + surveyRecord(1) + `]`, "", "", 1},
		{"missing path", body, "data.list", "", 0},
		{"null list", `{"data": {"items": null}}`, "data.items", "", 0},
		{"cut short after the list", strings.TrimSuffix(body, "}"), "data.items", "the response is not JSON", 0},
		{"cut short in the list", body[:40], "data.items", "the response is not JSON", 0},
		{"not JSON", "<html>", "data.items", "the response is not JSON", 0},
		{"not a list", `{"data": {"items": {"a": 1}}}`, "data.items", `records path "data.items" is not a list`, 0},
		{"not inside an object", `{"data": [1]}`, "data.items", `path "data.items": "items" is not inside an object`, 0},
		{"record not an object", `{"data": {"items": [` + surveyRecord(1) + `, 7]}}`, "data.items", `record 2 at "data.items" is not an object`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := fstest.MapFS{"data/survey.json": {Data: []byte(tt.body)}}
			src, env := httpSource(t, "kind: http\nfile: data/survey.json\nrecords: "+tt.path+"\nload: append\n", files)
			res, err := HTTP{}.Extract(context.Background(), env, src, State{})
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), "data/survey.json: "+tt.want) {
					t.Fatalf("got %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range res.Loads {
				n += len(rows(t, l))
			}
			if n != tt.records {
				t.Errorf("%d records, want %d", n, tt.records)
			}
		})
	}

	// Records added at the end load alone, numbered on, beside the file's
	// earlier rows; one changed before them loads the file whole, in place
	// of what it brought.
	files := fstest.MapFS{"data/survey.json": {Data: []byte(body)}}
	src, env := httpSource(t, "kind: http\nfile: data/survey.json\nrecords: data.items\nload: append\n", files)
	first, err := HTTP{}.Extract(context.Background(), env, src, State{})
	if err != nil || len(first.Loads) != 1 || first.Loads[0].Appends || first.Loads[0].ReplacesLocation {
		t.Fatalf("first load: %+v %v", first, err)
	}
	rows(t, first.Loads[0])
	prev := State{Hashes: map[string]string{"data/survey.json": first.Loads[0].ContentHash}}
	files["data/survey.json"] = &fstest.MapFile{Data: []byte(strings.Replace(body, "]}}", ", "+surveyRecord(3)+`, {"id": 4, "unit": "南海", "answered_at": "2017-06-04T08:00:00Z"}]}}`, 1))}
	grown, err := HTTP{}.Extract(context.Background(), env, src, prev)
	if err != nil || len(grown.Loads) != 1 || !grown.Loads[0].Appends || grown.Loads[0].ReplacesLocation {
		t.Fatalf("grown: %+v %v", grown, err)
	}
	if got := rows(t, grown.Loads[0]); len(got) != 1 || !strings.HasPrefix(got[0], "id=3 ") || !strings.Contains(got[0], "_row=3") {
		t.Errorf("grown rows %v", got)
	}
	if rej := grown.Loads[0].Stats().Rejected; len(rej) != 1 || rej[0].Pos.String() != "data/survey.json:row 4:column unit(unit_code)" {
		t.Errorf("a rejected added record is numbered on: %+v", rej)
	}
	files["data/survey.json"] = &fstest.MapFile{Data: []byte(strings.Replace(body, `"score": 81.5`, `"score": 18.5`, 1))}
	changed, err := HTTP{}.Extract(context.Background(), env, src, prev)
	if err != nil || len(changed.Loads) != 1 || changed.Loads[0].Appends || !changed.Loads[0].ReplacesLocation {
		t.Fatalf("changed: %+v %v", changed, err)
	}
	if got := rows(t, changed.Loads[0]); len(got) != 2 || !strings.Contains(got[0], "score=18.5") {
		t.Errorf("changed rows %v", got)
	}
}
