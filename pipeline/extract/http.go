package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// HTTP reads JSON records from a web API (the 12385 hotline, the online
// service platform), page by page, or from a saved export of one.
type HTTP struct{}

// HTTPOptions are the http kind's settings.
type HTTPOptions struct {
	project.SourceFields `yaml:",inline"`
	// URL is the endpoint; File instead reads a saved response in the project.
	URL  string `yaml:"url"`
	File string `yaml:"file"`
	// TokenEnv names the environment variable holding a bearer token.
	TokenEnv string `yaml:"token_env"`
	// Records is the dot path to the array of records: data.items. Empty
	// means the response is the array.
	Records string     `yaml:"records"`
	Paging  HTTPPaging `yaml:"paging"`
	// Cursor is a record field that grows with each change; CursorParam, when
	// set, sends the last value so the API returns only newer records.
	Cursor      string `yaml:"cursor"`
	CursorParam string `yaml:"cursor_param"`
	Timeout     string `yaml:"timeout"`
	Retries     *int   `yaml:"retries"`
	// RetryBackoff is the first wait before a retry; it doubles each time.
	RetryBackoff string `yaml:"retry_backoff"`
	MaxPages     int    `yaml:"max_pages"`
}

// HTTPPaging says how to ask for the next page.
type HTTPPaging struct {
	// Mode is none, page (page numbers from 1), offset, or next (a link in
	// the response).
	Mode        string `yaml:"mode"`
	PageParam   string `yaml:"page_param"`
	OffsetParam string `yaml:"offset_param"`
	SizeParam   string `yaml:"size_param"`
	Size        int    `yaml:"size"`
	// Next is the dot path of the next page's URL, for mode next.
	Next string `yaml:"next"`
}

// Name implements Kind.
func (HTTP) Name() string { return "http" }

func decodeHTTPOptions(src *project.Source, diags *diag.List) HTTPOptions {
	var o HTTPOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	if o.Paging.Mode == "" {
		o.Paging.Mode = "none"
	}
	if o.Paging.PageParam == "" {
		o.Paging.PageParam = "page"
	}
	if o.Paging.OffsetParam == "" {
		o.Paging.OffsetParam = "offset"
	}
	if o.Paging.SizeParam == "" {
		o.Paging.SizeParam = "page_size"
	}
	if o.Paging.Size == 0 {
		o.Paging.Size = 100
	}
	if o.Timeout == "" {
		o.Timeout = "30s"
	}
	if o.Retries == nil {
		three := 3
		o.Retries = &three
	}
	if o.RetryBackoff == "" {
		o.RetryBackoff = "1s"
	}
	if o.MaxPages == 0 {
		o.MaxPages = 10_000
	}
	return o
}

// Validate implements Kind.
func (HTTP) Validate(src *project.Source, diags *diag.List) {
	o := decodeHTTPOptions(src, diags)
	at := func(key string) diag.Pos { return yamlx.At(src.File, yamlx.MappingValue(src.Node, key)) }
	switch {
	case (o.URL == "") == (o.File == ""):
		diags.Errorf(src.Pos, "give url (the API) or file (a saved response in the project), not both")
	case o.URL != "":
		if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			diags.Errorf(at("url"), "url %q must be an http:// or https:// address", o.URL)
		}
	}
	switch o.Paging.Mode {
	case "none", "page", "offset":
	case "next":
		if o.Paging.Next == "" {
			diags.Errorf(at("paging"), "paging mode next needs next: the path of the next page's link in the response")
		}
	default:
		diags.Errorf(at("paging"), "paging mode %q must be none, page, offset or next", o.Paging.Mode)
	}
	if o.File != "" && o.Paging.Mode != "none" {
		diags.Errorf(at("paging"), "a saved response (file) has no pages")
	}
	if o.Cursor != "" && src.Column(o.Cursor) == nil {
		diags.Errorf(at("cursor"), "cursor %q is not among the declared columns", o.Cursor)
	} else if c := src.Column(o.Cursor); c != nil && c.Type == project.TypePseudonym {
		// The API would be sent a key it never gave, and the key's order
		// is not the records'.
		diags.Errorf(at("cursor"), "cursor %s is a pseudonym column: use an id, date or timestamp the API orders its records by", o.Cursor)
	}
	if o.CursorParam != "" && o.Cursor == "" {
		diags.Errorf(at("cursor_param"), "cursor_param needs cursor: the field whose last value it sends")
	}
	if o.Cursor != "" && src.Load == project.LoadReplace {
		// Replaced by only the records past the cursor, the table would
		// lose every earlier one.
		diags.Errorf(at("cursor"), "a cursor reads only new records: use load: append or load: merge with it, not replace")
	}
	for _, k := range []string{"timeout", "retry_backoff"} {
		v := o.Timeout
		if k == "retry_backoff" {
			v = o.RetryBackoff
		}
		if _, err := time.ParseDuration(v); err != nil {
			diags.Errorf(at(k), "%s %q is not a duration such as 30s", k, v)
		}
	}
	if *o.Retries < 0 || *o.Retries > 10 {
		diags.Errorf(at("retries"), "retries must be 0 to 10")
	}
}

