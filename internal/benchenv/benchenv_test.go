package benchenv

import (
	"math"
	"runtime"
	"testing"
	"time"
)

func TestParseLoadAvg(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"0.52 0.58 0.59 1/467 12345\n", 0.52, false},
		{"6.91 6.59 3.75 3/157 4934", 6.91, false},
		{"", 0, true},
		{"busy 1 1", 0, true},
	}
	for _, tt := range tests {
		got, err := parseLoadAvg(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseLoadAvg(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{71.64, "71.6 s"},
		{0.421, "0.42 s"},
		{0.0027, "2.7 ms"},
	}
	for _, tt := range tests {
		if got := seconds(tt.in); got != tt.want {
			t.Errorf("seconds(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The metrics survive b.ResetTimer, which deletes those reported before it:
// a benchmark calls RecordLoad first and resets its timer after set-up.
func TestMetricsSurviveResetTimer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the load average is read from /proc/loadavg")
	}
	res := testing.Benchmark(func(b *testing.B) {
		RecordLoad(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			time.Sleep(time.Millisecond)
		}
		Ratio(b, "sleep", 2*time.Duration(b.N)*time.Millisecond, time.Duration(b.N)*time.Millisecond)
	})
	for _, unit := range []string{"load_start", "load_end", "x_vs_sleep", "s/sleep"} {
		if _, ok := res.Extra[unit]; !ok {
			t.Errorf("no %s among %v", unit, res.Extra)
		}
	}
	if x := res.Extra["x_vs_sleep"]; math.Abs(x-2) > 1e-12 {
		t.Errorf("x_vs_sleep = %v, want 2", x)
	}
	// The per-operation time is a quotient of floats: b.N ms / b.N is
	// 0.0009999999999999998 for some N.
	if s := res.Extra["s/sleep"]; math.Abs(s-0.001) > 1e-12 {
		t.Errorf("s/sleep = %v, want 0.001", s)
	}
}
