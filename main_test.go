//go:build duckdb_arrow

package main

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jixiao/internal/benchenv"
	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
	"jixiao/pipeline/render"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
)

// The embedded default project must check clean: it is what `make run` and
// every new installation start from.
func TestDefaultProjectChecksClean(t *testing.T) {
	p, diags := project.Load(defaultProject)
	if len(diags) != 0 {
		t.Fatalf("default project: %v", diags)
	}
	_, diags, err := run.CheckProject(context.Background(), p, run.DefaultRegistries())
	if err != nil || len(diags) != 0 {
		t.Fatalf("default project: %v %v", err, diags)
	}
}

// withDemo lays demo data generated at the given scale over the embedded project.
func withDemo(t testing.TB, scale float64) *project.Project {
	t.Helper()
	p, _ := withDemoIn(t, scale)
	return p
}

// withDemoIn is withDemo that also says where the demo data is.
func withDemoIn(t testing.TB, scale float64) (*project.Project, string) {
	t.Helper()
	base, _ := project.Load(defaultProject)
	cat, err := demo.ReadCatalog(base)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := demo.Generate(context.Background(), cat, demo.Options{Scale: scale, Seed: 2017, Months: 9, Out: dir}); err != nil {
		t.Fatal(err)
	}
	p, diags := project.Load(demo.Overlay{Base: defaultProject, Upper: os.DirFS(dir), Prefix: "data"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p, dir
}

func TestDefaultProjectRunsEndToEnd(t *testing.T) {
	p := withDemo(t, 0.05)
	dir := t.TempDir()
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "test"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(s.Sources) != len(p.Sources) || len(s.Models) != len(p.Models) || len(s.Tests) == 0 || s.Render == nil {
		t.Errorf("summary: %d sources, %d models, %d tests", len(s.Sources), len(s.Models), len(s.Tests))
	}
	for _, f := range []string{".jixiao/warehouse.duckdb", "site/index.html", "site/assets/echarts.min.js"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Every target of the catalog must have a data path to the marts: a
	// unit that answers for it, figures that reach it, and a score.
	w, err := warehouse.Open(context.Background(), filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Query(context.Background(), `SELECT c.indicator_id, c.indicator_name,
			(SELECT count(*) FROM staging.stg_targets t WHERE t.indicator_id = c.indicator_id) AS targets,
			(SELECT count(*) FROM staging.stg_progress p WHERE p.indicator_id = c.indicator_id)
			 + (SELECT count(*) FROM staging.stg_services v WHERE list_contains(c.service_types, v.service_type)) AS with_data,
			-- scored, or not scored yet for a reason: an "或" partner scored
			-- under its primary, a milestone not yet due
			(SELECT count(*) FROM marts.indicator_scores s WHERE s.item_id = coalesce(c.alt_of, c.indicator_id))
			 + (SELECT count(*) FROM marts.indicator_completion i WHERE i.indicator_id = c.indicator_id AND i.status = '未到期')
			 -- or monitored only: a ceiling the plan sets no number for
			 + CASE WHEN c.method = 'none' THEN 1 ELSE 0 END AS scored
		FROM staging.stg_catalog c ORDER BY 1`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) < 50 {
		t.Errorf("the catalog has %d indicators: the plan sets more than 50 targets", len(res.Rows))
	}
	for _, r := range res.Rows {
		if r[2].(int64) == 0 || r[3].(int64) == 0 || r[4].(int64) == 0 {
			t.Errorf("%s %s has no data path to the marts: %v targets, %v report or service rows, %v scores", r[0], r[1], r[2], r[3], r[4])
		}
	}

	// Panels of repeated pages are read in batches, one query for all of a
	// declaration's pages: the site must be the one that querying page by
	// page writes, every file to the byte but the stamp's time.
	// Both say they were written at the same time: the quarterly
	// bulletins' Word copies carry it inside their zip, where the stamp's
	// pattern does not reach (the renders straddling a minute made them
	// differ).
	sites := map[bool]map[string]string{}
	generated := time.Now()
	for _, unbatched := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "site")
		res, err := render.Site(context.Background(), w, p, render.Options{OutDir: out, RunID: "same", Unbatched: unbatched, Generated: generated})
		if err != nil {
			t.Fatalf("render (unbatched %v): %v", unbatched, err)
		}
		if !unbatched && res.BatchedPanels < 400 {
			t.Errorf("%d panels were read in batches; the indicator pages alone have 7 × 57", res.BatchedPanels)
		}
		sites[unbatched] = readSite(t, out)
	}
	if len(sites[false]) < 90 {
		t.Errorf("the site has %d files", len(sites[false]))
	}
	for name, want := range sites[true] {
		if got, ok := sites[false][name]; !ok || got != want {
			t.Errorf("%s differs between a batched and a page-by-page render", name)
		}
	}
}

// stampTime is the page stamp's 生成于 time, which differs between renders.
var stampTime = regexp.MustCompile(`生成于 [^·<]*`)

// readSite reads every file of a site, by its path in the site.
func readSite(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	dir, err := filepath.EvalSymlinks(dir) // the site folder is a link to its newest version
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = stampTime.ReplaceAllString(string(b), "生成于")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDefaultProjectReadsAsThePlan runs the Weihai project as of 2017年9月
// and reads it as a finance officer would: what the site claims must be
// what the plan means.
func TestDefaultProjectReadsAsThePlan(t *testing.T) {
	p := withDemo(t, 0.05)
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test"}); err != nil {
		t.Fatalf("run: %v", err)
	}
	w, err := warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int64 {
		t.Helper()
		res, err := w.Query(ctx, q, 0)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return res.Rows[0][0].(int64)
	}
	for _, c := range []struct {
		what string
		q    string
		want int64
	}{
		{"year-end milestones shown 滞后 in the first quarter",
			`SELECT count(*) FROM marts.indicator_completion WHERE month = DATE '2017-03-01' AND kind = 'milestone' AND status = '滞后'`, 0},
		{"unit targets that do not add up to their city target",
			`SELECT count(*) FROM (SELECT t.indicator_id FROM staging.stg_targets t JOIN staging.stg_catalog c USING (indicator_id)
			 WHERE t.target_origin LIKE '全市目标分解%' AND c.kind NOT IN ('ratio', 'every_case') GROUP BY t.indicator_id HAVING sum(t.target) <> any_value(c.target_city))`, 0},
		{"I12-5 (complaints, less is better) with a completion rate",
			`SELECT count(*) FROM marts.indicator_completion WHERE indicator_id = 'I12-5' AND completion_rate IS NOT NULL`, 0},
		{"I11-1 (例) counting people instead of operations",
			`SELECT count(*) FROM marts.indicator_completion i WHERE indicator_id = 'I11-1' AND month = DATE '2017-09-01'
			 AND actual_cum <> (SELECT count(*) FROM staging.stg_services s WHERE s.service_type = '白内障手术' AND s.unit_code = i.unit_code AND year(s.month) = 2017)`, 0},
		{"score rows flagged 偏离度 while under their annual target",
			`SELECT count(*) FROM marts.indicator_scores s JOIN marts.indicator_completion i ON i.indicator_id = s.item_id AND i.unit_code = s.unit_code
			 WHERE s.context = 'assessment' AND i.month = DATE '2017-09-01' AND s.over_target AND i.actual_cum < i.target`, 0},
		{"乳山市's rejected March report",
			`SELECT count(*) FROM staging.stg_report_receipts WHERE unit_code = '371083' AND month = DATE '2017-03-01' AND receipt = '被拒收' AND rejected_file LIKE '%2017-03-乳山市%'`, 1},
		{"乳山市's score not marked provisional",
			`SELECT count(*) FROM marts.unit_assessment WHERE unit_code = '371083' AND provisional AND missing_reports LIKE '%2017年3月被拒收%'`, 1},
		{"I04-4 scored on its own beside I04-3",
			`SELECT count(*) FROM marts.indicator_scores WHERE item_id = 'I04-4'`, 0},
		{"市本级's I16-1 target not 2 per department",
			`SELECT count(*) FROM staging.stg_targets WHERE indicator_id = 'I16-1' AND unit_code = '371000' AND target = 2 * 9`, 1},
	} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}

	// The pages say so: the stamp names the data's period, the unit's page
	// and the overview name the rejected report and what to do.
	page := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "site", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, name := range []string{"index.html", "unit-371083.html", "bulletin-1.html"} {
		if html := page(name); !strings.Contains(html, "数据截至 2017年9月") {
			t.Errorf("%s: stamp lacks 数据截至 2017年9月", name)
		}
	}
	if html := page("guide.html"); !strings.Contains(html, "<h2>口径说明</h2>") || !strings.Contains(html, "最大余数法") || !strings.Contains(html, "逾期完成的得分减半") {
		t.Error("the data guide does not state the rules (口径说明)")
	}
	for _, name := range []string{"index.html", "unit-371083.html"} {
		html := page(name)
		for _, want := range []string{"被拒收", "2017-03-乳山市.xlsx", "aliases"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s does not show the rejected report: lacks %q", name, want)
			}
		}
	}

	// The 调度通报 words the marts' own figures: the heaviest cumulative
	// target at the end of June, as the bulletin states it.
	head, err := w.Query(ctx, `SELECT c.indicator_name, k.measure, c.actual_cum, c.target, c.completion_rate, c.pace
		FROM marts.city_completion c JOIN staging.stg_catalog k USING (indicator_id)
		WHERE c.month = DATE '2017-06-01' AND k.kind = 'count' AND k.direction = '正向' AND k.target_city IS NOT NULL
		ORDER BY k.weight DESC, c.indicator_id LIMIT 1`, 0)
	if err != nil || len(head.Rows) != 1 {
		t.Fatalf("headline: %v", err)
	}
	r := head.Rows[0]
	rate, pace := r[4].(float64), r[5].(float64)
	diff := math.Round((rate-pace)*1000) / 10
	word := fmt.Sprintf("超序时进度%.1f个百分点", diff)
	if diff < 0 {
		word = fmt.Sprintf("低于序时进度%.1f个百分点", -diff)
	}
	sentence := fmt.Sprintf("截至6月底，全市%s%v%s，完成年度任务%v%s的%.1f%%，%s", r[0], r[2], r[1], r[3], r[1], math.Round(rate*1000)/10, word)
	bulletin := page("bulletin-2.html")
	if !strings.Contains(bulletin, sentence) {
		t.Errorf("the second quarter's bulletin does not state %q", sentence)
	}
	if !strings.Contains(bulletin, "乳山市3月月报须于2017年7月5日前补报") || !strings.Contains(bulletin, "下载 Word 文档") {
		t.Error("the bulletin lacks the rejected report or its Word download")
	}
	// In March the plan due in June is not yet due: named among next
	// quarter's tasks, never among a unit's lagging ones.
	q1 := page("bulletin-1.html")
	if strings.Contains(q1, "项（制定出台本地残疾人事业发展“十三五”规划") || !strings.Contains(q1, "下季度到期的节点性任务：制定出台本地残疾人事业发展“十三五”规划") {
		t.Error("the first quarter's bulletin treats a milestone due in June as behind")
	}

	// The same inputs give the same marts: a full refresh of the same data
	// rebuilds every mart row for row, lists and ranks in the same order.
	dump := func() map[string]string {
		out := map[string]string{}
		for _, m := range p.Models {
			if m.Schema != "marts" {
				continue
			}
			res, err := w.Query(ctx, "SELECT * FROM "+warehouse.QuoteTable(m.Schema, m.Name)+" ORDER BY ALL", 0)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, r := range res.Rows {
				for i, v := range r {
					if res.Columns[i] == "load_ids" {
						continue // a new load has new ids, by design
					}
					fmt.Fprintf(&b, "%v|", v)
				}
				b.WriteString("\n")
			}
			out[m.Name] = b.String()
		}
		return out
	}
	first := dump()
	w.Close()
	if _, err := run.Execute(ctx, run.Options{Project: p, Base: dir, Command: "test", FullRefresh: true}); err != nil {
		t.Fatalf("full refresh: %v", err)
	}
	if w, err = warehouse.Open(ctx, filepath.Join(dir, ".jixiao", "warehouse.duckdb"), warehouse.Options{}); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for name, rows := range dump() {
		if rows != first[name] {
			a, b := strings.Split(first[name], "\n"), strings.Split(rows, "\n")
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					t.Errorf("marts.%s differs between two builds of the same data, first at row %d:\n  %s\n  %s", name, i+1, a[i], b[i])
					break
				}
			}
		}
	}
}

