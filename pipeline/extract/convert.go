package extract

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// normalizeWidth turns full-width ASCII (０-９, Ａ, ．, －, ，) and the
// ideographic space into their half-width forms, as hand-typed reports mix them.
func normalizeWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u3000':
			b.WriteRune(' ')
		case r >= '\uFF01' && r <= '\uFF5E':
			b.WriteRune(r - 0xFEE0)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var errEmpty = errors.New("empty")

// cleanNumber prepares a hand-typed number: full-width digits, thousands
// separators, spaces and a trailing % or 万元 removed. percent reports a %.
func cleanNumber(raw string) (s string, percent bool) {
	s = strings.TrimSpace(normalizeWidth(raw))
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, " ", "")
	s = strings.TrimSuffix(s, "万元")
	s = strings.TrimSuffix(s, "元")
	if strings.HasSuffix(s, "%") {
		s, percent = strings.TrimSuffix(s, "%"), true
	}
	return s, percent
}

// ParseInteger reads a whole number as people type it into reports.
func ParseInteger(raw string) (int64, error) {
	s, percent := cleanNumber(raw)
	if s == "" {
		return 0, errEmpty
	}
	if percent {
		return 0, fmt.Errorf("%q 是百分数，这里要填整数", raw)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// Spreadsheets store whole numbers as 12.0.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q 不是数字", raw)
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("%q 不是整数", raw)
	}
	return int64(f), nil
}

// ParseNumber reads a decimal number; "70%" reads as 0.7.
func ParseNumber(raw string) (float64, error) {
	s, percent := cleanNumber(raw)
	if s == "" {
		return 0, errEmpty
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q 不是数字", raw)
	}
	if percent {
		f /= 100
	}
	return f, nil
}

// ParseBool reads 是/否, true/false, yes/no, 1/0.
func ParseBool(raw string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(normalizeWidth(raw))) {
	case "":
		return false, errEmpty
	case "是", "true", "yes", "y", "1", "√", "已完成", "完成":
		return true, nil
	case "否", "false", "no", "n", "0", "×", "未完成":
		return false, nil
	}
	return false, fmt.Errorf("%q 不是“是”或“否”", raw)
}

var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006.1.2", "2006-1-2", "20060102", "2006年1月2日", "2006-01", "2006/1", "2006年1月"}

// ParseDate reads the date spellings seen in office reports.
func ParseDate(raw string) (time.Time, error) {
	s := strings.TrimSpace(normalizeWidth(raw))
	if s == "" {
		return time.Time{}, errEmpty
	}
	s = strings.Join(strings.Fields(s), "")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	// A date cell exported as its timestamp.
	if t, err := ParseTimestamp(raw); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("%q 不是日期（请写成 2017-06-30 或 2017年6月30日）", raw)
}

var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006/1/2 15:04:05", "2006-01-02 15:04"}

// ParseTimestamp reads a date and time; without a zone it is taken as UTC.
func ParseTimestamp(raw string) (time.Time, error) {
	s := strings.TrimSpace(normalizeWidth(raw))
	if s == "" {
		return time.Time{}, errEmpty
	}
	for _, l := range timestampLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q 不是日期时间（请写成 2017-06-30 08:00:00）", raw)
}
