//go:build duckdb_arrow

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"jixiao/internal/require"
	"jixiao/pipeline/run"
)

// chromium finds a headless browser: JIXIAO_CHROMIUM, or Debian's chromium;
// without one the test skips (fails under JIXIAO_REQUIRE=chromium).
func chromium(t *testing.T) string {
	if p := os.Getenv("JIXIAO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	require.Service(t, require.Chromium, "no Chromium found: install Debian's chromium (.ci/run does) or set JIXIAO_CHROMIUM to test the dashboards in a browser")
	return ""
}

// chartCheck returns, for each chart on the page, why it is not drawn.
const chartCheck = `Array.from(document.querySelectorAll('[id^="chart_"]')).map(el => {
  const inst = window.echarts && echarts.getInstanceByDom(el);
  if (!inst) return el.id + ': no chart';
  const c = el.querySelector('canvas');
  if (!c || c.width === 0 || c.height === 0) return el.id + ': no canvas';
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4 * 13) { if (d[i] > 0) return ''; }
  return el.id + ': empty canvas';
}).filter(x => x)`

// TestSiteInBrowser opens every page of the default project's site in
// headless Chromium with the network off, and fails on a console error, a
// request for anything outside the site, or a chart that draws nothing.
// With JIXIAO_SCREENSHOTS=dir it also writes a PNG of each page there.
// plantedPage is the broken page TestSiteInBrowser adds to prove its
// checks catch what they look for; make screenshots leaves it out.
const plantedPage = "zz-planted.html"

func TestSiteInBrowser(t *testing.T) {
	browser := chromium(t)
	p := withDemo(t, 0.05)
	dir := t.TempDir()
	if _, err := run.Execute(context.Background(), run.Options{Project: p, Base: dir, Command: "test"}); err != nil {
		t.Fatalf("run: %v", err)
	}
	site := filepath.Join(dir, "site")
	pages, _ := filepath.Glob(filepath.Join(site, "*.html"))
	sort.Strings(pages)
	if len(pages) < 10 {
		t.Fatalf("only %d pages", len(pages))
	}
	shots := os.Getenv("JIXIAO_SCREENSHOTS")
	if shots != "" {
		os.MkdirAll(shots, 0o755)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("allow-file-access-from-files", true),
		// Nothing resolves: a page that reached for the network would fail
		// (and be reported by the request check below).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	siteURL := "file://" + filepath.ToSlash(site) + "/"
	// One tab visits every page in turn; its events are collected per page.
	tab, cancelTab := chromedp.NewContext(bctx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	chromedp.Listen(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if !strings.HasPrefix(e.Request.URL, siteURL) && !strings.HasPrefix(e.Request.URL, "data:") {
				problems = append(problems, "request outside the site: "+e.Request.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, "console error: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	})
	check := func(name string) []string {
		mu.Lock()
		problems = nil
		mu.Unlock()
		ctx, cancel := context.WithTimeout(tab, 60*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(siteURL+name), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
			return []string{"open: " + err.Error()}
		}
		broken, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](chartCheck))
		if err != nil {
			return []string{"check the charts: " + err.Error()}
		}
		// The planted page below tests the checks; it is no page of the site.
		if shots != "" && name != plantedPage {
			if img, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil {
				os.WriteFile(filepath.Join(shots, strings.TrimSuffix(name, ".html")+".jpg"), img, 0o644)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return append(broken, problems...)
	}
	for _, page := range pages {
		name := filepath.Base(page)
		for _, p := range check(name) {
			t.Errorf("%s: %s", name, p)
		}
	}

	// The checks themselves must catch what they look for: a page that loads
	// a script from a CDN, logs an error and has an empty chart.
	bad := `<!DOCTYPE html><html><head><script src="assets/echarts.min.js"></script>
<script src="https://cdn.example.com/x.js"></script></head><body>
<div id="chart_bad" style="width:300px;height:200px"></div>
<script>console.error("boom"); echarts.init(document.getElementById("chart_bad")).setOption({series: []});</script>
<footer>x</footer></body></html>`
	os.WriteFile(filepath.Join(site, plantedPage), []byte(bad), 0o644)
	found := strings.Join(check(plantedPage), "\n")
	for _, want := range []string{"request outside the site: https://cdn.example.com/x.js", "console error: \"boom\"", "chart_bad: "} {
		if !strings.Contains(found, want) {
			t.Errorf("the browser checks missed %q; they found:\n%s", want, found)
		}
	}
	os.Remove(filepath.Join(site, plantedPage))
	if _, err := os.Stat(filepath.Join(shots, strings.TrimSuffix(plantedPage, ".html")+".jpg")); shots != "" && err == nil {
		t.Errorf("make screenshots took a picture of the planted test page")
	}

	// Drill-down from file://: clicking the first bar of the overview's
	// ranking opens that unit's page.
	if err := chromedp.Do(tab, chromedp.Navigate(siteURL+"index.html"), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	bar, err := chromedp.Run(tab, chromedp.Evaluate[[]any](`(() => {
  const sec = [...document.querySelectorAll('section.panel')].find(s => s.querySelector('h2').textContent === '单位综合考核排名');
  const el = sec.querySelector('[id^="chart_"]');
  el.scrollIntoView({block: 'center'});
  const c = echarts.getInstanceByDom(el), opt = c.getOption();
  const d = opt.series[0].data[0], v = (d && d.value !== undefined) ? d.value : d;
  const [x, y] = c.convertToPixel({seriesIndex: 0}, [0, v / 2]);
  const r = el.getBoundingClientRect();
  return [r.left + x, r.top + y, opt.xAxis[0].data[0]];
})()`))
	if err != nil || len(bar) != 3 {
		t.Fatalf("find the ranking's first bar: %v %v", err, bar)
	}
	if err := chromedp.Do(tab, chromedp.MouseClickXY(bar[0].(float64), bar[1].(float64)), chromedp.WaitReady(chromedp.CSS("footer")),
		chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("click the bar: %v", err)
	}
	landed, _ := chromedp.Run(tab, chromedp.Location())
	heading, _ := chromedp.Run(tab, chromedp.Text("h1"))
	if !strings.Contains(landed, "/unit-") || !strings.Contains(heading, bar[2].(string)) {
		t.Errorf("clicking %v's bar led to %s (%q), not its unit page", bar[2], landed, heading)
	}

	// A panel's download link saves its rows: click the overview's first
	// CSV link and compare the saved file with what the link carries.
	saved := t.TempDir()
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: saved}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Navigate(siteURL+"index.html"), chromedp.WaitReady(chromedp.CSS("footer")),
		chromedp.Click(chromedp.CSS(`a[download$=".csv"]`))); err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(site, "index.html"))
	links := inlineDownloads(string(index))
	first := regexp.MustCompile(`download="([^"]+\.csv)"`).FindStringSubmatch(string(index))
	if first == nil || links[html.UnescapeString(first[1])] == nil {
		t.Fatalf("no inline CSV download on index.html")
	}
	name := html.UnescapeString(first[1])
	var got []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got, _ = os.ReadFile(filepath.Join(saved, name)); len(got) > 0 {
			break
		}
	}
	if !bytes.Equal(got, links[name]) {
		entries, _ := os.ReadDir(saved)
		t.Errorf("clicking 下载 CSV saved %d bytes as %q (folder holds %v); the link carries %d", len(got), name, entries, len(links[name]))
	}

	// No ID number, certificate number or phone number anywhere on the site,
	// downloads inside the pages included.
	idLike := regexp.MustCompile(`\d{17}[\dX]|\b1[3-9]\d{9}\b`)
	files, _ := filepath.Glob(filepath.Join(site, "*.html"))
	more, _ := filepath.Glob(filepath.Join(site, "data", "*.csv"))
	for _, f := range append(files, more...) {
		data, _ := os.ReadFile(f)
		if m := idLike.Find(data); m != nil {
			t.Errorf("%s holds personal data: %s", filepath.Base(f), m)
		}
		for dl, b := range inlineDownloads(string(data)) {
			if m := idLike.Find(unzipped(t, b)); m != nil {
				t.Errorf("%s: download %s holds personal data: %s", filepath.Base(f), dl, m)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "checked %d pages in Chromium\n", len(pages))
}

// inlineDownloads decodes a page's data: download links by the names they
// are saved under.
func inlineDownloads(page string) map[string][]byte {
	out := map[string][]byte{}
	for _, m := range regexp.MustCompile(`href="data:[^"]*;base64,([^"]+)" download="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if b, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1])); err == nil {
			out[html.UnescapeString(m[2])] = b
		}
	}
	return out
}

// unzipped is a workbook's parts one after another, or b itself when it is
// not a zip archive (a CSV).
func unzipped(t *testing.T, b []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return b
	}
	var all []byte
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(r)
		r.Close()
		all = append(all, part...)
	}
	return all
}