// BenchmarkDefaultProject runs the embedded project on Weihai-sized demo
// data end to end into a fresh folder, then reruns it with no source
// changed; the rerun should cost a small fraction of the full run.
func BenchmarkDefaultProject(b *testing.B) {
	benchenv.RecordLoad(b)
	p := withDemo(b, 1)
	var full, rerun time.Duration
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		for pass := 0; pass < 2; pass++ {
			start := time.Now()
			if _, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "bench", SkipUnchanged: true}); err != nil {
				b.Fatal(err)
			}
			if pass == 0 {
				full += time.Since(start)
			} else {
				rerun += time.Since(start)
			}
		}
	}
	b.ReportMetric(rerun.Seconds()/float64(b.N), "s/rerun")
	benchenv.Ratio(b, "full_run", rerun, full)
}

// BenchmarkRenderSite renders every page of the default site once the marts
// exist, and splits the time between querying the warehouse and writing
// pages and downloads (both summed over the two page writers).
func BenchmarkRenderSite(b *testing.B) {
	benchenv.RecordLoad(b)
	p := withDemo(b, 1)
	dir := b.TempDir()
	s, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), s.Warehouse, warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	var pages int
	var query, write time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := render.Site(context.Background(), w, p, render.Options{OutDir: filepath.Join(dir, "site"), RunID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		pages, query, write = len(res.Pages), query+res.QueryTime, write+res.WriteTime
	}
	elapsed := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(elapsed, "s/site")
	b.ReportMetric(elapsed*1000/float64(pages), "ms/page")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(query.Seconds()/(query+write).Seconds(), "query_share")
}
