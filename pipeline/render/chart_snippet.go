package render

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"

	echarts "github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/templates"
)

// chartElement and chartScript are go-echarts' templates of a chart's
// element and script, parsed once. go-echarts' own RenderSnippet parses
// them again for every chart, with an option template jixiao does not use:
// on the default site (some 400 charts) that parsing was a quarter of the
// Go time spent writing pages. Templates are safe for concurrent use.
var (
	chartElement = echarts.MustTemplate(echarts.ModChart, []string{templates.BaseTpl, templates.BaseElementTpl})
	chartScript  = echarts.MustTemplate(echarts.ModChart, []string{templates.BaseTpl, templates.BaseScriptTpl})
)

// funcMarks are the quotes around the JavaScript functions of a chart's
// options, which go-echarts marks with __f__ and takes out after executing
// its templates (its unexported pattern, copied).
var funcMarks = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// echartsChart is any go-echarts chart: Validate fills in its defaults,
// as go-echarts does before it renders one.
type echartsChart interface{ Validate() }

// snippet renders a go-echarts chart into its element and script, the
// same bytes as go-echarts' RenderSnippet. go-echarts panics on a template
// error: report it as an error instead.
func snippet(c echartsChart) (el, script template.HTML, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("draw chart: %v", r)
		}
	}()
	c.Validate()
	var b bytes.Buffer
	if err := chartElement.ExecuteTemplate(&b, echarts.ModChart, c); err != nil {
		return "", "", fmt.Errorf("draw chart: %w", err)
	}
	el = template.HTML(funcMarks.ReplaceAll(b.Bytes(), nil))
	b.Reset()
	if err := chartScript.ExecuteTemplate(&b, echarts.ModChart, c); err != nil {
		return "", "", fmt.Errorf("draw chart: %w", err)
	}
	return el, template.HTML(funcMarks.ReplaceAll(b.Bytes(), nil)), nil
}
