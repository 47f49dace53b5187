//go:build duckdb_arrow

package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"jixiao/pipeline/run"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// A run that rebuilt models in part says which months, in Chinese.
func TestSummaryNamesTheRebuiltMonths(t *testing.T) {
	months := func(parts ...string) *warehouse.PartitionBuild { return &warehouse.PartitionBuild{Parts: parts} }
	for _, tt := range []struct {
		name   string
		models []transform.BuildResult
		want   string // "" for no such line
	}{
		{"one month", []transform.BuildResult{
			{ID: "staging.a", Status: transform.BuildSuccess, Partitions: months("2017-09-01")},
			{ID: "staging.b", Status: transform.BuildSuccess, Partitions: months("2017-09-01")},
			{ID: "marts.c", Status: transform.BuildSuccess},
		}, "    其中 2 个只重算有变动的分区：2017年9月\n"},
		{"a late record and other values", []transform.BuildResult{
			{ID: "staging.a", Status: transform.BuildSuccess, Partitions: months("2017-09-01", "2017-03-01")},
			{ID: "staging.b", Status: transform.BuildSuccess, Partitions: months("371002")},
		}, "    其中 2 个只重算有变动的分区：2017年3月、2017年9月、371002\n"},
		{"many", []transform.BuildResult{
			{ID: "staging.a", Status: transform.BuildSuccess, Partitions: months("2017-01-01", "2017-02-01", "2017-03-01", "2017-04-01", "2017-05-01", "2017-06-01", "2017-07-01")},
		}, "    其中 1 个只重算有变动的分区：2017年1月、2017年2月、2017年3月、2017年4月、2017年5月、2017年6月 等 7 个\n"},
		{"built whole", []transform.BuildResult{
			{ID: "staging.a", Status: transform.BuildSuccess, Partitions: &warehouse.PartitionBuild{Full: true, Parts: []string{"2017-09-01"}}},
		}, ""},
	} {
		var out bytes.Buffer
		printSummary(Env{Stdout: &out}, &run.Summary{Stages: map[run.Stage]time.Duration{run.StageTransform: time.Second}, Models: tt.models})
		got := ""
		for _, line := range strings.SplitAfter(out.String(), "\n") {
			if strings.Contains(line, "只重算") {
				got += line
			}
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