// Extract implements Kind.
func (HTTP) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeHTTPOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	var records []map[string]any
	location := o.URL
	var err error
	contentHash := ""
	// from is how many of a saved response's records were loaded before,
	// unchanged: the load adds those after them.
	from, seen := 0, false
	if o.File != "" {
		location = o.File
		data, err := fs.ReadFile(env.FS, o.File)
		if err != nil {
			return nil, fmt.Errorf("%s: read %s: %w", src.File, o.File, err)
		}
		var prev string
		prev, seen = state.Hashes[o.File]
		var raw []json.RawMessage
		if src.Load == project.LoadReplace {
			// Replaced whole each time: unchanged, it is skipped.
			sum := sha256.Sum256(data)
			contentHash = hex.EncodeToString(sum[:])
			if prev == contentHash {
				return &Result{Skipped: []string{o.File}}, nil
			}
			if raw, err = rawRecords(data, o.Records); err != nil {
				return nil, fmt.Errorf("%s: %w", o.File, err)
			}
		} else {
			saved, err := readSavedRecords(data, o.Records, prev)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.File, err)
			}
			if saved.unchanged {
				res := &Result{Skipped: []string{o.File}}
				if saved.hash != prev {
					res.Rehashed = map[string]string{o.File: saved.hash}
				}
				return res, nil
			}
			contentHash, from, raw = saved.hash, saved.from, saved.raw
		}
		records = make([]map[string]any, len(raw))
		for i, r := range raw {
			if records[i], err = decodeRecord(r, from+i+1, o.Records); err != nil {
				return nil, fmt.Errorf("%s: %w", o.File, err)
			}
		}
	} else if records, err = fetchPages(ctx, env, src, o, state.Cursor); err != nil {
		return nil, err
	}

	// The header is the union of the records' fields, so that a field that
	// appears in the API is reported even when only some records have it.
	fieldSet := map[string]bool{}
	for _, r := range records {
		for k := range r {
			fieldSet[k] = true
		}
	}
	fields := make([]string, 0, len(fieldSet))
	for k := range fieldSet {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	res := &Result{}
	if len(records) == 0 {
		res.Skipped = append(res.Skipped, "no new records"+cursorNote(state.Cursor))
		return res, nil
	}
	tb, err := newTableBuilder(src, env.rowRules(), fields, diag.Pos{File: location}, &res.Warnings, nil, location)
	if err != nil {
		return nil, fmt.Errorf("records of %s: %w", src.File, err)
	}
	load := Load{Location: location, File: location, ContentHash: contentHash}
	if o.File != "" {
		// Records added to a saved response join the file's earlier rows;
		// a changed one replaces them.
		load.Appends, load.ReplacesLocation = from > 0, seen && from == 0
	}
	var st LoadStats
	cursorIdx := -1
	if o.Cursor != "" {
		cursorIdx = src.ColumnIndex(o.Cursor)
	}
	var last any // the stored cursor, typed
	if cursorIdx >= 0 && state.Cursor != "" {
		if last, err = parseCursor(src.Columns[cursorIdx].Type, state.Cursor); err != nil {
			return nil, fmt.Errorf("%s: stored cursor %q: %w", src.File, state.Cursor, err)
		}
	}
	newest := last
	vals := make([]any, len(fields))
	for i, r := range records {
		for j, f := range fields {
			vals[j] = jsonValue(r[f])
		}
		pos := diag.Pos{File: location, Row: from + i + 1}
		// An API that ignores the cursor parameter sends old records again.
		// (A saved response's records are told apart by their place in it.)
		if o.File == "" && cursorIdx >= 0 && last != nil && tb.cellIndex[cursorIdx] >= 0 {
			col := &src.Columns[cursorIdx]
			var c cell
			if err := tb.convertValue(col, vals[tb.cellIndex[cursorIdx]], &c); err == nil && !c.null && !cursorAfter(boxCell(col, &c), last) {
				continue
			}
		}
		st.RowsRead++
		if rej := tb.AddValues(vals, pos); len(rej) > 0 {
			st.Rejected = append(st.Rejected, rej...)
			continue
		}
		if v := cursorValue(tb, cursorIdx); v != nil && (newest == nil || cursorAfter(v, newest)) {
			newest = v
		}
	}
	if st.RowsRead == 0 {
		tb.builder.Release()
		res.Skipped = append(res.Skipped, "no new records"+cursorNote(state.Cursor))
		return res, nil
	}
	if newest != nil {
		st.Cursor = formatCursor(newest)
	}
	load.stats = known(st)
	if load.Reader, _, err = tb.Reader(); err != nil {
		return nil, err
	}
	res.Loads = append(res.Loads, load)
	return res, nil
}

