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
	"strings"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

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
	return extractFiles(ctx, env, src, o.Path, state, func(tb *tableBuilder, in fileInput, load *Load, warnings *diag.List) (*tableBuilder, error) {
		if in.data == nil {
			return readCSVStream(tb, env, src, o, fill, in, load, warnings)
		}
		return readCSVInto(tb, env, src, o, fill, in.name, in.data, load, warnings)
	})
}

// decodeText turns a file's bytes into UTF-8 as its encoding says.
func decodeText(file string, data []byte, encoding string) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	switch strings.ToLower(encoding) {
	case "utf-8", "utf8":
		if !utf8.Valid(data) {
			return "", fmt.Errorf("%s: not valid UTF-8 (declare encoding: gbk if finance exported it from Excel)", file)
		}
		return bytesAsString(data), nil
	case "gbk":
		out, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%s: not valid GBK: %w", file, err)
		}
		return string(out), nil
	default: // gb18030, auto
		if strings.EqualFold(encoding, "auto") && utf8.Valid(data) {
			return bytesAsString(data), nil
		}
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return "", fmt.Errorf("%s: neither UTF-8 nor GB18030: %w", file, err)
		}
		return string(out), nil
	}
}

// bytesAsString views a file's bytes as a string without copying them: the
// buffer was read for this load alone and is never written to again.
func bytesAsString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// readCSVInto parses one file held in memory into tb (creating it from the
// file's header when nil), adding rejected rows to load.
func readCSVInto(tb *tableBuilder, env Env, src *project.Source, o CSVOptions, fill []fillRule, file string, data []byte, load *Load, warnings *diag.List) (*tableBuilder, error) {
	text, err := decodeText(file, data, o.Encoding)
	if err != nil {
		return nil, err
	}
	tb, off, line, err := readCSVHeader(tb, env, src, o, fill, file, text, load, warnings)
	if err != nil {
		return nil, err
	}
	body := text[off:]
	skipTotals := o.SkipTotals == nil || *o.SkipTotals
	var parts []string
	if runtime.GOMAXPROCS(0) > 1 && !strings.ContainsRune(body, '"') {
		parts = splitAtLineCount(body, partLines)
	}
	if len(parts) < 2 {
		return tb, readCSVRest(tb, o, strings.NewReader(body), body, line, file, skipTotals, load)
	}
	// The body has no quote character, so every line is a record and the
	// parts (substrings of the body) are parsed on every core.
	next := 0
	_, _, _, err = readPlainParts(tb, func() (string, bool, error) {
		if next == len(parts) {
			return "", false, nil
		}
		next++
		return parts[next-1], true, nil
	}, o.Delimiter, line, file, skipTotals, load)
	return tb, err
}

