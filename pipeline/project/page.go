package project

import (
	"io/fs"
	"regexp"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Page is one file of dashboards/: a page of panels. With Each set, the
// page is repeated once per row of that model (one page per unit, say).
type Page struct {
	Slug        string  `yaml:"slug"`
	Title       string  `yaml:"title"`
	Description string  `yaml:"description"`
	Order       int     `yaml:"order"`
	Panels      []Panel `yaml:"panels"`

	File string   `yaml:"-"`
	Pos  diag.Pos `yaml:"-"`
}

// Panel is one chart or table on a page.
type Panel struct {
	Title  string   `yaml:"title"`
	Model  string   `yaml:"model"`
	SQL    string   `yaml:"sql"`
	Chart  string   `yaml:"chart"`
	X      string   `yaml:"x"`
	Y      []string `yaml:"y"`
	Series string   `yaml:"series"`
	Format string   `yaml:"format"`
	Note   string   `yaml:"note"`
	// Labels names fields for legends and table headers where the model's
	// own column documentation does not (SQL panels, say).
	Labels map[string]string `yaml:"labels"`

	Pos diag.Pos `yaml:"-"`
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func loadPage(fsys fs.FS, file string, diags *diag.List) *Page {
	node := readMapping(fsys, file, "page", diags)
	if node == nil {
		return nil
	}
	pg := &Page{File: file, Pos: yamlx.At(file, node)}
	if !yamlx.Decode(file, node, pg, diags) {
		return nil
	}
	if pg.Slug == "" {
		pg.Slug = baseName(file)
	}
	if !slugRe.MatchString(pg.Slug) {
		diags.Errorf(pg.Pos, "slug %q: use lower-case letters, digits, - and _", pg.Slug)
	}
	if pg.Title == "" {
		diags.Errorf(pg.Pos, "title is required")
	}
	panels := yamlx.MappingValue(node, "panels")
	if len(pg.Panels) == 0 {
		diags.Errorf(pg.Pos, "panels is required: a page shows at least one panel")
	}
	for i := range pg.Panels {
		p := &pg.Panels[i]
		p.Pos = pg.Pos
		if panels != nil && i < len(panels.Content) {
			p.Pos = yamlx.At(file, panels.Content[i])
		}
		if (p.Model == "") == (p.SQL == "") {
			diags.Errorf(p.Pos, "panel %q: give either model or sql", p.Title)
		}
	}
	return pg
}

func checkPageSlugs(pages []*Page, diags *diag.List) {
	seen := map[string]*Page{}
	for _, p := range pages {
		if prev, ok := seen[p.Slug]; ok {
			diags.Errorf(p.Pos, "page slug %q is used by %s too", p.Slug, prev.File)
		}
		seen[p.Slug] = p
	}
}
