package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"time"

	"jixiao/pipeline/check"
	"jixiao/pipeline/project"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

// buildState gathers what a rerun compares against: each model's last
// build, and when each source and meta table last changed.
func buildState(ctx context.Context, w *warehouse.Warehouse) (map[string]warehouse.PriorBuild, map[string]time.Time, error) {
	prior, err := w.PriorBuilds(ctx)
	if err != nil {
		return nil, nil, err
	}
	changes, err := w.SourceChanges(ctx)
	if err != nil {
		return nil, nil, err
	}
	published, err := w.ProjectPublishedAt(ctx)
	if err != nil {
		return nil, nil, err
	}
	changes["meta.project"], changes["meta.units"] = published, published
	// The run history changes with every run: models that read it always rebuild.
	now := time.Now()
	for _, t := range transform.MetaTables {
		if _, set := changes["meta."+t]; !set {
			changes["meta."+t] = now
		}
	}
	return prior, changes, nil
}

// changedTests keeps the tests of models built in this run, tests that read
// a model built in this run, and tests that did not pass last time.
func changedTests(ctx context.Context, w *warehouse.Warehouse, tests []check.Test, builds []transform.BuildResult) ([]check.Test, error) {
	unpassed, err := w.ModelsWithUnpassedTests(ctx)
	if err != nil {
		return nil, err
	}
	built := map[string]bool{}
	for _, b := range builds {
		if b.Status == transform.BuildSuccess {
			built[b.ID] = true
		}
	}
	var out []check.Test
	for _, t := range tests {
		keep := built[t.Model] || unpassed[t.Model]
		for _, r := range t.Refs {
			keep = keep || built[r]
		}
		if keep {
			out = append(out, t)
		}
	}
	return out, nil
}

func anyBuilt(builds []transform.BuildResult) bool {
	for _, b := range builds {
		if b.Status == transform.BuildSuccess {
			return true
		}
	}
	return false
}

// renderInputs identifies what a site shows: the dashboard files, the
// project's name, where the site goes, the data's as-of time and the newest
// model build (a `jixiao transform` between runs changes the marts too).
func renderInputs(ctx context.Context, w *warehouse.Warehouse, p *project.Project, site string, asOf time.Time) (string, error) {
	prior, err := w.PriorBuilds(ctx)
	if err != nil {
		return "", err
	}
	var newest time.Time
	for _, b := range prior {
		if b.Status == transform.BuildSuccess && b.FinishedAt.After(newest) {
			newest = b.FinishedAt
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", p.Config.Name, site, asOf.UTC().Format(time.RFC3339Nano), newest.UTC().Format(time.RFC3339Nano))
	for _, pg := range p.Pages {
		data, _ := fs.ReadFile(p.FS, pg.File)
		fmt.Fprintf(h, "%s\x00%d\x00", pg.File, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
