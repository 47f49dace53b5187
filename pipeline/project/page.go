package project

import (
	"io/fs"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Page is one file of dashboards/: a page of panels. With Each set, the
// page is repeated once per row of a model (one page per unit, say); its
// title, description, panel titles and SQL may then use {key} and {title}.
type Page struct {
	Slug        string    `yaml:"slug"`
	Title       string    `yaml:"title"`
	Description string    `yaml:"description"`
	Order       int       `yaml:"order"`
	Kind        string    `yaml:"kind"`
	Each        *PageEach `yaml:"each"`
	Print       bool      `yaml:"print"`
	Panels      []Panel   `yaml:"panels"`
	// Rules state, in the office's words, how the project judges and scores
	// its figures (口径说明): any page shows them, the data guide first.
	Rules []Rule `yaml:"rules"`

	File string   `yaml:"-"`
	Pos  diag.Pos `yaml:"-"`
}

// PageEach repeats a page over the rows of a model or query: Key names the
// column that tells the pages apart (unit_code), Title the one they are
// called by (unit_name).
type PageEach struct {
	Model string `yaml:"model"`
	SQL   string `yaml:"sql"`
	Key   string `yaml:"key"`
	Title string `yaml:"title"`

	// At places each setting (see Panel.At).
	At map[string]diag.Pos `yaml:"-"`
}

// Rule is one entry of a page's 口径说明: what kind of figure it is about,
// how its status and score are computed, and one worked example.
type Rule struct {
	Title   string `yaml:"title"`
	Status  string `yaml:"status"`
	Score   string `yaml:"score"`
	Example string `yaml:"example"`
}

// Page kinds: panels (the default) or the engine's own data guide.
const (
	PagePanels    = "panels"
	PageDataGuide = "data_guide"
	// A special fund's finance forms, repeated per fund (each over the
	// funds) and linked from its page: 绩效目标表, 运行监控表, 自评表.
	PageFundTargets  = "fund_targets"
	PageFundMonitor  = "fund_monitor"
	PageFundSelfEval = "fund_self_eval"
)

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
	// Order sorts the panel's rows: columns separated by commas, each
	// optionally followed by desc ("month", "total desc, unit_name").
	// Without it a model panel keeps the table's order, except that a
	// chart whose x holds dates is drawn in date order.
	Order string `yaml:"order"`
	// Filter, on a repeated page, keeps the model's rows whose column of this
	// name equals the page's key.
	Filter string `yaml:"filter"`
	// Stack stacks the series of a bar chart.
	Stack bool `yaml:"stack"`
	// Value is the field of a gauge or big number; Delta the one it is
	// compared with (a big number shows the difference).
	Value string `yaml:"value"`
	Delta string `yaml:"delta"`
	// Max is the field holding each radar dimension's full score.
	Max string `yaml:"max"`
	// Status names a column of 完成/正常/滞后 that colours the table's rows.
	Status string `yaml:"status"`
	// Template words a text panel's rows (chart: text) as paragraphs: a Go
	// text/template over .Rows (and .Row, the first), blank lines between
	// paragraphs. The bulletin's 调度通报 text is written this way.
	Template string `yaml:"template"`
	// Link is the page a row leads to, {column} filled from the row
	// (unit-{unit_code}.html): clicking a bar, a slice or a table row opens it.
	Link string `yaml:"link"`
	// Labels names fields for legends and table headers where the model's
	// own column documentation does not (SQL panels, say).
	Labels map[string]string `yaml:"labels"`
	// Formats sets a field's format on the page and in its downloads
	// (percent, wanyuan, wanyuan_wan, integer, number, month, date), or
	// names the field holding each row's format (a format or a unit of
	// measure: %, 人, 万元/人), which is then not shown itself.
	Formats map[string]string `yaml:"formats"`

	Pos diag.Pos `yaml:"-"`
	// At places each setting the panel gives (x, y, sql...) at its value's
	// line; a block of SQL (sql: |) at its first line, so that a line of
	// the SQL is At["sql"].Line + its line - 1.
	At map[string]diag.Pos `yaml:"-"`
}

