package render

import (
	"fmt"
	"html/template"
	"strings"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// cardsPanel shows each row as a figure card: its label (x), its value
// (value) and a line under it (delta), coloured by the row's status; the
// first screen a leader reads in ten seconds.
type cardsPanel struct{}

func (cardsPanel) Name() string { return "cards" }

func (cardsPanel) Fields(p project.Panel) error {
	if p.X == "" || p.Value == "" {
		return fmt.Errorf("chart cards needs x (each card's label) and value (its figure); delta (the line under it) and status (its colour) are optional")
	}
	return nil
}

func (cardsPanel) Draw(p project.Panel, data *warehouse.Result, _ string) (template.HTML, template.HTML, error) {
	xi, err := columnIndex(data, p.X)
	if err != nil {
		return "", "", err
	}
	vi, err := columnIndex(data, p.Value)
	if err != nil {
		return "", "", err
	}
	di, si := -1, -1
	if p.Delta != "" {
		if di, err = columnIndex(data, p.Delta); err != nil {
			return "", "", err
		}
	}
	if p.Status != "" {
		if si, err = columnIndex(data, p.Status); err != nil {
			return "", "", err
		}
	}
	links, err := rowLinks(p, data)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	b.WriteString(`<div class="cards">`)
	for r, row := range data.Rows {
		class := "card"
		if si >= 0 {
			if c := statusClass(FormatCell(row[si], "")); c != "" {
				class += " " + c
			}
		}
		tag, end := "div", "div"
		if r < len(links) && links[r] != "" {
			tag, end = `a href="`+template.HTMLEscapeString(links[r])+`"`, "a"
		}
		fmt.Fprintf(&b, `<%s class="%s"><span class="label">%s</span><span class="value">%s</span>`, tag, class,
			template.HTMLEscapeString(FormatCell(row[xi], "")), template.HTMLEscapeString(FormatCell(row[vi], p.Format)))
		if di >= 0 && row[di] != nil {
			fmt.Fprintf(&b, `<span class="delta">%s</span>`, template.HTMLEscapeString(FormatCell(row[di], "")))
		}
		fmt.Fprintf(&b, `</%s>`, end)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String()), "", nil
}
