package render

import (
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strings"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// linkField is a {column} in a panel's link.
var linkField = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// rowLinks fills a panel's link (unit-{unit_code}.html) from each row: the
// page a row, a bar or a slice leads to. Links stay inside the site:
// relative, with no scheme, so drill-down works from file:// too.
func rowLinks(pn project.Panel, data *warehouse.Result) ([]string, error) {
	if pn.Link == "" {
		return nil, nil
	}
	if strings.Contains(pn.Link, ":") || strings.HasPrefix(pn.Link, "/") || strings.Contains(pn.Link, "..") {
		return nil, fmt.Errorf("link %q must be a page of the site (unit-{unit_code}.html), not an address", pn.Link)
	}
	var idx []int
	for _, m := range linkField.FindAllStringSubmatch(pn.Link, -1) {
		i, err := columnIndex(data, m[1])
		if err != nil {
			return nil, fmt.Errorf("link: %w", err)
		}
		idx = append(idx, i)
	}
	links := make([]string, len(data.Rows))
	for r, row := range data.Rows {
		k, missing := 0, false
		link := linkField.ReplaceAllStringFunc(pn.Link, func(string) string {
			v := row[idx[k]]
			k++
			if v == nil {
				missing = true
				return ""
			}
			return FormatCell(v, "")
		})
		if !missing {
			links[r] = link // a row with no value to fill leads nowhere
		}
	}
	return links, nil
}

// linkScript makes a chart's bars, points or slices open their row's page:
// ECharts names the clicked item by its category (x) or slice name, so the
// links are keyed by that name, whatever order the chart sorts them in.
func linkScript(pn project.Panel, data *warehouse.Result, links []string, chartID string) (template.HTML, error) {
	if links == nil || pn.Chart == "table" || pn.Chart == "text" {
		return "", nil
	}
	xi, err := columnIndex(data, pn.X)
	if err != nil {
		return "", nil // a chart without x (gauge, big number) has nothing to click
	}
	byName := map[string]string{}
	for r, row := range data.Rows {
		name := FormatCell(row[xi], "")
		if _, seen := byName[name]; !seen {
			byName[name] = links[r]
		}
	}
	js, err := json.Marshal(byName)
	if err != nil {
		return "", err
	}
	return template.HTML(fmt.Sprintf(`<script>(function(){var el=document.getElementById(%q);if(!el||!window.echarts)return;var c=echarts.getInstanceByDom(el);if(!c)return;var links=%s;c.on("click",function(p){var h=links[p.name];if(h){window.location.href=h;}});el.title="点击查看明细";})();</script>`,
		chartID, js)), nil
}
