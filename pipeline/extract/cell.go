package extract

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// cell is one converted value of a row. It is kept unboxed (not in an `any`)
// so that converting a row allocates nothing: on a million-row file that is
// most of the difference in speed.
type cell struct {
	null bool
	i    int64
	f    float64
	b    bool
	s    string
	t    time.Time
}

var errRequired = fmt.Errorf("必填项为空")

// AddRow converts one row of text cells. A row with any bad cell is
// rejected whole (nothing of it is appended) and every bad cell is reported.
func (t *tableBuilder) AddRow(cells []string, file string, pos diag.Pos) []Rejection {
	var rejects []Rejection
	for ci := range t.src.Columns {
		raw := ""
		if i := t.cellIndex[ci]; i >= 0 && i < len(cells) {
			raw = cells[i]
		}
		if v, ok := t.fillValues[ci]; ok && strings.TrimSpace(raw) == "" {
			raw = v
		}
		err := t.convertText(&t.src.Columns[ci], raw, &t.cells[ci])
		if err == nil {
			err = t.rules.checkBounds(&t.src.Columns[ci], &t.cells[ci])
		}
		if err != nil {
			p := pos
			p.Column = t.columnLabel(ci)
			rejects = append(rejects, Rejection{Pos: p, RawValue: raw, Reason: err.Error()})
		}
	}
	if len(rejects) > 0 {
		return rejects
	}
	t.appendRow(file, pos.Row)
	if t.pending >= batchRows {
		t.flush()
	}
	return nil
}

// AddValues converts one row of typed database or JSON values (the caller
// batches them). Values of the declared Go type are taken as they are; the
// rest are read as text by the same rules as file cells.
func (t *tableBuilder) AddValues(vals []any, pos diag.Pos) []Rejection {
	var rejects []Rejection
	for ci := range t.src.Columns {
		var raw any
		if i := t.cellIndex[ci]; i >= 0 && i < len(vals) {
			raw = vals[i]
		}
		err := t.convertValue(&t.src.Columns[ci], raw, &t.cells[ci])
		if err == nil {
			err = t.rules.checkBounds(&t.src.Columns[ci], &t.cells[ci])
		}
		if err != nil {
			p := pos
			p.Column = t.columnLabel(ci)
			rejects = append(rejects, Rejection{Pos: p, RawValue: valueText(raw), Reason: err.Error()})
		}
	}
	if len(rejects) > 0 {
		return rejects
	}
	t.appendRow(pos.File, pos.Row)
	return nil
}

// appendRow appends the converted cells and the lineage columns.
func (t *tableBuilder) appendRow(file string, row int) {
	if t.refill && t.pending == 0 {
		t.refill = false
		t.reserve(batchRows)
	}
	for ci := range t.src.Columns {
		appendCell(t.builder.Field(ci), &t.cells[ci])
	}
	n := len(t.src.Columns)
	if t.constFile == "" {
		t.builder.Field(n).(*array.StringBuilder).Append(file)
		n++
	}
	t.builder.Field(n).(*array.Int64Builder).Append(int64(row))
	t.pending++
}

func appendCell(b array.Builder, c *cell) {
	if c.null {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(c.i)
	case *array.Float64Builder:
		bb.Append(c.f)
	case *array.BooleanBuilder:
		bb.Append(c.b)
	case *array.Date32Builder:
		bb.Append(arrow.Date32FromTime(c.t))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(c.t.UnixMicro()))
	case *array.StringBuilder:
		bb.Append(c.s)
	}
}

// cellValue is column ci's current value as a Go value (int64, float64,
// bool, time.Time, string) or nil: for cursors, which need it boxed.
func (t *tableBuilder) cellValue(ci int) any {
	return boxCell(&t.src.Columns[ci], &t.cells[ci])
}

func boxCell(col *project.Column, c *cell) any {
	if c.null {
		return nil
	}
	switch col.Type {
	case "integer", project.TypePseudonym:
		return c.i
	case "number":
		return c.f
	case "boolean":
		return c.b
	case "date", "timestamp":
		return c.t
	}
	return c.s
}

