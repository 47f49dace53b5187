// Package render writes the dashboards declared in dashboards/ as a static
// HTML site: go-echarts charts inside jixiao's own page template, every
// panel's data as a table and a CSV download, ECharts served from the site's
// own assets folder so the pages work with no network.
package render

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/render"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Options control a render.
type Options struct {
	// OutDir is the site folder; it is replaced whole when the render succeeds.
	OutDir string
	RunID  string
	// DataAsOf is when the newest data was loaded, for the 数据截至 stamp.
	DataAsOf time.Time
	Location *time.Location
	// PanelRows caps the rows a panel reads.
	PanelRows int
	Kinds     *Kinds
}

// Result says what a render wrote.
type Result struct {
	Pages []string
	// QueryTime and WriteTime split the render's time between reading the
	// warehouse and writing HTML.
	QueryTime time.Duration
	WriteTime time.Duration
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
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	var diags diag.List
	Validate(p, o.Kinds, &diags)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(o.OutDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(o.OutDir)+".new-")
	if err != nil {
		return nil, fmt.Errorf("create temporary site folder: %w", err)
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

	pages := append([]*project.Page(nil), p.Pages...)
	sort.SliceStable(pages, func(i, j int) bool {
		if pages[i].Order != pages[j].Order {
			return pages[i].Order < pages[j].Order
		}
		return pages[i].Slug < pages[j].Slug
	})
	nav := make([]navItem, len(pages))
	for i, pg := range pages {
		nav[i] = navItem{Title: pg.Title, Href: pageFile(pg, i)}
	}
	res := &Result{}
	for i, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		file := pageFile(pg, i)
		if err := writePage(ctx, w, p, pg, file, nav, o, tmp, res); err != nil {
			return nil, err
		}
		res.Pages = append(res.Pages, file)
	}
	if err := swapDir(tmp, o.OutDir); err != nil {
		return nil, err
	}
	keepTmp = true
	return res, nil
}

// pageFile is index.html for the first page, else the slug.
func pageFile(pg *project.Page, i int) string {
	if i == 0 || pg.Slug == "index" {
		return "index.html"
	}
	return pg.Slug + ".html"
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
	Rows    [][]string
	More    int
	CSV     string
}

type pageView struct {
	Title       string
	Description string
	ProjectName string
	Nav         []navItem
	Panels      []panelView
	AsOf        string
	RunID       string
	Generated   string
}

//go:embed page.html.tmpl
var pageTemplateText string

var pageTemplate = template.Must(template.New("page").Parse(pageTemplateText))

func writePage(ctx context.Context, w *warehouse.Warehouse, p *project.Project, pg *project.Page, file string, nav []navItem, o Options, dir string, res *Result) error {
	view := pageView{
		Title: pg.Title, Description: pg.Description, ProjectName: p.Config.Name, RunID: o.RunID,
		Generated: FormatDateTime(time.Now().In(o.Location)),
	}
	if !o.DataAsOf.IsZero() {
		view.AsOf = FormatDateTime(o.DataAsOf.In(o.Location))
	}
	for _, n := range nav {
		n.Active = n.Href == file
		view.Nav = append(view.Nav, n)
	}
	for i, pn := range pg.Panels {
		start := time.Now()
		query := pn.SQL
		labels := map[string]string{}
		if pn.Model != "" {
			m, err := modelOf(p, pn.Model)
			if err != nil {
				return fmt.Errorf("%s: %w", pn.Pos, err)
			}
			query = "SELECT * FROM " + warehouse.QuoteTable(m.Schema, m.Name)
			for _, c := range m.Header.Columns {
				labels[c.Name] = c.Label
			}
		}
		data, err := w.Query(ctx, query, o.PanelRows)
		res.QueryTime += time.Since(start)
		if err != nil {
			return fmt.Errorf("%s: panel %q: query: %s", pn.Pos, pn.Title, warehouse.FirstLine(err))
		}
		start = time.Now()
		for k, v := range pn.Labels {
			labels[k] = v // the panel's own labels win over the model's
		}
		pn.Labels = labels
		chartID := fmt.Sprintf("chart_%s_%d", strings.ReplaceAll(pg.Slug, "-", "_"), i+1)
		el, script, err := o.Kinds.Kind(pn.Chart).Draw(pn, data, chartID)
		if err != nil {
			return fmt.Errorf("%s: panel %q: %w", pn.Pos, pn.Title, err)
		}
		csvName := fmt.Sprintf("data/%s-%d.csv", pg.Slug, i+1)
		if err := writeCSV(filepath.Join(dir, filepath.FromSlash(csvName)), data, labels); err != nil {
			return err
		}
		pv := panelView{Title: pn.Title, Note: pn.Note, Element: el, Script: script, CSV: csvName}
		for _, c := range data.Columns {
			pv.Columns = append(pv.Columns, seriesLabel(labels, c))
		}
		const shown = 200
		for r, row := range data.Rows {
			if r >= shown {
				pv.More = len(data.Rows) - shown
				break
			}
			cells := make([]string, len(row))
			for j, v := range row {
				cells[j] = FormatCell(v, pn.Format)
			}
			pv.Rows = append(pv.Rows, cells)
		}
		view.Panels = append(view.Panels, pv)
		res.WriteTime += time.Since(start)
	}
	start := time.Now()
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, view); err != nil {
		return fmt.Errorf("render page %s: %w", pg.File, err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		return err
	}
	res.WriteTime += time.Since(start)
	return nil
}

// writeCSV writes a panel's rows for Excel: UTF-8 with a BOM so that Excel
// shows Chinese correctly, headers in Chinese where the model documents them.
func writeCSV(path string, data *warehouse.Result, labels map[string]string) error {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	header := make([]string, len(data.Columns))
	for i, c := range data.Columns {
		header[i] = seriesLabel(labels, c)
	}
	cw.Write(header)
	for _, row := range data.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			if v == nil {
				continue
			}
			switch t := v.(type) {
			case time.Time:
				cells[j] = t.Format("2006-01-02")
			default:
				if f, ok := toFloat(v); ok {
					cells[j] = FormatNumberPlain(f)
				} else {
					cells[j] = fmt.Sprint(v)
				}
			}
		}
		cw.Write(cells)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// FormatNumberPlain writes a number without separators, for CSV.
func FormatNumberPlain(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", f), "0"), ".")
}

// snippet renders a go-echarts chart into its element and script. go-echarts
// panics on a template error: report it as an error instead.
func snippet(c interface{ RenderSnippet() render.ChartSnippet }) (el, script template.HTML, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("draw chart: %v", r)
		}
	}()
	s := c.RenderSnippet()
	return template.HTML(s.Element), template.HTML(s.Script), nil
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

// swapDir puts the new site in place of the old one with two renames, so the
// site folder is at every moment either the old site or the new one.
func swapDir(newDir, outDir string) error {
	var suffix [4]byte
	rand.Read(suffix[:])
	old := filepath.Join(filepath.Dir(outDir), "."+filepath.Base(outDir)+".old-"+hex.EncodeToString(suffix[:]))
	hadOld := false
	if _, err := os.Stat(outDir); err == nil {
		if err := os.Rename(outDir, old); err != nil {
			return fmt.Errorf("move the previous site aside: %w", err)
		}
		hadOld = true
	}
	if err := os.Rename(newDir, outDir); err != nil {
		if hadOld {
			os.Rename(old, outDir)
		}
		return fmt.Errorf("put the new site in place: %w", err)
	}
	if hadOld {
		os.RemoveAll(old)
	}
	return nil
}