// readCSVHeader reads the title lines and the header at the top of text,
// matching the header to the declared columns. It returns where the body
// starts in text and the header's line number.
func readCSVHeader(tb *tableBuilder, env Env, src *project.Source, o CSVOptions, fill []fillRule, file, text string, load *Load, warnings *diag.List) (*tableBuilder, int, int, error) {
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
		if tb == nil {
			if tb, err = newTableBuilder(src, env.Units, header, at, warnings, fillColumns(fill), load.File); err != nil {
				return nil, 0, 0, err
			}
			tb.emit = load.emit
		} else if err := tb.rematch(header, at, warnings); err != nil {
			return nil, 0, 0, err
		}
		if err := tb.setFill(fill, fillContext{file: file, titles: titles}, at); err != nil {
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

// readCSVRest reads rows from in, whose lines are counted from line. When
// text (in's content, if known) has no quote character every line is one
// record and the quick reader is used.
func readCSVRest(tb *tableBuilder, o CSVOptions, in io.Reader, text string, line int, file string, skipTotals bool, load *Load) error {
	var read int64
	var rejected []Rejection
	var err error
	if text != "" && !strings.ContainsRune(text, '"') {
		read, rejected, err = readPlainChunk(tb, text, o.Delimiter, line, file, skipTotals)
	} else {
		read, rejected, err = readCSVChunk(tb, newCSVReader(o, in), line, file, skipTotals)
	}
	load.RowsRead += read
	load.Rejected = append(load.Rejected, rejected...)
	return err
}

// readCSVStream parses a file too large to hold, reading it in parts: UTF-8
// checked part by part, or GBK/GB18030 decoded as it is read (auto takes
// GB18030 when the first megabyte is not UTF-8).
func readCSVStream(tb *tableBuilder, env Env, src *project.Source, o CSVOptions, fill []fillRule, in fileInput, load *Load, warnings *diag.List) (*tableBuilder, error) {
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	if bom, _ := br.Peek(3); string(bom) == "\xEF\xBB\xBF" {
		br.Discard(3)
	}
	var text io.Reader = br
	checkUTF8 := true
	switch strings.ToLower(o.Encoding) {
	case "gbk":
		text, checkUTF8 = transform.NewReader(br, simplifiedchinese.GBK.NewDecoder()), false
	case "gb18030":
		text, checkUTF8 = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), false
	case "auto":
		if sample, _ := br.Peek(1 << 20); !validUTF8Prefix(sample) {
			text, checkUTF8 = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), false
		}
	}
	parts := &lineParts{r: text, lines: partLines, file: in.name, checkUTF8: checkUTF8}
	head, err := parts.next()
	if err != nil {
		return nil, err
	}
	tb, off, line, err := readCSVHeader(tb, env, src, o, fill, in.name, head, load, warnings)
	if err != nil {
		return nil, err
	}
	first := head[off:]
	skipTotals := o.SkipTotals == nil || *o.SkipTotals
	quoted, quotedLine, found, err := readPlainParts(tb, func() (string, bool, error) {
		if first != "" {
			p := first
			first = ""
			return p, true, nil
		}
		p, err := parts.next()
		return p, p != "", err
	}, o.Delimiter, line, in.name, skipTotals, load)
	if err != nil || !found {
		return tb, err
	}
	// From the first part with a quote character on, a record may span
	// lines: the rest of the file is read as quoted CSV.
	rest := io.MultiReader(strings.NewReader(quoted), parts.remainder())
	return tb, readCSVRest(tb, o, rest, "", quotedLine, in.name, skipTotals, load)
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut off at its end.
func validUTF8Prefix(b []byte) bool {
	for cut := 0; cut < utf8.UTFMax && cut <= len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

// lineParts cuts a stream into parts of a number of lines; the empty
// string marks the end.
type lineParts struct {
	r         io.Reader
	lines     int
	file      string
	checkUTF8 bool
	// carry is what was read past the last part's final line.
	carry  []byte
	eof    bool
	offset int64
	// size is the last part's size, to size the next one's buffer.
	size int
}

// remainder is the stream from the end of the last part on.
func (p *lineParts) remainder() io.Reader {
	return io.MultiReader(bytes.NewReader(p.carry), p.r)
}

func (p *lineParts) next() (string, error) {
	buf := make([]byte, 0, max(p.size+p.size/8, len(p.carry)+1<<20))
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
			return "", fmt.Errorf("read %s: %w", p.file, err)
		}
	}
	if count > p.lines {
		// Cut after the part's last line; the rest begins the next part.
		cut := 0
		for i := 0; i < p.lines; i++ {
			cut += bytes.IndexByte(buf[cut:], '\n') + 1
		}
		p.carry = append([]byte(nil), buf[cut:]...)
		buf = buf[:cut]
	}
	if p.checkUTF8 && !utf8.Valid(buf) {
		return "", fmt.Errorf("%s: not valid UTF-8 after byte %d (declare encoding: gbk if finance exported it from Excel)", p.file, p.offset)
	}
	p.offset += int64(len(buf))
	p.size = len(buf)
	return bytesAsString(buf), nil
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
func readPlainParts(tb *tableBuilder, next func() (string, bool, error), delim string, headerLine int, file string, skipTotals bool, load *Load) (quoted string, quotedLine int, found bool, err error) {
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
			if strings.IndexByte(part, '"') >= 0 {
				quoted, quotedLine, found = part, line, true
				return
			}
			r := &partResult{done: make(chan struct{})}
			// The channel's capacity bounds the parts in memory.
			results <- r
			go func(part string, offset int) {
				defer close(r.done)
				r.tb = tb.fork()
				// A fork keeps its batches (absorb passes them on), and
				// emitting is readPlainChunk's only way to fail.
				r.read, r.rejected, _ = readPlainChunk(r.tb, part, delim, offset, file, skipTotals)
				r.tb.flush()
			}(part, line)
			line += strings.Count(part, "\n")
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
		return "", 0, false, tb.emitErr
	}
	if readErr != nil {
		return "", 0, false, readErr
	}
	return quoted, quotedLine, found, nil
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
// the text, so nothing is copied before the values are typed.
func readPlainChunk(tb *tableBuilder, text, delim string, lineOffset int, file string, skipTotals bool) (int64, []Rejection, error) {
	// Size the builders from the text: its first line times the line count
	// it would make.
	if first := strings.IndexByte(text, '\n'); first > 0 {
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
		rejected = append(rejected, tb.AddRow(cells, file, diag.Pos{File: file, Row: line})...)
		if tb.emitErr != nil {
			return read, rejected, tb.emitErr
		}
	}
	return read, rejected, nil
}

// readCSVChunk reads records into tb; lines are counted from lineOffset.
func readCSVChunk(tb *tableBuilder, r *csv.Reader, lineOffset int, file string, skipTotals bool) (int64, []Rejection, error) {
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
		rejected = append(rejected, tb.AddRow(rec, file, diag.Pos{File: file, Row: lineOffset + line})...)
		if tb.emitErr != nil {
			return read, rejected, tb.emitErr
		}
	}
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// totalsRow recognises 合计/总计/小计 rows, which must not be summed twice.
func totalsRow(cells []string) bool {
	for _, c := range cells {
		if c == "" {
			continue
		}
		// Every totals label starts with one of these (after spaces): most
		// rows are rejected here without any work.
		if r := strings.TrimLeft(c, " \t\u3000"); r != "" && !strings.HasPrefix(r, "合") && !strings.HasPrefix(r, "总") &&
			!strings.HasPrefix(r, "小") && !strings.HasPrefix(r, "全") {
			return false
		}
		s := strings.Join(strings.Fields(normalizeWidth(c)), "")
		if s == "" {
			continue
		}
		switch s {
		case "合计", "总计", "小计", "全市合计", "合计:", "合计：", "总计：":
			return true
		}
		return false
	}
	return false
}
