package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// CSV reads delimited text files: one file or a glob, UTF-8 (with or
// without BOM) or GBK/GB18030, declared or detected.
type CSV struct{}

// CSVOptions are the csv kind's settings.
type CSVOptions struct {
	project.SourceFields `yaml:",inline"`
	// Path is a file or a glob, relative to the project folder.
	Path string `yaml:"path"`
	// Encoding is utf-8, gbk, gb18030 or auto (the default: UTF-8 when the
	// bytes are valid UTF-8, else GB18030, a superset of GBK).
	Encoding  string `yaml:"encoding"`
	Delimiter string `yaml:"delimiter"`
	// HeaderRow is the 1-based line of the header; lines above it are titles.
	HeaderRow int `yaml:"header_row"`
	// SkipTotals skips rows whose first cell says 合计/总计/小计 (default true).
	SkipTotals *bool `yaml:"skip_totals"`
	// LazyQuotes accepts a quote inside an unquoted field, as some exports write.
	LazyQuotes bool `yaml:"lazy_quotes"`
	// Fill sets columns the rows do not carry, from the title lines or the file name.
	Fill []FillRule `yaml:"fill"`
	// Cursor names the column that grows with each new row (updated_at): the
	// file is an export that grows at its end, and a load reads only the
	// rows added since the last one (see growthHash).
	Cursor string `yaml:"cursor"`
}

// Name implements Kind.
func (CSV) Name() string { return "csv" }

func decodeCSVOptions(src *project.Source, diags *diag.List) CSVOptions {
	var o CSVOptions
	yamlx.Decode(src.File, src.Node, &o, diags)
	if o.Encoding == "" {
		o.Encoding = "auto"
	}
	if o.Delimiter == "" {
		o.Delimiter = ","
	}
	if o.HeaderRow == 0 {
		o.HeaderRow = 1
	}
	return o
}

// Glob implements FileKind.
func (CSV) Glob(src *project.Source) string {
	var diags diag.List // reported by Validate
	return decodeCSVOptions(src, &diags).Path
}

// Validate implements Kind.
func (CSV) Validate(src *project.Source, diags *diag.List) {
	o := decodeCSVOptions(src, diags)
	if o.Path == "" {
		diags.Errorf(src.Pos, "path is required: the CSV file or a glob such as data/ledger/*.csv")
	} else if _, err := path.Match(o.Path, ""); err != nil {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "path")), "path %q is not a valid glob: %v", o.Path, err)
	}
	switch strings.ToLower(o.Encoding) {
	case "auto", "utf-8", "utf8", "gbk", "gb18030":
	default:
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "encoding")), "encoding %q must be auto, utf-8, gbk or gb18030", o.Encoding)
	}
	if utf8.RuneCountInString(o.Delimiter) != 1 {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "delimiter")), "delimiter must be one character, not %q", o.Delimiter)
	}
	if o.HeaderRow < 1 {
		diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "header_row")), "header_row counts from 1")
	}
	validateFill(src, o.Fill, diags)
	if o.Cursor != "" {
		at := yamlx.At(src.File, yamlx.MappingValue(src.Node, "cursor"))
		col := src.Column(o.Cursor)
		switch {
		case col == nil:
			diags.Errorf(at, "cursor %q is not among the declared columns", o.Cursor)
		case col.Type != "integer" && col.Type != "timestamp" && col.Type != "date":
			diags.Errorf(at, "cursor %s must be an integer, date or timestamp column, not %s", o.Cursor, col.Type)
		}
		if src.Load == project.LoadReplace {
			diags.Errorf(at, "a cursor reads only the rows added to the file: use load: append or load: merge with it, not replace")
		}
	}
}

