// Package render writes the dashboards declared in dashboards/ as a static
// HTML site: go-echarts charts inside jixiao's own page template, every
// panel's data as a table and a CSV download, ECharts served from the site's
// own assets folder so the pages work with no network.
package render

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
	"jixiao/pipeline/workbook"
)

// Options control a render.
type Options struct {
	// OutDir is the site folder; it is replaced whole when the render succeeds.
	OutDir string
	RunID  string
	// DataAsOf is when the newest data was loaded (最近入库).
	DataAsOf time.Time
	// Period is the period the data covers, for the 数据截至 stamp
	// (2017年9月); empty when the project names no data_period.
	Period   time.Time
	Location *time.Location
	// Generated is the time the pages say they were written (生成于, in the
	// page and in its Word copy); zero is now. Two renders given the same
	// one write the same files.
	Generated time.Time
	// PanelRows caps the rows a panel reads.
	PanelRows int
	Kinds     *Kinds
	// Stale are the stamp's warnings on every page: sources older than their
	// declared freshness, sources whose latest load failed.
	Stale []string
	// Unbatched runs every panel's query on its own page, as renders did
	// before panels of repeated pages were read in batches: slower, the
	// same site (the tests compare the two).
	Unbatched bool
	// stmts prepares each panel query once per render; batches holds the
	// rows of repeated pages' panels, queried for all their pages at once.
	stmts   *warehouse.StmtCache
	batches *panelBatches
	// deflaters lends the pages' workbooks their deflate writers.
	deflaters *workbook.Deflaters
	// Guide supplies the data guide page (models, tests, sources); nil
	// leaves data_guide pages with what the warehouse alone tells.
	Guide *GuideInputs
	// TestsDone, when set, is waited for once every page that does not
	// show the data tests' results is written: a run writes those pages
	// while its tests run. An error from it leaves the previous site as it
	// is, and Site returns that error; nil goes on to the pages that show
	// them (the data guide, and any page whose SQL reads the run history)
	// and publishes the site.
	TestsDone func() error
}

// Result says what a render wrote.
type Result struct {
	Pages []string
	// QueryTime and WriteTime split the render's time between reading the
	// warehouse and writing HTML.
	QueryTime time.Duration
	WriteTime time.Duration
	// BatchedPanels counts the panels of repeated pages whose rows were
	// read in a batch with the other pages' (see QueryEach).
	BatchedPanels int
}

// Validate checks every page's panels against the project: known chart
// kind, known model, and the kind's field settings. It needs no warehouse.
func Validate(p *project.Project, kinds *Kinds, diags *diag.List) {
	if kinds == nil {
		kinds = DefaultKinds()
	}
	for _, pg := range p.Pages {
		for _, pn := range pg.Panels {
			k := kinds.Kind(pn.Chart)
			if k == nil {
				diags.Errorf(pn.Pos, "panel %q: unknown chart %q (known charts: %s)", pn.Title, pn.Chart, strings.Join(kinds.Names(), ", "))
				continue
			}
			if pn.Model != "" {
				if _, err := modelOf(p, pn.Model); err != nil {
					diags.Errorf(pn.Pos, "panel %q: %v", pn.Title, err)
				}
			}
			if err := k.Fields(pn); err != nil {
				diags.Errorf(pn.Pos, "panel %q: %v", pn.Title, err)
			}
		}
	}
	validateFormPages(p, diags)
}

func modelOf(p *project.Project, ref string) (*project.Model, error) {
	schema, name, ok := strings.Cut(strings.ToLower(ref), ".")
	if !ok {
		return nil, fmt.Errorf("model %q must be written schema.name (for example marts.%s)", ref, ref)
	}
	m := p.ModelByTable(schema, name)
	if m == nil {
		return nil, fmt.Errorf("unknown model %q: no file transforms/%s/%s.sql", ref, schema, name)
	}
	return m, nil
}

