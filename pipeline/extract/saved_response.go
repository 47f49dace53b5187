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
// Its content hash then says, after recordsPrefix, the XXH3 of the file,
// the XXH3 of its records in order and their count
// ("recs-<file>-<records>:<count>"). When the new file's first <count>
// records hash as the old file's records did, only the records after them
// are loaded (numbered on from <count>+1, the earlier rows and rejects
// kept); any other change (a record corrected, removed or moved) loads the
// whole file again in place of the rows it brought before. The records are
// compared by their JSON text, so a file written again with other spacing
// loads again whole: more work, never a wrong table.
//
// A cursor cannot do this for a file: it would skip the records at or
// before its value, so a corrected old record would be lost without a word.

// recordsPrefix marks the hashes savedRecords writes, against an earlier
// jixiao's SHA-256 of the file.
const recordsPrefix = "recs-"

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
	// prev was an earlier jixiao's SHA-256).
	unchanged bool
}

// readSavedRecords reads the records at path in a saved response and
// compares them with the file it was at its last load (prev, a hash this
// wrote or an earlier jixiao's SHA-256 of the file).
func readSavedRecords(data []byte, path, prev string) (*savedRecords, error) {
	fileSum := xxh3.Hash128(data).Bytes()
	fileHash := hex.EncodeToString(fileSum[:])
	prevFile, prevRecords, prevCount, hasPrev := parseRecordsHash(prev)
	if hasPrev && prevFile == fileHash {
		return &savedRecords{hash: prev, unchanged: true}, nil
	}
	raw, err := rawRecords(data, path)
	if err != nil {
		return nil, err
	}
	h := xxh3.New()
	sum := func() string {
		b := h.Sum128().Bytes()
		return hex.EncodeToString(b[:])
	}
	from := 0
	for i, r := range raw {
		if hasPrev && i == prevCount && prevCount > 0 && sum() == prevRecords {
			from = i
		}
		_, _ = h.Write(r)
		_, _ = h.Write([]byte{'\n'})
	}
	records := sum()
	out := &savedRecords{raw: raw[from:], from: from,
		hash: recordsPrefix + fileHash + "-" + records + ":" + strconv.Itoa(len(raw))}
	switch {
	case hasPrev && prevCount == len(raw) && prevRecords == records:
		out.unchanged, out.raw = true, nil
	case prev != "" && !hasPrev:
		// Loaded by an earlier jixiao, whole: unchanged when the file is.
		legacy := sha256.Sum256(data)
		if hex.EncodeToString(legacy[:]) == prev {
			out.unchanged, out.raw = true, nil
		}
	}
	return out, nil
}

// parseRecordsHash splits a hash readSavedRecords wrote.
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

// rawRecords returns the list at the dot path (a.b.c; "$." allowed) of a
// JSON document, each record as its JSON text: read once, token by token,
// without decoding the records. A missing path or a null is no records.
func rawRecords(data []byte, path string) ([]json.RawMessage, error) {
	notJSON := func(err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("the response is not JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte(utf8BOM))))
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	var keys []string
	if path != "" {
		keys = strings.Split(path, ".")
	}
	depth := 0 // objects entered on the way to the list
	for _, key := range keys {
		tok, err := dec.Token()
		if err != nil {
			return nil, notJSON(err)
		}
		if tok != json.Delim('{') {
			if err := endOfDocument(dec, depth, tok); err != nil {
				return nil, notJSON(err)
			}
			return nil, fmt.Errorf("path %q: %q is not inside an object", path, key)
		}
		depth++
		found := false
		for dec.More() {
			name, err := dec.Token()
			if err != nil {
				return nil, notJSON(err)
			}
			if name == key {
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, notJSON(err)
			}
		}
		if !found {
			if err := endOfDocument(dec, depth, nil); err != nil {
				return nil, notJSON(err)
			}
			return nil, nil
		}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	if tok != json.Delim('[') {
		if err := endOfDocument(dec, depth, tok); err != nil {
			return nil, notJSON(err)
		}
		if tok == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("records path %q is not a list", path)
	}
	var out []json.RawMessage
	for dec.More() {
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			return nil, notJSON(err)
		}
		out = append(out, r)
	}
	if _, err := dec.Token(); err != nil { // the list's ]
		return nil, notJSON(err)
	}
	if err := endOfDocument(dec, depth, nil); err != nil {
		return nil, notJSON(err)
	}
	return out, nil
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
