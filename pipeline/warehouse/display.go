package warehouse

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// FormatValue prints a value read from the warehouse for people (jixiao
// query, a failing test's sample rows) as DuckDB's own shell prints it, not
// as Go's fmt would: an INTERVAL as "3 days 01:30:00", not {3 0 5400000000};
// a LIST as [1, 2, NULL], not [1 2 <nil>].
func FormatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(t)
	case string:
		return t
	case time.Time:
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15:04:05")
	case float64:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", t), "0"), ".")
	case float32:
		return FormatValue(float64(t))
	case duckdb.Interval:
		return formatInterval(t)
	case []any:
		items := make([]string, len(t))
		for i, e := range t {
			items[i] = FormatValue(e)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		// A STRUCT: the driver gives a Go map, which has lost the fields'
		// order; sorted, the same row always prints the same.
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = "'" + k + "': " + FormatValue(t[k])
		}
		return "{" + strings.Join(items, ", ") + "}"
	case duckdb.OrderedMap:
		keys, vals := t.Keys(), t.Values()
		items := make([]string, len(keys))
		for i := range keys {
			items[i] = FormatValue(keys[i]) + "=" + FormatValue(vals[i])
		}
		return "{" + strings.Join(items, ", ") + "}"
	case duckdb.Union:
		return FormatValue(t.Value)
	}
	return fmt.Sprint(v)
}

// FormatTyped is FormatValue for a value of a column of type typ (as
// Result.Types names it): a TIMESTAMPTZ prints with its offset, as DuckDB's
// shell prints it in the session's zone (UTC here), where without it a
// reader in Beijing would take 19:04 for local time. (Pages keep such a
// value a time.Time, to format as they format every time.)
func FormatTyped(v any, typ string) string {
	if t, ok := v.(time.Time); ok && (typ == "TIMESTAMPTZ" || typ == "TIMESTAMP WITH TIME ZONE") {
		return t.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
	}
	return FormatValue(v)
}

// formatInterval writes an interval as DuckDB does: years and months, days,
// then the time of day, each part only when it is not zero.
func formatInterval(iv duckdb.Interval) string {
	var parts []string
	unit := func(n int64, one string) {
		if n == 0 {
			return
		}
		s := strconv.FormatInt(n, 10) + " " + one
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	unit(int64(iv.Months/12), "year")
	unit(int64(iv.Months%12), "month")
	unit(int64(iv.Days), "day")
	if iv.Micros != 0 || len(parts) == 0 {
		parts = append(parts, formatMicros(iv.Micros))
	}
	return strings.Join(parts, " ")
}

// formatMicros writes a duration of microseconds as [-]HH:MM:SS[.ffffff].
func formatMicros(us int64) string {
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	secs := us / 1e6
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, secs/3600, secs/60%60, secs%60)
	if frac := us % 1e6; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}

// displayValue turns the driver's values of the types it gives no value
// of their own into what they mean: a UUID's 16 bytes into its text (as a
// BLOB they would print as garbage), a TIME into its time of day (not a
// date in the year 1).
func displayValue(v any, typ string) any {
	switch typ {
	case "UUID":
		if b, ok := v.([]byte); ok && len(b) == 16 {
			var u duckdb.UUID
			copy(u[:], b)
			return u.String()
		}
	case "TIME", "TIME WITH TIME ZONE", "TIMETZ":
		if t, ok := v.(time.Time); ok {
			s := t.Format("15:04:05.999999")
			if typ != "TIME" {
				s += t.Format("-07")
			}
			return s
		}
	}
	return v
}
