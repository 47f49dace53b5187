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
