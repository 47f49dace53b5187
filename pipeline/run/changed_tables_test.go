package run

import (
	"maps"
	"slices"
	"testing"

	"jixiao/pipeline/transform"
)

// The tables a run changed are the models it built and the sources it
// loaded rows into; a failed build or a source skipped unchanged is not one.
func TestChangedTables(t *testing.T) {
	s := &Summary{
		Models: []transform.BuildResult{
			{ID: "staging.stg_persons", Status: transform.BuildSuccess},
			{ID: "marts.Broken", Status: transform.BuildFailed},
		},
		Sources: []SourceOutcome{
			{Name: "persons", Loads: 1, RowsLoaded: 10},
			{Name: "services", Skipped: []string{"data/roster/services.csv"}},
		},
	}
	got := slices.Sorted(maps.Keys(changedTables(s)))
	if want := []string{"raw.persons", "staging.stg_persons"}; !slices.Equal(got, want) {
		t.Errorf("changedTables = %v, want %v", got, want)
	}
}
