package render

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

// FormatDate writes a date as leaders read it: 2017年6月30日.
func FormatDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// FormatMonth writes a month as 2017年6月.
func FormatMonth(t time.Time) string {
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// FormatDateTime writes 2017年6月30日 08:05.
func FormatDateTime(t time.Time) string {
	return FormatDate(t) + t.Format(" 15:04")
}

// FormatPeriod writes the period data covers: a month as 2017年9月, any
// other day as 2017年9月30日.
func FormatPeriod(t time.Time) string {
	if t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 {
		return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	return FormatDate(t)
}

// FormatWanYuan writes an amount in yuan as 万元 with two decimals and
// thousands separators: 1234567 -> "123.46万元".
func FormatWanYuan(yuan float64) string {
	return FormatNumber(yuan/10000, 2) + "万元"
}

// FormatPercent writes a ratio as a percentage: 0.8567 -> "85.7%".
func FormatPercent(ratio float64) string {
	return FormatNumber(ratio*100, 1) + "%"
}

// FormatNumber writes a number with thousands separators and the given decimals.
func FormatNumber(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	// Half away from zero on the decimal figure, as offices and Excel round:
	// 48.25 is 48.3 although its float is 48.2499…; the nudge is far below
	// any figure's precision.
	p := math.Pow(10, float64(decimals))
	v = math.Round(v*p*(1+1e-12)) / p
	s := fmt.Sprintf("%.*f", decimals, v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.,") != "" {
		out = "-" + out
	}
	return out
}

// FormatCell writes a value in a panel's format: wanyuan, percent, integer,
// number, or plain.
func FormatCell(v any, format string) string {
	if v == nil {
		return "—"
	}
	f, isNum := toFloat(v)
	switch {
	case isNum && format == "wanyuan":
		return FormatWanYuan(f)
	case isNum && format == "wanyuan_wan":
		// The value is already in 万元.
		return FormatNumber(f, 2) + "万元"
	case isNum && format == "percent":
		return FormatPercent(f)
	case isNum && format == "integer":
		return FormatNumber(f, 0)
	case isNum && format == "number":
		return FormatNumber(f, 2)
	}
	switch t := v.(type) {
	case time.Time:
		if t.Day() == 1 && t.Hour() == 0 && format == "month" {
			return FormatMonth(t)
		}
		if t.Hour() == 0 && t.Minute() == 0 {
			return FormatDate(t)
		}
		return FormatDateTime(t)
	case float64:
		return plainNumber(t)
	case float32:
		return plainNumber(float64(t))
	case []byte:
		return string(t)
	case bool:
		if t {
			return "是"
		}
		return "否"
	case []any:
		// A DuckDB LIST, such as a mart's load ids: the items, in Chinese
		// list punctuation, not Go's [a b c].
		items := make([]string, len(t))
		for i, e := range t {
			items[i] = FormatCell(e, format)
		}
		return strings.Join(items, "，")
	}
	return fmt.Sprint(v)
}

// plainNumber writes a number with no format given: whole numbers without
// decimals, others with two.
func plainNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return FormatNumber(f, 0)
	}
	return FormatNumber(f, 2)
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int8:
		return float64(t), true
	case int16:
		return float64(t), true
	case int32:
		return float64(t), true
	case int64:
		return float64(t), true
	case uint8:
		return float64(t), true
	case uint16:
		return float64(t), true
	case uint32:
		return float64(t), true
	case uint64:
		return float64(t), true
	case float32:
		return float64(t), true
	case float64:
		return t, true
	case interface{ Float64() float64 }: // DuckDB DECIMAL
		return t.Float64(), true
	case interface{ Float64() (float64, error) }:
		f, err := t.Float64()
		return f, err == nil
	case *big.Int: // DuckDB HUGEINT, as sum(BIGINT) returns
		f, _ := new(big.Float).SetInt(t).Float64()
		return f, true
	}
	return 0, false
}