// Extract implements Kind.
func (CSV) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	var diags diag.List
	o := decodeCSVOptions(src, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	fill, err := compileFill(o.Fill)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.File, err)
	}
	res, err := extractFiles(ctx, env, src, o.Path, state, o.Cursor != "", func(tb *tableBuilder, in fileInput, fr fileRead) (*tableBuilder, error) {
		r := csvRead{fileRead: fr, o: o, fill: fill}
		if in.data == nil || in.grown != nil {
			return r.stream(tb, in)
		}
		return r.into(tb, in)
	})
	if res != nil {
		for i := range res.Loads {
			res.Loads[i].CursorColumn = o.Cursor
		}
	}
	return res, err
}

// bytesAsString views a file's bytes as a string without copying them: the
// buffer was read for this load alone and is never written to again.
func bytesAsString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// utf8BOM starts some UTF-8 files (those Excel and Notepad save).
const utf8BOM = "\xEF\xBB\xBF"

// csvRead reads one file of a csv source.
type csvRead struct {
	fileRead
	o    CSVOptions
	fill []fillRule
}

// skipTotals says whether 合计/总计/小计 rows are skipped (the default).
func (r csvRead) skipTotals() bool { return r.o.SkipTotals == nil || *r.o.SkipTotals }

// into parses one file held in memory into tb (creating it from the file's
// header when nil), adding rejected rows to the load.
func (r csvRead) into(tb *tableBuilder, in fileInput) (*tableBuilder, error) {
	o, load := r.o, r.load
	enc, valid, err := resolveEncoding(o.Encoding, in)
	if err != nil {
		return nil, err
	}
	file := in.name
	bad := badLines{}
	data := bytes.TrimPrefix(in.data, []byte(utf8BOM))
	text := bytesAsString(data)
	if !valid {
		text = decodeLines(data, enc, 1, bad)
	}
	tb, off, line, err := r.header(tb, file, text, bad)
	if err != nil {
		return nil, err
	}
	body := text[off:]
	skipTotals := r.skipTotals()
	var parts []string
	if runtime.GOMAXPROCS(0) > 1 && !strings.ContainsRune(body, '"') {
		parts = splitAtLineCount(body, partLines)
	}
	if len(parts) < 2 {
		return tb, r.rest(tb, strings.NewReader(body), body, bad, line, file)
	}
	// The body has no quote character, so every line is a record and the
	// parts (substrings of the body) are parsed on every core.
	next := 0
	_, _, err = readPlainParts(tb, func() (textPart, bool, error) {
		if next == len(parts) {
			return textPart{}, false, nil
		}
		next++
		return textPart{text: parts[next-1], bad: bad}, true, nil
	}, o.Delimiter, line, file, skipTotals, load)
	return tb, err
}

// textPart is decoded text of whole lines, with those of its lines (counted
// from the file's start) whose bytes could not be decoded.
type textPart struct {
	text string
	bad  badLines
	// recycle, when set, hands the part's buffer (which text may alias)
	// back to be read into again: for the parser to call once nothing it
	// keeps refers to text.
	recycle func()
}

// header reads the title lines and the header at the top of text,
// matching the header to the declared columns. It returns where the body
// starts in text and the header's line number. Bytes that cannot be decoded
// in the title lines or the header fail the file: every row is read through
// them.
func (cr csvRead) header(tb *tableBuilder, file, text string, bad badLines) (*tableBuilder, int, int, error) {
	o := cr.o
	r := newCSVReader(o, strings.NewReader(text))
	var titles []string
	for records := 1; ; records++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil, 0, 0, fmt.Errorf("%s: no header row (expected it on line %d)", file, o.HeaderRow)
		}
		if err != nil {
			return nil, 0, 0, fmt.Errorf("read %s: %w", file, err)
		}
		if records < o.HeaderRow {
			titles = append(titles, strings.Join(rec, " "))
			continue
		}
		header := append([]string(nil), rec...)
		line, _ := r.FieldPos(0)
		at := diag.Pos{File: file, Row: line}
		if l, bb := bad.within(1, recordEnd(r, rec)); bb != nil {
			return nil, 0, 0, fmt.Errorf("%s: bytes %s are not valid %s; the title lines and the header must be readable to read the file",
				diag.Pos{File: file, Row: l}, bb.hex(), bb.enc)
		}
		if tb, err = cr.table(tb, header, at, cr.fill, fillContext{file: file, titles: titles}); err != nil {
			return nil, 0, 0, err
		}
		return tb, int(r.InputOffset()), line, nil
	}
}