// Site renders every page into a fresh folder and swaps it in for OutDir,
// so that a failed render leaves the previous site whole.
func Site(ctx context.Context, w *warehouse.Warehouse, p *project.Project, o Options) (*Result, error) {
	if o.Kinds == nil {
		o.Kinds = DefaultKinds()
	}
	if o.PanelRows <= 0 {
		o.PanelRows = 5000
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Generated.IsZero() {
		o.Generated = time.Now()
	}
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	var diags diag.List
	Validate(p, o.Kinds, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	tmp, err := newSiteDir(o.OutDir)
	if err != nil {
		return nil, err
	}
	keepTmp := false
	defer func() {
		if !keepTmp {
			os.RemoveAll(tmp)
		}
	}()
	if err := copyFS(assets, filepath.Join(tmp, "assets")); err != nil {
		return nil, fmt.Errorf("copy assets: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "data"), 0o755); err != nil {
		return nil, err
	}

	o.stmts = w.NewStmtCache()
	defer o.stmts.Close()
	o.deflaters = &workbook.Deflaters{}
	pages, nav, err := expandPages(ctx, w, p)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	start := time.Now()
	if !o.Unbatched {
		o.batches = queryPanelBatches(ctx, w, p, pages, o.PanelRows+1)
		res.BatchedPanels = len(o.batches.rows)
	}
	res.QueryTime += time.Since(start)
	// Pages are independent: two are written at a time. Those that show
	// the data tests' results wait for the tests.
	errs := make([]error, len(pages))
	times := make([]Result, len(pages))
	var first, last []int
	for i, in := range pages {
		if o.TestsDone != nil && showsTests(in.decl) {
			last = append(last, i)
		} else {
			first = append(first, i)
		}
	}
	writePages(ctx, first, func(i int) { errs[i] = writePage(ctx, w, p, pages[i], nav, o, tmp, &times[i]) })
	if o.TestsDone != nil {
		if err := o.TestsDone(); err != nil {
			return nil, err
		}
	}
	writePages(ctx, last, func(i int) { errs[i] = writePage(ctx, w, p, pages[i], nav, o, tmp, &times[i]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, in := range pages {
		if errs[i] != nil {
			return nil, errs[i]
		}
		res.Pages = append(res.Pages, in.file)
		res.QueryTime += times[i].QueryTime
		res.WriteTime += times[i].WriteTime
	}
	if err := swapSite(tmp, o.OutDir, o.RunID); err != nil {
		return nil, err
	}
	keepTmp = true
	return res, nil
}

// runHistory matches SQL that reads what a run's data tests write (their
// results, the run's steps and the run itself).
var runHistory = regexp.MustCompile(`(?i)\bmeta"?\s*\.\s*"?(test_results|run_steps|runs)\b`)

// showsTests reports whether a page shows the data tests' results: the
// data guide, or a page whose SQL reads the run history.
func showsTests(pg *project.Page) bool {
	if pg.Kind == project.PageDataGuide || (pg.Each != nil && runHistory.MatchString(pg.Each.SQL)) {
		return true
	}
	for _, pn := range pg.Panels {
		if runHistory.MatchString(pn.SQL) {
			return true
		}
	}
	return false
}

// writePages calls write for each of the indexes, two at a time, and
// returns once every call has.
func writePages(ctx context.Context, indexes []int, write func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				write(i)
			}
		}()
	}
	for _, i := range indexes {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}

type navItem struct {
	Title  string
	Href   string
	Active bool
}

type panelView struct {
	Title   string
	Note    string
	Element template.HTML
	Script  template.HTML
	Columns []string
	Rows    []rowView
	More    int
	// CSV and XLSX are the downloads' links, CSVName and XLSXName the
	// names they are saved under.
	CSV      template.URL
	XLSX     template.URL
	CSVName  string
	XLSXName string
	// Open shows the table without a click (table panels).
	Open bool
	// data and labels are the panel's rows, for the page's Word document.
	data   *warehouse.Result
	labels map[string]string
}

type rowView struct {
	Class string
	Cells []cellView
	// Href is the page the row leads to (the panel's link): its first cell links there.
	Href template.URL
}

// cellView is a table cell; Long text may wrap, short values stay on a line.
type cellView struct {
	Text string
	Long bool
}

// longCellRunes is the length from which a cell's text wraps.
const longCellRunes = 16

type pageView struct {
	Title       string
	Description string
	ProjectName string
	Nav         []navItem
	Siblings    []navItem
	Panels      []panelView
	Guide       *guideView
	// Form is a fund form page's forms; Related links a page to the forms
	// repeated over the same key (a fund's page to its forms).
	Form    template.HTML
	Related []navItem
	Rules   []project.Rule
	// Workbook is the page's Excel download: every panel, a sheet each.
	Workbook string
	// Document is a printable page's Word download (the 调度通报 to edit and send).
	Document     template.URL
	DocumentName string
	Print        bool
	Stale        []string
	AsOf         string
	Period       string
	RunID        string
	Generated    string
}

//go:embed page.html.tmpl
var pageTemplateText string

var pageTemplate = template.Must(template.New("page").Parse(pageTemplateText))

func writePage(ctx context.Context, w *warehouse.Warehouse, p *project.Project, in instance, nav []navItem, o Options, dir string, res *Result) error {
	pg := in.decl
	view := pageView{
		Title: in.fill(pg.Title), Description: in.fill(pg.Description), ProjectName: p.Config.Name, RunID: o.RunID,
		Generated: FormatDateTime(o.Generated.In(o.Location)), Print: pg.Print, Stale: o.Stale,
	}
	if !o.DataAsOf.IsZero() {
		view.AsOf = FormatDateTime(o.DataAsOf.In(o.Location))
	}
	if !o.Period.IsZero() {
		view.Period = FormatPeriod(o.Period)
	}
	for _, n := range nav {
		n.Active = n.Href == in.file || (len(in.siblings) > 0 && n.Href == in.siblings[0].Href)
		view.Nav = append(view.Nav, n)
	}
	for _, sib := range in.siblings {
		sib.Active = sib.Href == in.file
		view.Siblings = append(view.Siblings, sib)
	}
	view.Rules = pg.Rules
	view.Related = in.related
	if isFormKind(pg.Kind) {
		if err := writeFormPage(ctx, w, in, &view, dir, res, o.deflaters); err != nil {
			return fmt.Errorf("%s: %w", pg.File, err)
		}
	}
	if pg.Kind == project.PageDataGuide {
		start := time.Now()
		g, err := buildGuide(ctx, w, p, o.Guide, o.Location)
		res.QueryTime += time.Since(start)
		if err != nil {
			return fmt.Errorf("%s: data guide: %w", pg.File, err)
		}
		view.Guide = g
	}
	base := strings.TrimSuffix(in.file, ".html")
	book := &pageBook{}
	pr := pageRenderer{p: p, o: o, dir: dir, in: in, title: view.Title, res: res, book: book}
	for i, pn := range pg.Panels {
		pv, err := pr.panel(ctx, pn, fmt.Sprintf("%s-%d", base, i+1))
		if err != nil {
			return err
		}
		view.Panels = append(view.Panels, pv)
	}
	start := time.Now()
	if len(book.sheets) > 1 {
		view.Workbook = "data/" + base + ".xlsx"
		if err := book.save(filepath.Join(dir, filepath.FromSlash(view.Workbook)), false, o.deflaters); err != nil {
			return err
		}
	}
	if pg.Print {
		if err := writePageDocument(&view, pg.Panels, dir, base); err != nil {
			return fmt.Errorf("%s: Word document: %w", pg.File, err)
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		return fmt.Errorf("render page %s: %w", pg.File, err)
	}
	if err := os.WriteFile(filepath.Join(dir, in.file), buf.Bytes(), 0o644); err != nil {
		return err
	}
	res.WriteTime += time.Since(start)
	return nil
}

// pageRenderer is what the panels of one page share as they are drawn.
type pageRenderer struct {
	p *project.Project
	o Options
	// dir is the site folder being written.
	dir string
	// in is the page (one of a repeated page's instances), title its
	// filled-in title, which the downloads' names start with.
	in    instance
	title string
	// res adds up the page's query and write times; book collects the
	// panels' rows for the page's workbook.
	res  *Result
	book *pageBook
}

// panel queries one panel's rows and draws it, with its table and
// downloads named name.csv and name.xlsx.
func (r *pageRenderer) panel(ctx context.Context, pn project.Panel, name string) (panelView, error) {
	start := time.Now()
	query, args, labels, err := panelQuery(r.p, r.in, pn)
	if err != nil {
		return panelView{}, err
	}
	data := r.o.batches.take(query, args)
	if data == nil {
		data, err = r.o.stmts.Query(ctx, query, r.o.PanelRows+1, args...)
	}
	r.res.QueryTime += time.Since(start)
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: query: %s", pn.Pos, pn.Title, warehouse.FirstLine(err))
	}
	capNote := capRows(data, r.o.PanelRows)
	start = time.Now()
	defer func() { r.res.WriteTime += time.Since(start) }()
	for k, v := range pn.Labels {
		labels[k] = v // the panel's own labels win over the model's
	}
	pn.Labels = labels
	if err := sortRows(pn, data); err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
	}
	chartID := "chart_" + strings.NewReplacer("-", "_", ".", "_").Replace(name)
	el, script, err := r.o.Kinds.Kind(pn.Chart).Draw(pn, data, chartID)
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
	}
	title := r.in.fill(pn.Title)
	pv := panelView{Title: title, Note: withNote(r.in.fill(pn.Note), capNote), Element: el, Script: script, Open: pn.Chart == "table", data: data, labels: labels,
		CSVName: downloadName(r.title, title, ".csv"), XLSXName: downloadName(r.title, title, ".xlsx")}
	tf, err := newTableFormat(pn, data, labels)
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
	}
	csvData, err := tf.csv(data)
	if err == nil {
		csvData, err = appendCSVNote(csvData, capNote)
	}
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: CSV: %w", pn.Pos, pn.Title, err)
	}
	if pv.CSV, err = download(r.dir, name+".csv", "text/csv;charset=utf-8", csvData); err != nil {
		return panelView{}, err
	}
	var xlsxData bytes.Buffer
	pb := panelBook(title, data, tf)
	pb.sheets[0].note = capNote
	if err := pb.write(&xlsxData, true, nil); err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: Excel: %w", pn.Pos, pn.Title, err)
	}
	if pv.XLSX, err = download(r.dir, name+".xlsx", xlsxMIME, xlsxData.Bytes()); err != nil {
		return panelView{}, err
	}
	r.book.add(title, data, tf)
	r.book.sheets[len(r.book.sheets)-1].note = capNote
	pv.Columns, pv.Rows, pv.More = tf.table(data)
	links, err := rowLinks(pn, data)
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
	}
	for r := range pv.Rows {
		if r < len(links) && links[r] != "" {
			pv.Rows[r].Href = template.URL(links[r])
		}
	}
	clicks, err := linkScript(pn, data, links, chartID)
	if err != nil {
		return panelView{}, fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
	}
	pv.Script += clicks
	return pv, nil
}

