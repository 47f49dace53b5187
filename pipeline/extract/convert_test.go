package extract

import (
	"strings"
	"testing"
	"time"
	"unicode"
)

func TestParseInteger(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"12", 12, false},
		{" 1,234 ", 1234, false},
		{"１２３", 123, false},
		{"１，２３４", 1234, false},
		{"12.0", 12, false},
		{"-3", -3, false},
		{"12.5", 0, true},
		{"七", 0, true},
		{"50%", 0, true},
		{"", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseInteger(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseInteger(%q) = %d, %v", tt.in, got, err)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"1,234.5", 1234.5, false},
		{"７０%", 0.7, false},
		{"12.5万元", 12.5, false},
		{"３．５", 3.5, false},
		{"NaN", 0, true},
		{"abc", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && (got-tt.want > 1e-9 || tt.want-got > 1e-9)) {
			t.Errorf("ParseNumber(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestParseDateAndBool(t *testing.T) {
	want := time.Date(2017, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"2017-06-30", "2017/6/30", "2017.6.30", "20170630", "2017年6月30日", "２０１７年６月３０日", "2017-06-30 08:00:00"} {
		got, err := ParseDate(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", in, got, err)
		}
	}
	if got, err := ParseDate("2017年6月"); err != nil || got.Month() != 6 || got.Day() != 1 {
		t.Errorf("month-only date: %v, %v", got, err)
	}
	if _, err := ParseDate("六月底"); err == nil {
		t.Error("want an error for 六月底")
	}
	for in, want := range map[string]bool{"是": true, "否": false, "TRUE": true, "0": false} {
		if got, err := ParseBool(in); err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBool("也许"); err == nil {
		t.Error("want an error for 也许")
	}
}

func TestFastPathsAgreeWithTheGeneralRules(t *testing.T) {
	for _, s := range []string{"0", "-12", "123456789012345678", "2017-02-30", "2017-13-01", "2017-06", "2017-6-1", "1.5", "-0.25", ".5", "5.", "1.2.3", "-"} {
		if n, err := ParseInteger(s); err == nil {
			if f, err2 := ParseNumber(s); err2 != nil || f != float64(n) {
				t.Errorf("%q: integer %d, number %v %v", s, n, f, err2)
			}
		}
		d1, err1 := ParseDate(s)
		d2, err2 := parseDateSlow(s)
		if (err1 == nil) != (err2 == nil) || !d1.Equal(d2) {
			t.Errorf("ParseDate(%q) = %v %v, general rules give %v %v", s, d1, err1, d2, err2)
		}
	}
	if _, err := ParseNumber("1.2.3"); err == nil {
		t.Error("1.2.3 is not a number")
	}
}

// parseDateSlow is ParseDate without its fast path.
func parseDateSlow(raw string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, raw); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errEmpty
}

// The timestamp fast path must agree with time.Parse on every input it
// takes, and leave the rest to it.
func TestTimestampFastPathAgreesWithTimeParse(t *testing.T) {
	for _, s := range []string{"2017-06-30 08:00:00", "2017-06-30T23:59:59", "2017-02-29 08:00:00", "2017-06-30 24:00:00",
		"2017-06-30 08:60:00", "2017-06-30 8:00:00 ", "2017-06-30x08:00:00", "2017-06-3a 08:00:00", "2016-02-29 00:00:01"} {
		fast, ok := isoTimestamp(s)
		slow, err := time.Parse("2006-01-02 15:04:05", strings.Replace(s, "T", " ", 1))
		if ok != (err == nil) || (ok && !fast.Equal(slow)) {
			t.Errorf("%q: fast %v %v, time.Parse %v %v", s, fast, ok, slow, err)
		}
	}
	got, err := ParseTimestamp("２０１７-06-30 08:00")
	if err != nil || !got.Equal(time.Date(2017, 6, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("general rules: %v %v", got, err)
	}
}

// maybeSpaced must never miss a value TrimSpace would change.
func TestMaybeSpaced(t *testing.T) {
	// Every space Unicode knows, at either end.
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) {
			for _, s := range []string{string(r) + "备", "备" + string(r), string(r)} {
				if !maybeSpaced(s) {
					t.Errorf("maybeSpaced(%q) = false", s)
				}
			}
		}
	}
	for _, s := range []string{"环翠区", "a", " a", "a ", "\t备注", "备注\u3000", "\u3000备注", "\u00a0x", "x\u00a0", "备\u3000注", "１２", "\r", "合计\n",
		"\u0085x", "x\u0085", "\u1680x", "x\u1680", "\u2003x", "x\u2009", "x\u2028", "\u202fx", "x\u205f", "完成。", "é", "\u00a0", "\u3000"} {
		if got, want := maybeSpaced(s), strings.TrimSpace(s) != s; got != want {
			t.Errorf("maybeSpaced(%q) = %v, TrimSpace changes it: %v", s, got, want)
		}
	}
}

// isoDate's own calendar must agree with time.Date on every day.
func TestISODateAgreesWithTimeDate(t *testing.T) {
	for d := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 1) {
		got, ok := isoDate(d.Format("2006-01-02"))
		if !ok || !got.Equal(d) || got.Location() != time.UTC {
			t.Fatalf("isoDate(%s) = %v %v", d.Format("2006-01-02"), got, ok)
		}
	}
	for _, bad := range []string{"2017-02-29", "2016-02-30", "1900-02-29", "2017-04-31", "2017-00-10", "2017-13-01"} {
		if _, ok := isoDate(bad); ok {
			t.Errorf("isoDate(%s) accepted", bad)
		}
	}
	if got, ok := isoDate("2000-02-29"); !ok || got.Day() != 29 {
		t.Errorf("2000-02-29: %v %v", got, ok)
	}
}
