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

// plainDigits reports whether s is an optional '-' and ASCII digits only:
// what most machine exports write, and what needs no cleaning.
func plainDigits(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '-' {
		i = 1
	}
	if i == len(s) || len(s) > 18 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseInteger reads a whole number as people type it into reports.
func ParseInteger(raw string) (int64, error) {
	if plainDigits(raw) {
		return strconv.ParseInt(raw, 10, 64)
	}
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
	// Spreadsheets store whole numbers as 12.0: read the whole part as an
	// integer, which a float would round beyond 2^53.
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" {
		if n, err := strconv.ParseInt(whole, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q 不是数字", raw)
	}
	if f != math.Trunc(f) {
		return 0, fmt.Errorf("%q 不是整数", raw)
	}
	// Converting a float beyond int64 would wrap around silently.
	if f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%q 超出整数范围", raw)
	}
	return int64(f), nil
}

// ParseNumber reads a decimal number; "70%" reads as 0.7.
func ParseNumber(raw string) (float64, error) {
	if plainDecimal(raw) {
		return strconv.ParseFloat(raw, 64)
	}
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

// plainDecimal reports whether s is digits with at most one '.' and an
// optional leading '-', which strconv reads as it is.
func plainDecimal(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '-' && i == 0:
		default:
			return false
		}
	}
	return digits > 0
}

// isoDate reads YYYY-MM-DD and YYYY-MM without time.Parse, the shape of
// nearly every exported date.
func isoDate(s string) (time.Time, bool) {
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	if (len(s) != 10 && len(s) != 7) || s[4] != '-' {
		return time.Time{}, false
	}
	y, ok1 := num(0, 4)
	m, ok2 := num(5, 7)
	d, ok3 := 1, true
	if len(s) == 10 {
		if s[7] != '-' {
			return time.Time{}, false
		}
		d, ok3 = num(8, 10)
	}
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) { // 2017-02-30
		return time.Time{}, false
	}
	// time.Unix is cheaper than time.Date, which normalises its fields.
	return time.Unix(daysFromCivil(y, m, d)*86400, 0).UTC(), true
}

// daysIn is the number of days of month m of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d (proleptic Gregorian,
// years 0 and on), after Howard Hinnant's days_from_civil.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006.1.2", "2006-1-2", "20060102", "2006年1月2日", "2006-01", "2006/1", "2006年1月"}

// ParseDate reads the date spellings seen in office reports.
func ParseDate(raw string) (time.Time, error) {
	if t, ok := isoDate(raw); ok {
		return t, nil
	}
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

// isoTimestamp reads 2017-06-30 08:00:00 (or with a T), the form exports
// and databases write, without the allocations of time.Parse's attempts.
func isoTimestamp(s string) (time.Time, bool) {
	if len(s) != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	day, ok := isoDate(s[:10])
	if !ok {
		return time.Time{}, false
	}
	var hms [3]int
	for i, at := range [3]int{11, 14, 17} {
		a, b := s[at], s[at+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return time.Time{}, false
		}
		hms[i] = int(a-'0')*10 + int(b-'0')
	}
	if hms[0] > 23 || hms[1] > 59 || hms[2] > 59 {
		return time.Time{}, false
	}
	return day.Add(time.Duration(hms[0])*time.Hour + time.Duration(hms[1])*time.Minute + time.Duration(hms[2])*time.Second), true
}

// ParseTimestamp reads a date and time; without a zone it is taken as UTC.
func ParseTimestamp(raw string) (time.Time, error) {
	if t, ok := isoTimestamp(raw); ok {
		return t, nil
	}
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