// formatFor picks a column's number format: the panel's, for its value
// fields; rates and money by their names elsewhere.
func formatFor(pn project.Panel, col string) string {
	for _, y := range append(append([]string(nil), pn.Y...), pn.Value, pn.Delta) {
		if y == col && pn.Format != "" {
			return pn.Format
		}
	}
	switch {
	case strings.HasSuffix(col, "_rate") || col == "pace" || col == "rate" || col == "completion",
		strings.HasSuffix(col, "率") || strings.HasSuffix(col, "进度"):
		return "percent"
	case strings.HasSuffix(col, "_wan"):
		return "wanyuan_wan"
	}
	return ""
}

// statusClass colours a row by its status: 完成 and 优 green, 良 blue,
// 正常 and 中 amber, 滞后, 超限 and 差 red, 未到期 grey (not yet judged); the
// charts use the same colours (statusColors).
func statusClass(s string) string {
	switch s {
	case "完成", "优", "超序时":
		return "done"
	case "良":
		return "good"
	case "正常", "中", "基本持平":
		return "onpace"
	case "滞后", "超限", "差", "落后序时":
		return "behind"
	case "未到期":
		return "pending"
	}
	return ""
}

// WriteCSV writes rows as CSV for Excel: UTF-8 with a BOM so that Excel
// shows Chinese correctly, headers in Chinese where labels give them (money
// with its unit), values as the pages format them (74.04%, 1381.82,
// 2017年9月) so that Excel reads them back as numbers and dates.
func WriteCSV(path string, data *warehouse.Result, labels map[string]string) error {
	b, err := exportFormat(data, labels).csv(data)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// inlineDownloadBytes is the size up to which a panel's download travels
// inside its page as a data: link rather than as a file beside it: a site
// of a few hundred small files is slow to write, copy to a USB stick or
// open from a shared drive, and most panels hold a few dozen rows.
const inlineDownloadBytes = 64 << 10

const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// download makes b available to the page: a data: link when small, else
// the file data/name in the site.
func download(dir, name, mime string, b []byte) (template.URL, error) {
	if len(b) <= inlineDownloadBytes {
		return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)), nil
	}
	rel := "data/" + name
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), b, 0o644); err != nil {
		return "", err
	}
	return template.URL(rel), nil
}

// downloadName is the file name a download is saved under: the page's and
// the panel's titles, without the characters file systems refuse.
func downloadName(page, panel, ext string) string {
	name := page + " - " + panel
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '_'
		}
		return r
	}, name)
	return name + ext
}

// FormatNumberPlain writes a number without separators, for CSV.
func FormatNumberPlain(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

func copyFS(src fs.FS, dst string) error {
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(p, ".md") {
			return nil
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
