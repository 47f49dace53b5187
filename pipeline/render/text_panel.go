package render

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strings"
	texttemplate "text/template"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// textPanel words a panel's rows as paragraphs through the panel's
// template: the 调度通报 an office sends is text, generated from the marts
// by templates an analyst can edit, with the rows behind every figure under
// it as usual.
type textPanel struct{}

func (textPanel) Name() string { return "text" }

func (textPanel) Fields(p project.Panel) error {
	if strings.TrimSpace(p.Template) == "" {
		return fmt.Errorf("chart text needs template: the words, with {{.Row.field}} or {{range .Rows}} for the figures")
	}
	_, err := parseTextTemplate(p.Template)
	return err
}

func (textPanel) Draw(p project.Panel, data *warehouse.Result, _ string) (template.HTML, template.HTML, error) {
	paras, err := Paragraphs(p, data)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	b.WriteString(`<div class="text-panel">`)
	for _, para := range paras {
		b.WriteString("<p>")
		b.WriteString(template.HTMLEscapeString(para))
		b.WriteString("</p>")
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String()), "", nil
}

// Paragraphs runs a text panel's template over its rows and splits the
// result into paragraphs at blank lines; lines within a paragraph are
// joined, so a template may wrap long sentences.
func Paragraphs(p project.Panel, data *warehouse.Result) ([]string, error) {
	t, err := parseTextTemplate(p.Template)
	if err != nil {
		return nil, err
	}
	rows := make([]map[string]any, len(data.Rows))
	for i, r := range data.Rows {
		m := map[string]any{}
		for j, c := range data.Columns {
			m[c] = r[j]
		}
		rows[i] = m
	}
	view := map[string]any{"Rows": rows, "Row": map[string]any{}}
	if len(rows) > 0 {
		view["Row"] = rows[0]
	}
	var out bytes.Buffer
	if err := t.Execute(&out, view); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	var paras []string
	for _, block := range strings.Split(strings.ReplaceAll(out.String(), "\r\n", "\n"), "\n\n") {
		var lines []string
		for _, l := range strings.Split(block, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			paras = append(paras, strings.Join(lines, ""))
		}
	}
	return paras, nil
}

func parseTextTemplate(text string) (*texttemplate.Template, error) {
	t, err := texttemplate.New("text").Option("missingkey=error").Funcs(textFuncs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return t, nil
}

// textFuncs word figures as a 调度通报 states them: percentages to one
// decimal, counts without decimals, differences in 百分点, months as 6月底.
var textFuncs = texttemplate.FuncMap{
	// pct 0.53 -> 53.0%
	"pct": func(v any) string {
		f, ok := toFloat(v)
		if !ok {
			return "—"
		}
		// Half up, as offices round: 0.4825 is 48.3%, not 48.2% (its float).
		return fmt.Sprintf("%.1f%%", math.Round(f*1000+1e-9)/10)
	},
	// num 212 -> 212, 12.5 -> 12.5
	"num": func(v any) string {
		f, ok := toFloat(v)
		if !ok {
			return "—"
		}
		if f == math.Trunc(f) {
			return fmt.Sprintf("%.0f", f)
		}
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
	},
	// pace 0.53 0.50 -> 超序时进度3.0个百分点 (or 低于…, 与序时进度持平)
	"pace": func(rate, pace any) string {
		r, ok1 := toFloat(rate)
		p, ok2 := toFloat(pace)
		if !ok1 || !ok2 {
			return ""
		}
		d := math.Round((r-p)*1000+math.Copysign(1e-9, r-p)) / 10
		switch {
		case d > 0:
			return fmt.Sprintf("超序时进度%.1f个百分点", d)
		case d < 0:
			return fmt.Sprintf("低于序时进度%.1f个百分点", -d)
		}
		return "与序时进度持平"
	},
	// monthEnd 2017-06-01 -> 6月底
	"monthEnd": func(v any) string {
		if t, ok := v.(time.Time); ok {
			return fmt.Sprintf("%d月底", int(t.Month()))
		}
		return fmt.Sprint(v)
	},
	// period 2017-06-01 -> 2017年6月
	"period": func(v any) string {
		if t, ok := v.(time.Time); ok {
			return FormatPeriod(t)
		}
		return fmt.Sprint(v)
	},
	// join a list (a SQL list, or strings) with 、
	"join": func(v any) string {
		switch l := v.(type) {
		case []any:
			parts := make([]string, 0, len(l))
			for _, x := range l {
				if x != nil {
					parts = append(parts, fmt.Sprint(x))
				}
			}
			return strings.Join(parts, "、")
		case []string:
			return strings.Join(l, "、")
		case nil:
			return ""
		}
		return fmt.Sprint(v)
	},
	// joinWith "；" list: join with another separator
	"joinWith": func(sep string, v any) string {
		switch l := v.(type) {
		case []any:
			parts := make([]string, 0, len(l))
			for _, x := range l {
				if x != nil {
					parts = append(parts, fmt.Sprint(x))
				}
			}
			return strings.Join(parts, sep)
		case []string:
			return strings.Join(l, sep)
		}
		return fmt.Sprint(v)
	},
	// has reports whether a value is present (not NULL, not empty, not 0).
	"has": func(v any) bool {
		switch x := v.(type) {
		case nil:
			return false
		case string:
			return x != ""
		case []any:
			return len(x) > 0
		}
		if f, ok := toFloat(v); ok {
			return f != 0
		}
		return true
	},
	// last reports whether i is the last index of a list of n: for 、 and 。
	"last": func(i, n int) bool { return i == n-1 },
}
