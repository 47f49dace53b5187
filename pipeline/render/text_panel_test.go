package render

import (
	"strings"
	"testing"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// The words a 调度通报 uses for its figures, worked out by hand.
func TestTextPanelWordsFigures(t *testing.T) {
	data := &warehouse.Result{
		Columns: []string{"quarter_end", "name", "actual", "rate", "pace", "units"},
		Rows: [][]any{
			{time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC), "新增就业", int64(212), 0.53, 0.5, []any{"文登区", "乳山市"}},
			{time.Date(2017, 6, 1, 0, 0, 0, 0, time.UTC), "培训", 1035.0, 0.4825, 0.5, nil},
		},
	}
	pn := project.Panel{Chart: "text", Template: `截至{{monthEnd .Row.quarter_end}}，{{range $i, $r := .Rows}}{{$r.name}}{{num $r.actual}}人，
完成{{pct $r.rate}}，{{pace $r.rate $r.pace}}{{if last $i (len $.Rows)}}。{{else}}；{{end}}{{end}}

{{if has .Row.units}}{{join .Row.units}}滞后。{{end}}{{if has (index .Rows 1).units}}不应出现{{end}}`}
	if err := (textPanel{}).Fields(pn); err != nil {
		t.Fatal(err)
	}
	got, err := Paragraphs(pn, data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// 0.53 - 0.50 = 3.0 points ahead; 0.4825 - 0.5 = 1.75 -> 1.8 points behind
		"截至6月底，新增就业212人，完成53.0%，超序时进度3.0个百分点；培训1035人，完成48.3%，低于序时进度1.8个百分点。",
		"文登区、乳山市滞后。",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paragraphs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	el, _, err := (textPanel{}).Draw(pn, data, "x")
	if err != nil || !strings.Contains(string(el), "<p>文登区、乳山市滞后。</p>") {
		t.Errorf("html: %s %v", el, err)
	}
}

func TestTextPanelTemplateErrors(t *testing.T) {
	for _, tpl := range []string{"", "{{if}}", "{{nosuchfunc .Row}}"} {
		if err := (textPanel{}).Fields(project.Panel{Chart: "text", Template: tpl}); err == nil {
			t.Errorf("template %q accepted", tpl)
		}
	}
	// A field the rows lack is an error, not "<no value>" in a bulletin.
	_, err := Paragraphs(project.Panel{Template: "{{.Row.missing}}"}, &warehouse.Result{Columns: []string{"a"}, Rows: [][]any{{1}}})
	if err == nil {
		t.Error("a missing field was printed")
	}
}