func newCSVReader(o CSVOptions, in io.Reader) *csv.Reader {
	comma, _ := utf8.DecodeRuneInString(o.Delimiter)
	r := csv.NewReader(in)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.LazyQuotes = o.LazyQuotes
	return r
}

// recordEnd is the last line of the record r has just read: the line its
// last field starts on, plus the line breaks inside that field.
func recordEnd(r *csv.Reader, rec []string) int {
	if len(rec) == 0 {
		return 0
	}
	line, _ := r.FieldPos(len(rec) - 1)
	return line + strings.Count(rec[len(rec)-1], "\n")
}

// rest reads rows from in, whose lines are counted from line. When
// text (in's content, if known) has no quote character every line is one
// record and the quick reader is used. Rows on bad lines go to quarantine;
// bad may grow while in is read.
func (r csvRead) rest(tb *tableBuilder, in io.Reader, text string, bad badLines, line int, file string) error {
	o, load, skipTotals := r.o, r.load, r.skipTotals()
	var read int64
	var rejected []Rejection
	var err error
	if text != "" && !strings.ContainsRune(text, '"') {
		read, rejected, err = readPlainChunk(tb, text, bad, o.Delimiter, line, file, skipTotals)
	} else {
		read, rejected, err = readCSVChunk(tb, newCSVReader(o, in), bad, line, file, skipTotals)
	}
	load.RowsRead += read
	load.Rejected = append(load.Rejected, rejected...)
	return err
}

// stream parses a file too large to hold, reading it in parts of
// whole lines, each decoded as it is cut (auto decides the encoding from
// the file's start, as for a file held whole).
func (r csvRead) stream(tb *tableBuilder, in fileInput) (*tableBuilder, error) {
	o, load := r.o, r.load
	enc, _, err := resolveEncoding(o.Encoding, in)
	if err != nil {
		return nil, err
	}
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	if bom, _ := br.Peek(3); string(bom) == utf8BOM {
		br.Discard(3)
	}
	headLines := partLines
	if in.grown != nil {
		headLines = o.HeaderRow + 16 // the header alone: the rows come from the end
	}
	parts := &lineParts{r: br, lines: headLines, file: in.name, enc: enc}
	head, err := parts.next()
	if err != nil {
		return nil, err
	}
	tb, off, line, err := r.header(tb, in.name, head.text, head.bad)
	if err != nil {
		return nil, err
	}
	first := textPart{text: head.text[off:], bad: head.bad}
	if in.grown != nil {
		// A file that only grew: its rows are read from where the last
		// load ended, numbered on from its lines.
		if line > in.grown.lines {
			return nil, fmt.Errorf("%s: the rows added start on line %d, above the header on line %d", in.name, in.grown.lines+1, line)
		}
		rest, err := in.open()
		if err != nil {
			return nil, err
		}
		defer rest.Close()
		if err := skipBytes(rest, in.grown.offset); err != nil {
			return nil, fmt.Errorf("read %s: %w", in.name, err)
		}
		parts = &lineParts{r: bufio.NewReaderSize(rest, 1<<20), lines: partLines, file: in.name, enc: enc, done: in.grown.lines}
		first, line = textPart{}, in.grown.lines
	} else {
		parts.lines = partLines
	}
	parts.reuse()
	skipTotals := r.skipTotals()
	quoted, quotedLine, err := readPlainParts(tb, func() (textPart, bool, error) {
		if first.text != "" {
			p := first
			first = textPart{}
			return p, true, nil
		}
		p, err := parts.next()
		return p, p.text != "", err
	}, o.Delimiter, line, in.name, skipTotals, load)
	if err != nil || quoted.text == "" {
		return tb, err
	}
	// From the first part with a quote character on, a record may span
	// lines: the rest of the file is read as quoted CSV.
	rest := &partsReader{parts: parts, cur: quoted.text, bad: badLines{}}
	rest.bad.merge(quoted.bad)
	return tb, r.rest(tb, rest, "", rest.bad, quotedLine, in.name)
}

