package extract

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// textEncoding is how a text file's bytes become text. GBK files are read
// as GB18030, its superset: a GBK export may still hold a character only
// GB18030 has (𠮷), which a GBK decoder would turn into U+FFFD.
type textEncoding int

const (
	encUTF8 textEncoding = iota
	encGB18030
)

func (e textEncoding) String() string {
	if e == encGB18030 {
		return "GB18030"
	}
	return "UTF-8"
}

// badLines are the lines of a file that hold bytes its encoding cannot
// decode. Decoders replace such bytes instead of failing, so they are found
// here, by line, and the rows on those lines go to quarantine instead of
// loading with U+FFFD in them.
type badLines map[int]*badBytes

// badBytes are a line's bad byte sequences, in hex (0x81 0x20).
type badBytes struct {
	enc  textEncoding
	seqs []string
	more int
}

// maxBadPerLine is how many bad byte sequences of a line are listed.
const maxBadPerLine = 3

// add notes a bad byte sequence on line.
func (b badLines) add(line int, enc textEncoding, seq []byte) {
	bb := b[line]
	if bb == nil {
		bb = &badBytes{enc: enc}
		b[line] = bb
	}
	if len(bb.seqs) < maxBadPerLine {
		bb.seqs = append(bb.seqs, hexBytes(seq))
	} else {
		bb.more++
	}
}

// merge copies other's lines into b.
func (b badLines) merge(other badLines) {
	for line, bb := range other {
		b[line] = bb
	}
}

// within returns the first bad line in [from, to].
func (b badLines) within(from, to int) (int, *badBytes) {
	if len(b) == 0 {
		return 0, nil
	}
	for l := from; l <= to; l++ {
		if bb := b[l]; bb != nil {
			return l, bb
		}
	}
	return 0, nil
}

// hex lists the sequences: 0x81 0x20、0xFF.
func (bb *badBytes) hex() string {
	s := strings.Join(bb.seqs, "、")
	if bb.more > 0 {
		s += fmt.Sprintf(" 等 %d 处", len(bb.seqs)+bb.more)
	}
	return s
}

// reason is the quarantine reason of a row with these bytes.
func (bb *badBytes) reason() string {
	return fmt.Sprintf("无法按 %s 解码的字节 %s", bb.enc, bb.hex())
}

// hexBytes writes bytes as a clerk can compare them with a hex editor: 0x81 0x20.
func hexBytes(seq []byte) string {
	parts := make([]string, len(seq))
	for i, c := range seq {
		parts[i] = fmt.Sprintf("0x%02X", c)
	}
	return strings.Join(parts, " ")
}

// parseEncoding maps a declared encoding to how the file is read; auto is
// decided by voteEncoding.
func parseEncoding(declared string) (enc textEncoding, auto bool) {
	switch strings.ToLower(declared) {
	case "utf-8", "utf8":
		return encUTF8, false
	case "gbk", "gb18030":
		return encGB18030, false
	}
	return encUTF8, true
}

// The vote between UTF-8 and GB18030 reads at most voteBytes of a file and
// stops after voteSequences non-ASCII sequences: enough to tell, and the
// same bytes whether the file is held whole or streamed.
const (
	voteBytes     = 16 << 20
	voteSequences = 4096
)

// voteEncoding tells UTF-8 text from GB18030 (or GBK) text by its first
// non-ASCII sequences: text that is UTF-8 has few bytes that are not (a
// stray byte from a bad copy), while GB18030 text read as UTF-8 is mostly
// invalid. A single bad byte must not make a UTF-8 file read as GB18030,
// which would turn every character into another one without an error.
func voteEncoding(r io.Reader) (textEncoding, error) {
	r = io.LimitReader(r, voteBytes)
	buf := make([]byte, 64<<10)
	valid, invalid, carried := 0, 0, 0
	for valid+invalid < voteSequences {
		n, err := io.ReadFull(r, buf[carried:])
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return 0, err
		}
		data := buf[:carried+n]
		i := 0
		for i < len(data) && valid+invalid < voteSequences {
			if data[i] < utf8.RuneSelf {
				i++
				continue
			}
			if !eof && !utf8.FullRune(data[i:]) {
				break // the rest of the rune is in the next read
			}
			ru, size := utf8.DecodeRune(data[i:])
			if ru == utf8.RuneError && size == 1 {
				invalid++
			} else {
				valid++
			}
			i += size
		}
		carried = copy(buf, data[i:])
		if eof {
			break
		}
	}
	if invalid == 0 || valid >= 4*invalid {
		return encUTF8, nil
	}
	return encGB18030, nil
}

