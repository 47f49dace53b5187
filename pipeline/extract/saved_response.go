package extract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/zeebo/xxh3"
)

// A saved response (an http source's file:) loaded with load: append or
// merge is an export that grows as a csv export does: the platform writes
// the same file each month, the new records added at the end of its list.
// Its content hash then says, after spanPrefix, the XXH3 of the file, the
// XXH3 of its list's text from the list's opening bracket to the end of its
// last record, the records' count and that text's length in bytes
// ("recb-<file>-<span>:<count>:<length>"). When the new file's list starts
// with the same bytes, its first <count> records are those loaded before,
// and only the text after them is read as JSON: a province's survey of
// 300,000 answers (35 MB) was decoded whole every month to add September's
// 30,000 (0.51-0.60 s to load it at scale 100; 0.20-0.24 s now). Only the
// records after them are loaded (numbered on from <count>+1, the earlier
// rows and rejects kept); any other change
// in the list (a record corrected, removed or moved, or written again with
// other spacing) loads the whole file again in place of the rows it brought
// before: more work, never a wrong table. Fields outside the list (an
// export date) may change freely.
//
// An earlier jixiao wrote "recs-<file>-<records>:<count>", the XXH3 of the
// records' texts in order, and before that a SHA-256 of the file; each is
// still read, once, the slower way.
//
// A cursor cannot do this for a file: it would skip the records at or
// before its value, so a corrected old record would be lost without a word.

// spanPrefix marks the hashes savedRecords writes; recordsPrefix the
// previous jixiao's, against an even earlier SHA-256 of the file.
const (
	spanPrefix    = "recb-"
	recordsPrefix = "recs-"
)

// savedRecords is what reading a saved response found.
type savedRecords struct {
	// raw are the records, as their JSON text, from the first not loaded
	// before; from is the number of those that were (0: load them all).
	raw  []json.RawMessage
	from int
	// hash is the file's content hash, to record with the load.
	hash string
	// unchanged is true when the records are those loaded before: nothing
	// to load, though hash may be new (the file's other bytes changed, or
	// prev was written by an earlier jixiao).
	unchanged bool
}

// readSavedRecords reads the records at path in a saved response and
// compares them with the file it was at its last load (prev, a hash this
// or an earlier jixiao wrote).
func readSavedRecords(data []byte, path, prev string) (*savedRecords, error) {
	fileSum := xxh3.Hash128(data).Bytes()
	fileHash := hex.EncodeToString(fileSum[:])
	doc := bytes.TrimPrefix(data, []byte(utf8BOM))
	if span, ok := parseSpanHash(prev); ok {
		if span.file == fileHash {
			return &savedRecords{hash: prev, unchanged: true}, nil
		}
		if span.count > 0 {
			if list, ok := grownList(doc, path, span); ok {
				out := &savedRecords{raw: list.raw, from: span.count, hash: list.hash(fileHash, doc, span.count)}
				out.unchanged = len(list.raw) == 0
				return out, nil
			}
		}
		// The list's start changed: read whole, loaded whole.
		list, err := readRecordList(doc, path)
		if err != nil {
			return nil, err
		}
		return &savedRecords{raw: list.raw, hash: list.hash(fileHash, doc, 0)}, nil
	}
	prevFile, prevRecords, prevCount, hasPrev := parseRecordsHash(prev)
	if hasPrev && prevFile == fileHash {
		return &savedRecords{hash: prev, unchanged: true}, nil
	}
	list, err := readRecordList(doc, path)
	if err != nil {
		return nil, err
	}
	out := &savedRecords{raw: list.raw, hash: list.hash(fileHash, doc, 0)}
	switch {
	case hasPrev:
		// The records' texts in order, as the earlier jixiao hashed them.
		h := xxh3.New()
		sum := func() string {
			b := h.Sum128().Bytes()
			return hex.EncodeToString(b[:])
		}
		for i, r := range list.raw {
			if i == prevCount && prevCount > 0 && sum() == prevRecords {
				out.raw, out.from = list.raw[i:], i
			}
			_, _ = h.Write(r)
			_, _ = h.Write([]byte{'\n'})
		}
		if prevCount == len(list.raw) && prevRecords == sum() {
			out.unchanged, out.raw = true, nil
		}
	case prev != "":
		// Loaded by an earlier jixiao, whole: unchanged when the file is.
		legacy := sha256.Sum256(data)
		if hex.EncodeToString(legacy[:]) == prev {
			out.unchanged, out.raw = true, nil
		}
	}
	return out, nil
}

