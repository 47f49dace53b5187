package yamlx

import (
	"strings"
	"testing"

	"jixiao/pipeline/diag"
)

type inner struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

type common struct {
	Kind string `yaml:"kind"`
}

type outer struct {
	common  `yaml:",inline"`
	Path    string  `yaml:"path"`
	Columns []inner `yaml:"columns"`
	Count   int     `yaml:"count"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // substrings of the diagnostics, in order
	}{
		{"clean", "kind: csv\npath: a.csv\ncolumns:\n  - {name: a, type: text}\n", nil},
		{"unknown top-level field", "kind: csv\npaht: a.csv\n", []string{"f.yaml:2:1: unknown field \"paht\""}},
		{"unknown nested field", "columns:\n  - name: a\n    typo: 1\n", []string{"f.yaml:3:5: unknown field \"typo\""}},
		{"type mismatch", "count: many\n", []string{"f.yaml:1: cannot unmarshal"}},
		{"invalid yaml", "kind: [unclosed\n", []string{"f.yaml:1: invalid YAML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.List
			node := Parse("f.yaml", []byte(tt.src), &diags)
			if node != nil {
				var o outer
				Decode("f.yaml", node, &o, &diags)
			}
			if len(diags) != len(tt.want) {
				t.Fatalf("got %d diagnostics %v, want %d", len(diags), diags, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(diags[i].String(), w) {
					t.Errorf("diagnostic %d = %q, want it to contain %q", i, diags[i].String(), w)
				}
			}
		})
	}
}

// A page much like dashboards/overview.yaml, for placing syntax errors.
const pageYAML = `# a page
slug: index
title: 总览
panels:
  - title: 全市指标状态
    sql: |
      SELECT status, count(*) AS indicators
      FROM marts.city_completion
      GROUP BY status
    chart: pie
    x: status
    y: [indicators]
    labels: {status: 状态, indicators: 指标数}
  - title: 走势
    sql: |
      SELECT month, unit_name, avg(completion_rate) AS completion_rate
      FROM marts.indicator_completion
      GROUP BY month, unit_name
    chart: line
    x: month
    y: [completion_rate]
    series: unit_name
`

// Syntax errors are reported on the line at fault, not where yaml.v3 says
// (the start of the enclosing block, or for parser errors the line above).
func TestSyntaxErrorLines(t *testing.T) {
	lines := strings.Split(pageYAML, "\n")
	edit := func(line int, f func(string) string) string {
		l := append([]string(nil), lines...)
		l[line-1] = f(l[line-1])
		return strings.Join(l, "\n")
	}
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"a SQL line dedented out of its block", edit(17, func(s string) string { return "     " + strings.TrimSpace(s) }), "f.yaml:17: invalid YAML: did not find expected key"},
		{"a panel indented one space less", edit(14, func(s string) string { return s[1:] }), "f.yaml:14: invalid YAML: did not find expected"},
		{"a field indented one space more", edit(20, func(s string) string { return " " + s }), "f.yaml:20: invalid YAML: mapping values are not allowed"},
		{"an unclosed {", edit(13, func(s string) string { return strings.TrimSuffix(s, "}") }), "f.yaml:13: invalid YAML: did not find expected ',' or '}' (a { on this line is not closed with })"},
		{"an unclosed [", edit(12, func(s string) string { return strings.TrimSuffix(s, "]") }), "f.yaml:12: invalid YAML: did not find expected ',' or ']'"},
		{"a tab", edit(11, func(s string) string { return "\t" + strings.TrimSpace(s) }), "f.yaml:11: invalid YAML: found a tab character"},
		{"the first line", "name: [x\n", "f.yaml:1: invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.List
			if Parse("f.yaml", []byte(tt.src), &diags) != nil || len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			if got := diags[0].String(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s…", got, tt.want)
			}
		})
	}
}
