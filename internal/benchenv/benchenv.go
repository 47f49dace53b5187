// Package benchenv puts beside a benchmark's figures what a reader needs to
// trust them: each ratio with its baseline's absolute time, and the
// machine's load average when the benchmark started and ended. The
// development machine is shared (2 cores, other builds and tests), and a
// ratio measured at load 6 says something else than one measured at 0.5.
package benchenv

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadAvgFile is where Linux keeps the load averages.
const loadAvgFile = "/proc/loadavg"

// RecordLoad reports the 1-minute load average at the benchmark's start
// (now) and end (when it returns) as load_start and load_end, and logs
// both. Call it first in the benchmark function. Where the load cannot be
// read (not Linux) it reports nothing.
func RecordLoad(b *testing.B) {
	b.Helper()
	start, err := LoadAverage()
	if err != nil {
		b.Logf("load average: %v", err)
		return
	}
	// Reported at the end: b.ResetTimer deletes metrics reported before it.
	b.Cleanup(func() {
		end, err := LoadAverage()
		if err != nil {
			b.Logf("load average: %v", err)
			return
		}
		b.ReportMetric(start, "load_start")
		b.ReportMetric(end, "load_end")
		b.Logf("load average (1 min) %.2f at start, %.2f at end, on %d cores", start, end, runtime.NumCPU())
	})
}

// LoadAverage is the machine's 1-minute load average.
func LoadAverage() (float64, error) {
	data, err := os.ReadFile(loadAvgFile)
	if err != nil {
		return 0, err
	}
	return parseLoadAvg(string(data))
}

// parseLoadAvg reads the first field of /proc/loadavg ("0.52 0.58 0.59 1/467 12345").
func parseLoadAvg(s string) (float64, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return 0, fmt.Errorf("%s is empty", loadAvgFile)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", loadAvgFile, err)
	}
	return v, nil
}

// Ratio reports ours ÷ base as x_vs_<name> with the baseline's own time per
// operation as s/<name>, and logs both absolute times, so that no ratio is
// printed without the figure it divides by. ours and base are totals over
// b.N operations.
func Ratio(b *testing.B, name string, ours, base time.Duration) {
	b.Helper()
	if base <= 0 || b.N == 0 {
		b.Logf("%s: no baseline time, no ratio", name)
		return
	}
	perOp := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(ours.Seconds()/base.Seconds(), "x_vs_"+name)
	b.ReportMetric(perOp(base), "s/"+name)
	b.Logf("%s: %.2fx (%s against the baseline's %s, per operation)", name, ours.Seconds()/base.Seconds(),
		seconds(perOp(ours)), seconds(perOp(base)))
}

// seconds formats a time for a log line: 71.6 s, 0.42 s, 2.7 ms.
func seconds(s float64) string {
	switch {
	case s >= 10:
		return fmt.Sprintf("%.1f s", s)
	case s >= 0.1:
		return fmt.Sprintf("%.2f s", s)
	default:
		return fmt.Sprintf("%.2g ms", s*1000)
	}
}