// resolveEncoding decides how in is read: as declared, or by a vote over
// its first bytes for auto. A file declared UTF-8 that votes GB18030 fails:
// every row would go to quarantine, and the fix is one line in the source.
// valid is true when the whole file is known to be valid UTF-8.
func resolveEncoding(declared string, in fileInput) (enc textEncoding, valid bool, err error) {
	enc, auto := parseEncoding(declared)
	if !auto && enc != encUTF8 {
		return enc, false, nil
	}
	var voted textEncoding
	if in.data != nil {
		data := bytes.TrimPrefix(in.data, []byte(utf8BOM))
		if utf8.Valid(data) {
			return encUTF8, true, nil
		}
		voted, _ = voteEncoding(bytes.NewReader(data))
	} else {
		f, err := in.open()
		if err != nil {
			return 0, false, err
		}
		defer f.Close()
		var start [3]byte
		n, _ := io.ReadFull(f, start[:])
		text := io.Reader(f)
		if string(start[:n]) != utf8BOM {
			text = io.MultiReader(bytes.NewReader(start[:n]), f)
		}
		if voted, err = voteEncoding(text); err != nil {
			return 0, false, fmt.Errorf("read %s: %w", in.name, err)
		}
	}
	if !auto && voted != encUTF8 {
		return 0, false, fmt.Errorf("%s: not valid UTF-8 (declare encoding: gbk if finance exported it from Excel)", in.name)
	}
	return voted, false, nil
}

// decodeLines turns raw, whole lines of a file whose first is line
// firstLine, into text, noting in bad every line with bytes that enc cannot
// decode. Valid UTF-8 is not copied. The text of a bad line is not to be
// loaded: it may still hold the bad bytes, or U+FFFD in their place.
func decodeLines(raw []byte, enc textEncoding, firstLine int, bad badLines) string {
	if enc == encUTF8 {
		if !utf8.Valid(raw) {
			scanUTF8(raw, firstLine, bad)
		}
		return bytesAsString(raw)
	}
	out, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(raw) // never fails: bad bytes become U+FFFD
	// A bad sequence decodes as U+FFFD; most files have none, and then
	// nothing is scanned.
	if bytes.Contains(out, []byte("\uFFFD")) {
		scanGB18030(raw, firstLine, bad)
	}
	return bytesAsString(out)
}

// scanUTF8 notes each run of bytes that are not UTF-8.
func scanUTF8(raw []byte, line int, bad badLines) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			if c == '\n' {
				line++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		start := i
		for i < len(raw) && raw[i] >= utf8.RuneSelf {
			if r, size := utf8.DecodeRune(raw[i:]); r != utf8.RuneError || size > 1 {
				break
			}
			i++
		}
		bad.add(line, encUTF8, raw[start:min(i, start+8)])
	}
}

// scanGB18030 notes each sequence that x/text's GB18030 decoder turns into
// U+FFFD, following its rules: one byte 0x00-0x80; two bytes, a lead
// 0x81-0xFE and a trail 0x40-0x7E or 0x80-0xFE, of a mapped character; or
// four bytes lead, 0x30-0x39, lead, 0x30-0x39 in the mapped ranges. A
// sequence is listed up to the byte that shows it is broken (0x81 0x20).
func scanGB18030(raw []byte, line int, bad badLines) {
	unmapped := gb18030Unmapped()
	shown := 0 // bytes before this were listed with a sequence already
	report := func(at int, seq []byte) {
		if at >= shown {
			bad.add(line, encGB18030, seq)
			shown = at + len(seq)
		}
	}
	for i := 0; i < len(raw); {
		c0 := raw[i]
		switch {
		case c0 < 0x80:
			if c0 == '\n' {
				line++
			}
			i++
			continue
		case c0 == 0x80: // the euro sign in Code Page 936
			i++
			continue
		case c0 == 0xFF || i+1 >= len(raw):
			report(i, raw[i:i+1])
			i++
			continue
		}
		c1 := raw[i+1]
		switch {
		case 0x40 <= c1 && c1 < 0x7F || 0x80 <= c1 && c1 < 0xFF:
			if unmapped[int(c0-0x81)*256+int(c1)] {
				report(i, raw[i:i+2])
			}
			i += 2
			continue
		case 0x30 <= c1 && c1 < 0x3A:
			if i+3 >= len(raw) {
				report(i, raw[i:])
				break
			}
			c2, c3 := raw[i+2], raw[i+3]
			if c2 < 0x81 || c2 == 0xFF {
				report(i, raw[i:i+3])
				break
			}
			if c3 < 0x30 || c3 >= 0x3A {
				report(i, raw[i:i+4])
				break
			}
			r := ((int(c0-0x81)*10+int(c1-0x30))*126+int(c2-0x81))*10 + int(c3-0x30)
			if r < 39420 || 189000 <= r && r < 189000+0x100000 {
				i += 4
				continue
			}
			report(i, raw[i:i+4])
		default:
			report(i, raw[i:i+2])
		}
		// Like the decoder, go on from the byte after the lead.
		i++
	}
}

// gb18030Unmapped marks the two-byte codes (lead-0x81)*256+trail that
// x/text's GB18030 table leaves unmapped (some user-defined areas): they
// decode as U+FFFD, so their rows go to quarantine like other bad bytes.
var gb18030Unmapped = sync.OnceValue(func() []bool {
	var pairs []byte
	var codes []int
	for c0 := 0x81; c0 <= 0xFE; c0++ {
		for c1 := 0x40; c1 <= 0xFE; c1++ {
			if c1 != 0x7F {
				pairs = append(pairs, byte(c0), byte(c1))
				codes = append(codes, (c0-0x81)*256+c1)
			}
		}
	}
	out, _ := simplifiedchinese.GB18030.NewDecoder().Bytes(pairs)
	unmapped := make([]bool, 126*256)
	for i, r := range []rune(string(out)) {
		unmapped[codes[i]] = r == utf8.RuneError
	}
	return unmapped
})