// skipBytes moves r on by n bytes: a seek when it can, else a read.
func skipBytes(r io.Reader, n int64) error {
	if s, ok := r.(io.Seeker); ok {
		_, err := s.Seek(n, io.SeekStart)
		return err
	}
	_, err := io.CopyN(io.Discard, r, n)
	return err
}

// lineParts cuts a file into parts of a number of lines, decoding each;
// the empty string marks the end. Line ends are found in the raw bytes:
// no byte of a multi-byte character is a line feed in UTF-8 or GB18030.
type lineParts struct {
	r     io.Reader
	lines int
	file  string
	enc   textEncoding
	// carry is what was read past the last part's final line, in
	// carryBuf's memory.
	carry, carryBuf []byte
	eof             bool
	// done counts the lines of the parts returned so far.
	done int
	// size is the last part's size, to size the next one's buffer.
	size int
	// free holds buffers of parsed parts to read the next parts into,
	// once reuse has made it: a fresh buffer is memory the kernel maps in
	// page by page as the file is copied into it (at scale 100 a quarter
	// of the page faults of loading a month of service records). Not the
	// header's part: the header's cells stay in use.
	free chan []byte
}

// reuse lets the parts from now on be read into buffers their parsers
// hand back (textPart.recycle).
func (p *lineParts) reuse() { p.free = make(chan []byte, 2) }

// buffer is an empty buffer for a part of about n bytes: a fresh one of n
// bytes' capacity, or a parsed part's of at least half that (next grows
// it if the part needs more).
func (p *lineParts) buffer(n int) []byte {
	select {
	case b := <-p.free: // a nil channel never receives
		// Parts are about the same size: one a little short of this part
		// grows once (next), and is large enough from then on.
		if cap(b) >= n/2 {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, n)
}

func (p *lineParts) next() (textPart, error) {
	buf := p.buffer(max(p.size+p.size/8, len(p.carry)+1<<20))
	buf = append(buf, p.carry...)
	p.carry = nil
	count := bytes.Count(buf, []byte{'\n'})
	for count < p.lines && !p.eof {
		if cap(buf)-len(buf) < 64<<10 {
			buf = append(buf[:cap(buf)], make([]byte, cap(buf))...)[:len(buf)]
		}
		n, err := p.r.Read(buf[len(buf):cap(buf)])
		count += bytes.Count(buf[len(buf):len(buf)+n], []byte{'\n'})
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			p.eof = true
		} else if err != nil {
			return textPart{}, fmt.Errorf("read %s: %w", p.file, err)
		}
	}
	if count > p.lines {
		// Cut after the part's last line; the rest begins the next part.
		cut := 0
		for i := 0; i < p.lines; i++ {
			cut += bytes.IndexByte(buf[cut:], '\n') + 1
		}
		// Kept apart from buf, which goes back to the pool once parsed;
		// the next part copies it to its start before it is written again.
		p.carry = append(p.carryBuf[:0], buf[cut:]...)
		p.carryBuf = p.carry
		buf = buf[:cut]
		count = p.lines
	}
	p.size = len(buf)
	part := textPart{bad: badLines{}}
	part.text = decodeLines(buf, p.enc, p.done+1, part.bad)
	p.done += count
	if p.free != nil {
		part.recycle = func() {
			select {
			case p.free <- buf:
			default: // enough kept: the collector takes it
			}
		}
	}
	return part, nil
}

