package demo

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"jixiao/pipeline/project"
)

// Generating demo data again into its folder for other units replaces it:
// no report of a unit no longer listed stays behind, and the folders that
// are not the generator's stay as they were.
func TestClearLeavesNoFileOfTheEarlierUnits(t *testing.T) {
	c := testCatalog(t)
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Generate(ctx, c, Options{Scale: 0.01, Seed: 1, Months: 2, Out: dir}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "catalog"), 0o755)
	os.WriteFile(filepath.Join(dir, "catalog", "indicators.csv"), []byte("x"), 0o644)
	if _, err := os.Stat(filepath.Join(dir, "reports", "2017-01-环翠区.xlsx")); err != nil {
		t.Fatal(err)
	}
	if cleared, err := Clear(dir); err != nil || !cleared {
		t.Fatalf("clear: %v %v", cleared, err)
	}
	c.Units = slices.DeleteFunc(c.Units, func(u project.Unit) bool { return u.Name == "环翠区" })
	if _, err := Generate(ctx, c, Options{Scale: 0.01, Seed: 2, Months: 2, Out: dir}); err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "reports", "*环翠区*"))
	if len(matches) != 0 {
		t.Errorf("reports of a unit no longer listed: %v", matches)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "catalog", "indicators.csv")); err != nil || string(data) != "x" {
		t.Errorf("the catalog was touched: %q %v", data, err)
	}

	// A folder that is not demo data is left alone.
	other := t.TempDir()
	os.MkdirAll(filepath.Join(other, "reports"), 0o755)
	if cleared, err := Clear(other); err != nil || cleared {
		t.Errorf("clear of a folder without the marker: %v %v", cleared, err)
	}
	if _, err := os.Stat(filepath.Join(other, "reports")); err != nil {
		t.Error("a folder without the marker was cleared")
	}
}