// convertText reads one text cell by the column's type into out.
func (t *tableBuilder) convertText(col *project.Column, raw string, out *cell) (err error) {
	*out = cell{}
	if raw == "" || maybeSpaced(raw) && strings.TrimSpace(raw) == "" {
		out.null = true
		if col.Required {
			return errRequired
		}
		return nil
	}
	switch col.Type {
	case "integer":
		out.i, err = ParseInteger(raw)
	case "number":
		out.f, err = ParseNumber(raw)
	case "boolean":
		out.b, err = ParseBool(raw)
	case "date":
		if t.serialDates {
			if d, ok := excelSerial(raw); ok {
				out.t = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
				return nil
			}
		}
		out.t, err = ParseDate(raw)
	case "timestamp":
		if t.serialDates {
			if d, ok := excelSerial(raw); ok {
				out.t = d
				return nil
			}
		}
		out.t, err = ParseTimestamp(raw)
	case "unit":
		code, ok := t.unitCodes[raw]
		if !ok {
			if code, ok = t.rules.units.Code(raw); ok {
				if t.unitCodes == nil {
					t.unitCodes = map[string]string{}
				}
				t.unitCodes[raw] = code
			}
		}
		if !ok {
			return fmt.Errorf("未知单位 %q：如是某单位的别称，请在 jixiao.yaml 中把它加为该单位的 aliases", strings.TrimSpace(raw))
		}
		out.s = code
	case project.TypePseudonym:
		// The identifier as a text column would hold it, hashed: the
		// warehouse never sees it.
		if maybeSpaced(raw) {
			raw = strings.TrimSpace(raw)
		}
		out.i = project.PersonKey(raw)
	default:
		out.s = raw
		if maybeSpaced(raw) {
			out.s = strings.TrimSpace(raw)
		}
	}
	return err
}

// maybeSpaced reports whether s starts or ends with white space
// (ASCII, or U+3000 and the other Unicode spaces), so that the common case,
// a value with nothing around it, skips TrimSpace. The Unicode spaces are
// encoded with lead byte C2, E1, E2 or E3, so Chinese text (E4 to E9) is
// passed over without decoding.
func maybeSpaced(s string) bool {
	n := len(s)
	if n == 0 {
		return false
	}
	if asciiSpace(s[0]) || asciiSpace(s[n-1]) {
		return true
	}
	if spaceLead(s[0]) {
		if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
			return true
		}
	}
	if (n >= 2 && s[n-2] == 0xC2) || (n >= 3 && spaceLead(s[n-3])) {
		if r, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(r) {
			return true
		}
	}
	return false
}

// spaceLead is true for the lead bytes of multi-byte Unicode spaces.
func spaceLead(b byte) bool {
	return b == 0xC2 || b == 0xE1 || b == 0xE2 || b == 0xE3
}

func asciiSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f'
}

// convertValue reads one typed value into out, taking values of the
// column's own Go type as they are.
func (t *tableBuilder) convertValue(col *project.Column, raw any, out *cell) error {
	*out = cell{}
	switch v := raw.(type) {
	case nil:
		out.null = true
		if col.Required {
			return errRequired
		}
		return nil
	case int64:
		switch col.Type {
		case "integer":
			out.i = v
			return nil
		case "number":
			out.f = float64(v)
			return nil
		}
	case int32:
		return t.convertValue(col, int64(v), out)
	case float64:
		switch col.Type {
		case "number":
			out.f = v
			return nil
		case "integer":
			if v == math.Trunc(v) {
				out.i = int64(v)
				return nil
			}
		}
	case bool:
		if col.Type == "boolean" {
			out.b = v
			return nil
		}
	case time.Time:
		switch col.Type {
		case "timestamp":
			out.t = v.UTC()
			return nil
		case "date":
			out.t = time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)
			return nil
		}
	case string:
		if col.Type == "text" {
			out.s = strings.TrimSpace(v)
			return nil
		}
	}
	return t.convertText(col, valueText(raw), out)
}

// valueText renders a database value as text, for conversion and quarantine.
func valueText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(t)
	case string:
		return t
	case time.Time:
		return t.UTC().Format("2006-01-02 15:04:05")
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// columnLabel names a column as the user sees it in the file: its header text
// and the declared name.
func (t *tableBuilder) columnLabel(ci int) string {
	c := t.src.Columns[ci]
	if i := t.cellIndex[ci]; i >= 0 && i < len(t.header) {
		h := strings.TrimSpace(t.header[i])
		if h != "" && h != c.Name {
			return fmt.Sprintf("%s(%s)", h, c.Name)
		}
	}
	return c.Name
}
