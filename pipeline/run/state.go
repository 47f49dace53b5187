package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"jixiao/pipeline/check"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
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
	// Quarantined rows are written and cleared only inside a successful
	// load's transaction (see warehouse.LoadAll), so they last changed with
	// the newest load of any source. Taking them for run history, which
	// changes with every run, rebuilt stg_report_receipts and the marts
	// that read it, and so rewrote the whole site, on every rerun.
	var newestLoad time.Time
	for id, t := range changes {
		if strings.HasPrefix(id, project.RawSchema+".") && t.After(newestLoad) {
			newestLoad = t
		}
	}
	changes["meta.quarantine"] = newestLoad
	// The run history changes with every run: models that read it always rebuild.
	now := time.Now()
	for _, t := range transform.MetaTables {
		if _, set := changes["meta."+t]; !set {
			changes["meta."+t] = now
		}
	}
	return prior, changes, nil
}

// testHistory is what the warehouse holds of the data tests' earlier
// results, by warehouse.TestKey: whose newest result did not pass, and
// when each last ran.
type testHistory struct {
	unpassed map[string]bool
	ran      map[string]time.Time
}

func readTestHistory(ctx context.Context, w *warehouse.Warehouse) (testHistory, error) {
	var h testHistory
	var err error
	if h.unpassed, err = w.UnpassedTests(ctx); err != nil {
		return h, err
	}
	h.ran, err = w.LastTestRuns(ctx)
	return h, err
}

// changedTests keeps the tests of models built in this run, tests that read
// a model built or a source loaded in this run (a relationship to a raw
// table its model does not read, an assert naming one), tests that did not
// pass last time, and tests that have not run since their model (or a
// table they read) was last built: a run killed between its builds and its
// tests leaves such builds, which must not pass for tested.
func changedTests(ctx context.Context, w *warehouse.Warehouse, tests []check.Test, builds []transform.BuildResult, changed map[string]bool, h testHistory) ([]check.Test, error) {
	unpassed, lastRun := h.unpassed, h.ran
	prior, err := w.PriorBuilds(ctx)
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
		ran, ever := lastRun[warehouse.TestKey(t.Model, t.Name)]
		keep := built[t.Model] || unpassed[warehouse.TestKey(t.Model, t.Name)] || !ever
		for _, m := range append([]string{t.Model}, t.Refs...) {
			keep = keep || built[m] || changed[strings.ToLower(m)]
			if b, ok := prior[m]; ok && b.Status == transform.BuildSuccess && b.FinishedAt.After(ran) {
				keep = true
			}
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

// sitePlan is what the pages show besides the marts: the stamp's period,
// load time and warnings. It is worked out once per run, and its
// fingerprint is what decides whether a rerun may leave the site alone, so
// nothing that changes a page can be left out of that decision.
type sitePlan struct {
	AsOf   time.Time
	Period time.Time
	// Notes are the stamp's warnings: stale sources and sources whose
	// latest load failed.
	Notes       []string
	Fingerprint string
}

// planSite gathers the stamp and fingerprints everything a page depends on:
// the dashboard files, the project's settings, where the site goes, the
// newest model build (a `jixiao transform` between runs changes the marts
// too), the stamp, and the render code (template, assets, binary version).
func planSite(ctx context.Context, w *warehouse.Warehouse, p *project.Project, site, version string, stale []Staleness) (*sitePlan, error) {
	sp := &sitePlan{}
	var err error
	if sp.AsOf, err = w.LastLoadTime(ctx); err != nil {
		return nil, err
	}
	if sp.Period, err = dataPeriod(ctx, w, p); err != nil {
		return nil, err
	}
	for _, st := range stale {
		sp.Notes = append(sp.Notes, st.Message())
	}
	failed, err := w.FailedSources(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range failed {
		sp.Notes = append(sp.Notes, fmt.Sprintf("数据源 %s 最近一次读取失败（%s），页面用的是它上次成功入库的数据；原因见“数据说明”页或 jixiao runs",
			f.Source, f.At.Format("2006-01-02 15:04")))
	}
	prior, err := w.PriorBuilds(ctx)
	if err != nil {
		return nil, err
	}
	var newest time.Time
	for _, b := range prior {
		if b.Status == transform.BuildSuccess && b.FinishedAt.After(newest) {
			newest = b.FinishedAt
		}
	}
	published, err := w.ProjectPublishedAt(ctx)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00", p.Config.Name, site, sp.AsOf.UTC().Format(time.RFC3339Nano),
		sp.Period.Format(time.RFC3339), newest.UTC().Format(time.RFC3339Nano), published.UTC().Format(time.RFC3339Nano),
		version, render.Fingerprint())
	for _, n := range sp.Notes {
		fmt.Fprintf(h, "note\x00%s\x00", n)
	}
	for _, pg := range p.Pages {
		data, _ := fs.ReadFile(p.FS, pg.File)
		fmt.Fprintf(h, "%s\x00%d\x00", pg.File, len(data))
		h.Write(data)
	}
	sp.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return sp, nil
}