// AtOr is where the panel gives setting key, or the panel's own position.
func (p Panel) AtOr(key string) diag.Pos {
	if pos, ok := p.At[key]; ok {
		return pos
	}
	return p.Pos
}

// OrderTerm is one column of a panel's order.
type OrderTerm struct {
	Column string
	Desc   bool
}

// OrderTerms reads Order; ok is false when a term is not "column" or
// "column asc|desc".
func (p Panel) OrderTerms() (terms []OrderTerm, ok bool) {
	if strings.TrimSpace(p.Order) == "" {
		return nil, true
	}
	for _, part := range strings.Split(p.Order, ",") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1:
			terms = append(terms, OrderTerm{Column: f[0]})
		case len(f) == 2 && (strings.EqualFold(f[1], "asc") || strings.EqualFold(f[1], "desc")):
			terms = append(terms, OrderTerm{Column: f[0], Desc: strings.EqualFold(f[1], "desc")})
		default:
			return nil, false
		}
	}
	return terms, true
}

// settingLines maps each key of a mapping node to where its value starts.
func settingLines(file string, node *yaml.Node) map[string]diag.Pos {
	at := map[string]diag.Pos{}
	if node == nil || node.Kind != yaml.MappingNode {
		return at
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		pos := yamlx.At(file, v)
		if v.Kind == yaml.ScalarNode && v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			pos.Line, pos.Col = v.Line+1, 0 // the block's text starts on the next line
		}
		at[k.Value] = pos
	}
	return at
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
	switch pg.Kind {
	case "":
		pg.Kind = PagePanels
	case PagePanels, PageDataGuide, PageFundTargets, PageFundMonitor, PageFundSelfEval:
	default:
		diags.Errorf(yamlx.At(file, yamlx.MappingValue(node, "kind")), "page kind %q must be panels, data_guide, fund_targets, fund_monitor or fund_self_eval", pg.Kind)
	}
	if e := pg.Each; e != nil {
		e.At = settingLines(file, yamlx.MappingValue(node, "each"))
		at := yamlx.At(file, yamlx.MappingValue(node, "each"))
		if (e.Model == "") == (e.SQL == "") {
			diags.Errorf(at, "each: give either model or sql")
		}
		if e.Key == "" || e.Title == "" {
			diags.Errorf(at, "each: key and title name the columns that tell the pages apart and name them")
		}
	}
	for i, r := range pg.Rules {
		if r.Title == "" || (r.Status == "" && r.Score == "") {
			diags.Errorf(yamlx.At(file, yamlx.MappingValue(node, "rules")), "rules[%d]: a rule needs a title and says how status or score is computed", i)
		}
	}
	panels := yamlx.MappingValue(node, "panels")
	if len(pg.Panels) == 0 && pg.Kind == PagePanels {
		diags.Errorf(pg.Pos, "panels is required: a page shows at least one panel")
	}
	for i := range pg.Panels {
		p := &pg.Panels[i]
		p.Pos = pg.Pos
		p.At = map[string]diag.Pos{}
		if panels != nil && i < len(panels.Content) {
			p.Pos = yamlx.At(file, panels.Content[i])
			p.At = settingLines(file, panels.Content[i])
		}
		if _, ok := p.OrderTerms(); !ok {
			diags.Errorf(p.AtOr("order"), "panel %q: order %q: give columns separated by commas, each optionally followed by desc (total desc, unit_name)", p.Title, p.Order)
		}
		if (p.Model == "") == (p.SQL == "") {
			diags.Errorf(p.Pos, "panel %q: give either model or sql", p.Title)
		}
		if p.Filter != "" && pg.Each == nil {
			diags.Errorf(p.Pos, "panel %q: filter works on a page repeated with each", p.Title)
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