// spanHash is a hash readSavedRecords wrote.
type spanHash struct {
	file, span string
	count      int
	length     int64
}

// parseSpanHash splits a hash readSavedRecords wrote.
func parseSpanHash(s string) (spanHash, bool) {
	rest, ok := strings.CutPrefix(s, spanPrefix)
	if !ok {
		return spanHash{}, false
	}
	hashes, nums, ok1 := strings.Cut(rest, ":")
	count, length, ok2 := strings.Cut(nums, ":")
	file, span, ok3 := strings.Cut(hashes, "-")
	n, err1 := strconv.Atoi(count)
	l, err2 := strconv.ParseInt(length, 10, 64)
	if !ok1 || !ok2 || !ok3 || err1 != nil || err2 != nil || n < 0 || l < 0 {
		return spanHash{}, false
	}
	return spanHash{file: file, span: span, count: n, length: l}, true
}

// parseRecordsHash splits a hash an earlier jixiao wrote.
func parseRecordsHash(s string) (file, records string, count int, ok bool) {
	rest, ok := strings.CutPrefix(s, recordsPrefix)
	if !ok {
		return "", "", 0, false
	}
	hashes, n, ok := strings.Cut(rest, ":")
	if !ok {
		return "", "", 0, false
	}
	file, records, ok = strings.Cut(hashes, "-")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count < 0 {
		return "", "", 0, false
	}
	return file, records, count, true
}

// recordList is the list of records in a saved response: from the first
// one on (all of them, or those after a span known before), each as its
// JSON text, and where in the document (after any byte order mark) the
// list's text starts, just after its opening bracket, and where its last
// record ends.
type recordList struct {
	raw        []json.RawMessage
	start, end int64
}

// hash is the content hash of the file whose list this is: before holds
// how many records came before raw.
func (l *recordList) hash(fileHash string, doc []byte, before int) string {
	sum := xxh3.Hash128(doc[l.start:l.end]).Bytes()
	return spanPrefix + fileHash + "-" + hex.EncodeToString(sum[:]) + ":" + strconv.Itoa(before+len(l.raw)) + ":" +
		strconv.FormatInt(l.end-l.start, 10)
}

// rawRecords returns the list at the dot path (a.b.c; "$." allowed) of a
// JSON document, each record as its JSON text: read once, token by token,
// without decoding the records. A missing path or a null is no records.
func rawRecords(data []byte, path string) ([]json.RawMessage, error) {
	list, err := readRecordList(bytes.TrimPrefix(data, []byte(utf8BOM)), path)
	if err != nil {
		return nil, err
	}
	return list.raw, nil
}

func notJSON(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("the response is not JSON: %w", err)
}

// readRecordList is rawRecords, with where the list lies in doc.
func readRecordList(doc []byte, path string) (*recordList, error) {
	dec, depth, found, err := openRecordList(doc, path)
	if err != nil || !found {
		return &recordList{}, err
	}
	list := &recordList{start: dec.InputOffset()}
	list.end = list.start
	for dec.More() {
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			return nil, notJSON(err)
		}
		list.raw = append(list.raw, r)
		list.end = dec.InputOffset()
	}
	if err := closeRecordList(dec, depth); err != nil {
		return nil, err
	}
	return list, nil
}