// jsonValue turns decoded JSON into what AddValues reads: numbers as their
// exact text, nested values as JSON text.
func jsonValue(v any) any {
	switch t := v.(type) {
	case json.Number:
		return string(t)
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return v
}

// fetchPages requests pages until one comes back short, empty or without a
// next link.
func fetchPages(ctx context.Context, env Env, src *project.Source, o HTTPOptions, cursor string) ([]map[string]any, error) {
	timeout, _ := time.ParseDuration(o.Timeout)
	backoff, _ := time.ParseDuration(o.RetryBackoff)
	client := env.HTTP
	if client == nil {
		client = &http.Client{}
	}
	token := ""
	if o.TokenEnv != "" {
		if env.Getenv != nil {
			token = env.Getenv(o.TokenEnv)
		}
		if token == "" {
			return nil, fmt.Errorf("%s: environment variable %s is not set: it must hold the API token", src.File, o.TokenEnv)
		}
	}
	var all []map[string]any
	next := o.URL
	for page := 1; page <= o.MaxPages; page++ {
		u, err := url.Parse(next)
		if err != nil {
			return nil, fmt.Errorf("%s: page %d: bad URL %q: %w", src.File, page, next, err)
		}
		q := u.Query()
		switch o.Paging.Mode {
		case "page":
			q.Set(o.Paging.PageParam, strconv.Itoa(page))
			q.Set(o.Paging.SizeParam, strconv.Itoa(o.Paging.Size))
		case "offset":
			q.Set(o.Paging.OffsetParam, strconv.Itoa(len(all)))
			q.Set(o.Paging.SizeParam, strconv.Itoa(o.Paging.Size))
		}
		if o.CursorParam != "" && cursor != "" && (page == 1 || o.Paging.Mode != "next") {
			q.Set(o.CursorParam, cursor)
		}
		u.RawQuery = q.Encode()
		body, err := getWithRetries(ctx, client, u.String(), token, timeout, backoff, *o.Retries)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.File, err)
		}
		records, err := selectRecords(body, o.Records)
		if err != nil {
			return nil, fmt.Errorf("%s: page %d of %s: %w", src.File, page, redact(u), err)
		}
		all = append(all, records...)
		switch o.Paging.Mode {
		case "none":
			return all, nil
		case "page", "offset":
			if len(records) < o.Paging.Size {
				return all, nil
			}
		case "next":
			link, err := jsonPath(body, o.Paging.Next)
			s, _ := link.(string)
			if err != nil || s == "" || len(records) == 0 {
				return all, nil
			}
			ref, err := u.Parse(s)
			if err != nil {
				return nil, fmt.Errorf("%s: next link %q: %w", src.File, s, err)
			}
			next = ref.String()
		}
	}
	return nil, fmt.Errorf("%s: more than %d pages: raise max_pages if that is expected", src.File, o.MaxPages)
}

// HTTPError is a response the API refused; 4xx other than 429 is not retried.
type HTTPError struct {
	URL    string
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = " (check the token in the environment variable named by token_env)"
	case http.StatusNotFound:
		hint = " (check url)"
	}
	return fmt.Sprintf("GET %s: %d %s%s: %s", e.URL, e.Status, http.StatusText(e.Status), hint, e.Body)
}

func retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

func getWithRetries(ctx context.Context, client *http.Client, rawURL, token string, timeout, backoff time.Duration, retries int) ([]byte, error) {
	var lastErr error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(backoff << (attempt - 1)):
			}
		}
		body, err := get(ctx, client, rawURL, token, timeout)
		if err == nil {
			return body, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("gave up after %d attempts: %w", retries+1, lastErr)
}

func get(ctx context.Context, client *http.Client, rawURL, token string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	u, _ := url.Parse(rawURL)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", redact(u), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", redact(u), err)
	}
	if resp.StatusCode/100 != 2 {
		snippet := strings.TrimSpace(string(body))
		if len([]rune(snippet)) > 200 {
			snippet = string([]rune(snippet)[:200]) + "…"
		}
		return nil, &HTTPError{URL: redact(u), Status: resp.StatusCode, Body: snippet}
	}
	return body, nil
}

// redact drops credentials from a URL before it goes into a message.
func redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	return c.String()
}

// selectRecords decodes a response and returns the array at path.
func selectRecords(body []byte, path string) ([]map[string]any, error) {
	v, err := jsonPath(body, path)
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("records path %q is not a list", path)
	}
	out := make([]map[string]any, 0, len(arr))
	for i, item := range arr {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record %d at %q is not an object", i+1, path)
		}
		out = append(out, m)
	}
	return out, nil
}

// jsonPath decodes body and follows a dot path (a.b.c; "$." allowed).
func jsonPath(body []byte, path string) (any, error) {
	// A response saved by Notepad, or sent by some servers, starts with
	// a UTF-8 byte order mark, which is no JSON.
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(body, []byte(utf8BOM))))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the response is not JSON: %w", err)
	}
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	if path == "" {
		return v, nil
	}
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %q: %q is not inside an object", path, key)
		}
		v = m[key]
	}
	return v, nil
}

// cursorValue is the current row's cursor, or nil without one.
func cursorValue(tb *tableBuilder, idx int) any {
	if idx < 0 {
		return nil
	}
	return tb.cellValue(idx)
}
