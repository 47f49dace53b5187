package render

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"jixiao/pipeline/warehouse"
)

// capRows cuts a panel's rows to at most n (the query reads n+1, to tell)
// and returns what the panel and its downloads then say, or "" when every
// row is there: rows left out without a word would read as the whole data.
func capRows(data *warehouse.Result, n int) string {
	if n <= 0 || len(data.Rows) <= n {
		return ""
	}
	data.Rows = data.Rows[:n]
	return fmt.Sprintf("仅显示前 %d 行，完整数据请用 jixiao export 或 jixiao query", n)
}

// withNote adds note to a panel's own note.
func withNote(own, note string) string {
	switch {
	case note == "":
		return own
	case own == "":
		return note
	}
	return own + "；" + note
}

// appendCSVNote ends a CSV download with the note as its last row.
func appendCSVNote(b []byte, note string) ([]byte, error) {
	if note == "" {
		return b, nil
	}
	var buf bytes.Buffer
	buf.Write(b)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		buf.WriteByte('\n')
	}
	w := csv.NewWriter(&buf)
	w.Write([]string{note})
	w.Flush()
	return buf.Bytes(), w.Error()
}