// grownList reads doc's list when it starts with the span of the list
// loaded before: the records after the span, the document's rest checked as
// JSON. ok is false when it does not (or doc is not JSON there, which the
// whole read then reports).
func grownList(doc []byte, path string, span spanHash) (*recordList, bool) {
	dec, depth, found, err := openRecordList(doc, path)
	if err != nil || !found {
		return nil, false
	}
	start := dec.InputOffset()
	after := start + span.length
	if after > int64(len(doc)) {
		return nil, false
	}
	sum := xxh3.Hash128(doc[start:after]).Bytes()
	if hex.EncodeToString(sum[:]) != span.span {
		return nil, false
	}
	// The span ends with a record: a comma and the next, or the list's end.
	tail := after
	for tail < int64(len(doc)) && isJSONSpace(doc[tail]) {
		tail++
	}
	if tail == int64(len(doc)) {
		return nil, false
	}
	switch doc[tail] {
	case ',':
		tail++
	case ']':
	default:
		return nil, false
	}
	// The text after the comma is read as the rest of a document that
	// opens the same objects and list: the decoder checks what follows
	// the list as it would in the file.
	opening := strings.Repeat(`{"":`, depth) + "["
	rest := json.NewDecoder(io.MultiReader(strings.NewReader(opening), bytes.NewReader(doc[tail:])))
	for range 2*depth + 1 {
		if _, err := rest.Token(); err != nil {
			return nil, false
		}
	}
	list := &recordList{start: start, end: after}
	for rest.More() {
		var r json.RawMessage
		if err := rest.Decode(&r); err != nil {
			return nil, false
		}
		list.raw = append(list.raw, r)
		list.end = tail + rest.InputOffset() - int64(len(opening))
	}
	if closeRecordList(rest, depth) != nil {
		return nil, false
	}
	return list, true
}

func isJSONSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// openRecordList reads doc up to the opening bracket of the list at path:
// the decoder then stands before its first record, inside depth objects.
// found is false for a missing path or a null, the document read to its
// end.
func openRecordList(doc []byte, path string) (dec *json.Decoder, depth int, found bool, err error) {
	dec = json.NewDecoder(bytes.NewReader(doc))
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	var keys []string
	if path != "" {
		keys = strings.Split(path, ".")
	}
	for _, key := range keys {
		tok, err := dec.Token()
		if err != nil {
			return nil, 0, false, notJSON(err)
		}
		if tok != json.Delim('{') {
			if err := endOfDocument(dec, depth, tok); err != nil {
				return nil, 0, false, notJSON(err)
			}
			return nil, 0, false, fmt.Errorf("path %q: %q is not inside an object", path, key)
		}
		depth++
		found := false
		for dec.More() {
			name, err := dec.Token()
			if err != nil {
				return nil, 0, false, notJSON(err)
			}
			if name == key {
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, 0, false, notJSON(err)
			}
		}
		if !found {
			if err := endOfDocument(dec, depth, nil); err != nil {
				return nil, 0, false, notJSON(err)
			}
			return dec, depth, false, nil
		}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, 0, false, notJSON(err)
	}
	if tok != json.Delim('[') {
		if err := endOfDocument(dec, depth, tok); err != nil {
			return nil, 0, false, notJSON(err)
		}
		if tok == nil {
			return dec, depth, false, nil
		}
		return nil, 0, false, fmt.Errorf("records path %q is not a list", path)
	}
	return dec, depth, true, nil
}

// closeRecordList reads the list's closing bracket and the rest of the
// document.
func closeRecordList(dec *json.Decoder, depth int) error {
	if _, err := dec.Token(); err != nil { // the list's ]
		return notJSON(err)
	}
	if err := endOfDocument(dec, depth, nil); err != nil {
		return notJSON(err)
	}
	return nil
}

// endOfDocument reads the rest of a document whose depth objects are open
// (tok, when a delimiter, just read), so that a response cut short fails
// as one that is not JSON, as a whole decode would.
func endOfDocument(dec *json.Decoder, depth int, tok json.Token) error {
	switch tok {
	case json.Delim('{'), json.Delim('['):
		depth++
	}
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// decodeRecord decodes one record (numbers kept as their text); n is its
// 1-based place in the list, for the error.
func decodeRecord(raw json.RawMessage, n int, path string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("record %d at %q is not an object", n, path)
	}
	return m, nil
}