// partsReader reads the text of a file's parts, from a part already cut on,
// collecting their bad lines into bad as it goes.
type partsReader struct {
	parts *lineParts
	cur   string
	bad   badLines
}

func (r *partsReader) Read(b []byte) (int, error) {
	for r.cur == "" {
		p, err := r.parts.next()
		if err != nil {
			return 0, err
		}
		if p.text == "" {
			return 0, io.EOF
		}
		r.cur = p.text
		r.bad.merge(p.bad)
	}
	n := copy(b, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// partLines is how many lines a large body without quotes is cut into
// parts of: one Arrow batch each, and DuckDB's row group size, so that
// DuckDB writes each part as a whole row group without merging it with
// the next.
const partLines = batchRows

// partResult is one part's rows, kept until the parts before it are passed on.
type partResult struct {
	tb       *tableBuilder
	read     int64
	rejected []Rejection
	done     chan struct{}
}

// readPlainParts parses the parts next yields on up to GOMAXPROCS
// goroutines and passes their batches to tb in order; at most workers+1
// parts are parsed or waiting at a time, so memory stays bounded however
// large the file is. Parts are cut at line ends, which are record ends only
// while there are no quotes: the first part with a quote character is not
// parsed but returned, with its first line number, for the caller to read
// as quoted CSV together with everything after it.
func readPlainParts(tb *tableBuilder, next func() (textPart, bool, error), delim string, headerLine int, file string, skipTotals bool, load *tally) (quoted textPart, quotedLine int, err error) {
	workers := runtime.GOMAXPROCS(0)
	results := make(chan *partResult, workers+1)
	var stop atomic.Bool
	var readErr error
	tb.flush()
	go func() {
		defer close(results)
		line := headerLine
		for !stop.Load() {
			part, ok, err := next()
			if err != nil {
				readErr = err
				return
			}
			if !ok {
				return
			}
			if strings.IndexByte(part.text, '"') >= 0 {
				quoted, quotedLine = part, line
				return
			}
			r := &partResult{done: make(chan struct{})}
			// The channel's capacity bounds the parts in memory.
			results <- r
			offset := line
			line += strings.Count(part.text, "\n")
			go func(part textPart, offset int) {
				defer close(r.done)
				r.tb = tb.fork()
				// A fork keeps its batches (absorb passes them on), and
				// emitting is readPlainChunk's only way to fail.
				r.read, r.rejected, _ = readPlainChunk(r.tb, part.text, part.bad, delim, offset, file, skipTotals)
				r.tb.flush()
				// The batches hold copies of the cells; a rejected row
				// keeps its text, and with it the buffer.
				if part.recycle != nil && len(r.rejected) == 0 && len(part.bad) == 0 {
					part.recycle()
				}
			}(part, offset)
		}
	}()
	for r := range results {
		<-r.done
		load.RowsRead += r.read
		load.Rejected = append(load.Rejected, r.rejected...)
		tb.absorb(r.tb) // releases the part's batches if the stream has stopped
		if tb.emitErr != nil {
			stop.Store(true)
		}
	}
	// results is closed: the producer has set what it found.
	if tb.emitErr != nil {
		return textPart{}, 0, tb.emitErr
	}
	if readErr != nil {
		return textPart{}, 0, readErr
	}
	return quoted, quotedLine, nil
}

// splitAtLineCount cuts s into parts of n lines.
func splitAtLineCount(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		cut, lines := 0, 0
		for lines < n {
			i := strings.IndexByte(s[cut:], '\n')
			if i < 0 {
				cut = len(s)
				break
			}
			cut += i + 1
			lines++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}

// readPlainChunk reads text without quote characters, where every line is a
// record and every delimiter separates fields: the cells are substrings of
// the text, so nothing is copied before the values are typed. A row on a
// bad line goes to quarantine whole.
func readPlainChunk(tb *tableBuilder, text string, bad badLines, delim string, lineOffset int, file string, skipTotals bool) (int64, []Rejection, error) {
	// Size the builders from the text: its first line times the line count
	// it would make, and each string column's data by its cell there.
	if first := strings.IndexByte(text, '\n'); first > 0 {
		tb.sampleWidths(strings.Split(strings.TrimSuffix(text[:first], "\r"), delim))
		tb.reserve(len(text) / (first + 1))
	}
	var read int64
	var rejected []Rejection
	cells := make([]string, 0, len(tb.header))
	line := lineOffset
	for len(text) > 0 {
		line++
		var ln string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		ln = strings.TrimSuffix(ln, "\r")
		if ln == "" {
			continue
		}
		cells = cells[:0]
		for {
			i := strings.Index(ln, delim)
			if i < 0 {
				cells = append(cells, ln)
				break
			}
			cells = append(cells, ln[:i])
			ln = ln[i+len(delim):]
		}
		if blankRow(cells) || (skipTotals && totalsRow(cells)) {
			continue
		}
		read++
		if _, bb := bad.within(line, line); bb != nil {
			rejected = append(rejected, badRow(file, line, tb.rowText(cells, delim), bb))
			continue
		}
		rejected = append(rejected, tb.AddRow(cells, file, diag.Pos{File: file, Row: line})...)
		if tb.emitErr != nil {
			return read, rejected, tb.emitErr
		}
	}
	return read, rejected, nil
}

// readCSVChunk reads records into tb; lines are counted from lineOffset.
func readCSVChunk(tb *tableBuilder, r *csv.Reader, bad badLines, lineOffset int, file string, skipTotals bool) (int64, []Rejection, error) {
	var read int64
	var rejected []Rejection
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return read, rejected, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// A malformed line is kept in quarantine, and reading goes on
				// from the next line.
				rejected = append(rejected, Rejection{Pos: diag.Pos{File: file, Row: lineOffset + pe.StartLine}, Reason: "CSV 行格式错误：" + pe.Err.Error()})
				continue
			}
			return read, rejected, fmt.Errorf("read %s: %w", file, err)
		}
		if blankRow(rec) || (skipTotals && totalsRow(rec)) {
			continue
		}
		read++
		line, _ := r.FieldPos(0)
		if _, bb := bad.within(lineOffset+line, lineOffset+recordEnd(r, rec)); bb != nil {
			rejected = append(rejected, badRow(file, lineOffset+line, tb.rowText(rec, string(r.Comma)), bb))
			continue
		}
		rejected = append(rejected, tb.AddRow(rec, file, diag.Pos{File: file, Row: lineOffset + line})...)
		if tb.emitErr != nil {
			return read, rejected, tb.emitErr
		}
	}
}

// rowText is a row's cells joined as the file had them, for a rejection
// that keeps the whole row; a pseudonym column's cell is given as its key,
// so that quarantine does not hold the identifier the warehouse never does.
func (t *tableBuilder) rowText(cells []string, sep string) string {
	var masked []string
	for ci, c := range t.src.Columns {
		if i := t.cellIndex[ci]; c.Type == project.TypePseudonym && i >= 0 && i < len(cells) && strings.TrimSpace(cells[i]) != "" {
			if masked == nil {
				masked = append([]string(nil), cells...)
			}
			masked[i] = strconv.FormatInt(project.PersonKey(strings.TrimSpace(cells[i])), 10)
		}
	}
	if masked == nil {
		masked = cells
	}
	return strings.Join(masked, sep)
}

// badRow is the rejection of a row holding bytes the file's encoding cannot
// decode; its raw value shows them as U+FFFD.
func badRow(file string, line int, text string, bb *badBytes) Rejection {
	return Rejection{Pos: diag.Pos{File: file, Row: line}, RawValue: strings.ToValidUTF8(text, "\uFFFD"), Reason: bb.reason()}
}
