// Package yamlx decodes YAML project files strictly: every unknown field and
// every type mismatch becomes a diagnostic with the file, line and column,
// and decoding goes on so one check shows all that is wrong.
package yamlx

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
)

// Parse reads a YAML document into its node tree. An empty document yields a
// nil node and no error.
func Parse(file string, data []byte, diags *diag.List) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		diags.Errorf(diag.Pos{File: file, Line: syntaxErrorLine(data, err)}, "invalid YAML: %s", stripLinePrefix(err.Error())+syntaxHint(err))
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// DecodeFields decodes node into out without checking for unknown keys: for
// a declaration whose remaining keys belong to a plug-in (a source kind) that
// checks them itself.
func DecodeFields(file string, node *yaml.Node, out any, diags *diag.List) bool {
	before := len(*diags)
	decodeInto(file, node, out, diags)
	return len(*diags) == before
}

// Decode checks node's keys against out's struct fields (recursively) and
// then decodes it. It returns false when anything was reported.
func Decode(file string, node *yaml.Node, out any, diags *diag.List) bool {
	before := len(*diags)
	checkKnown(file, node, reflect.TypeOf(out), diags)
	decodeInto(file, node, out, diags)
	return len(*diags) == before
}

func decodeInto(file string, node *yaml.Node, out any, diags *diag.List) {
	if err := node.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				diags.Errorf(posOfMessage(file, msg, node), "%s", stripLinePrefix(msg))
			}
		} else {
			diags.Errorf(At(file, node), "%s", stripLinePrefix(err.Error()))
		}
	}
}

// At returns the position of node in file.
func At(file string, node *yaml.Node) diag.Pos {
	if node == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: node.Line, Col: node.Column}
}

// MappingValue returns the value node of key in a mapping node, or nil.
func MappingValue(node *yaml.Node, key string) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return node.Content[i+1]
		}
	}
	return nil
}

// checkKnown walks a mapping node alongside a struct type and reports keys
// that no field takes. Fields tagged ",inline" contribute their own keys;
// a field of type yaml.Node takes anything.
func checkKnown(file string, node *yaml.Node, t reflect.Type, diags *diag.List) {
	if node == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// yaml.Node takes anything; a type with its own UnmarshalYAML checks itself.
	if t == reflect.TypeOf(yaml.Node{}) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if node.Kind != yaml.MappingNode {
			return // node.Decode reports the type mismatch
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				diags.Errorf(At(file, k), "unknown field %q (known fields: %s)", k.Value, knownList(fields))
				continue
			}
			checkKnown(file, v, ft, diags)
		}
	case reflect.Slice:
		if node.Kind == yaml.SequenceNode {
			for _, item := range node.Content {
				checkKnown(file, item, t.Elem(), diags)
			}
		}
	case reflect.Map:
		if node.Kind == yaml.MappingNode {
			for i := 1; i < len(node.Content); i += 2 {
				checkKnown(file, node.Content[i], t.Elem(), diags)
			}
		}
	}
}

func collectFields(t reflect.Type, fields map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, fields)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
}

func knownList(fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

var lineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

func stripLinePrefix(msg string) string {
	msg = strings.TrimPrefix(msg, "yaml: ")
	return lineRe.ReplaceAllString(msg, "")
}

func posOfMessage(file, msg string, fallback *yaml.Node) diag.Pos {
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return diag.Pos{File: file, Line: n}
	}
	return At(file, fallback)
}

var errLineRe = regexp.MustCompile(`line (\d+)`)

// reportedLine is the line yaml.v3 names in a syntax error, or 0.
func reportedLine(err error) int {
	m := errLineRe.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// syntaxErrorLine finds the line a YAML syntax error is on. yaml.v3 names
// the line where the enclosing block or flow collection starts (and, for
// parser errors, that line's 0-based number), not the line at fault: a
// panel indented one space too far on line 61 is reported at line 12,
// where the panels' list starts; an unclosed { one line above it. The
// fault is at or after that line, so the first prefix of the document,
// cut at a line end from there on, that fails with the same message ends
// on the line at fault.
func syntaxErrorLine(data []byte, err error) int {
	reported := reportedLine(err)
	if len(data) > 1<<18 {
		return reported // project files are a few KB; spare a huge one the quadratic search
	}
	want := stripLinePrefix(err.Error())
	lines := strings.SplitAfter(string(data), "\n")
	start := reported - 1
	if start < 1 {
		start = 1
	}
	end := 0
	for i := 0; i < start-1 && i < len(lines); i++ {
		end += len(lines[i])
	}
	for k := start; k <= len(lines); k++ {
		end += len(lines[k-1])
		var n yaml.Node
		if e := yaml.Unmarshal(data[:end], &n); e != nil && stripLinePrefix(e.Error()) == want {
			return k
		}
	}
	return reported
}

// syntaxHint says what yaml.v3's terse messages usually mean.
func syntaxHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "did not find expected ',' or '}'"):
		return " (a { on this line is not closed with })"
	case strings.Contains(msg, "did not find expected ',' or ']'"):
		return " (a [ on this line is not closed with ])"
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-' indicator"):
		return " (check this line's indentation against the lines above)"
	case strings.Contains(msg, "found a tab character"):
		return " (indent with spaces, not tabs)"
	}
	return ""
}

// Describe names a node's kind for messages ("a list", "a mapping", ...).
func Describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "a YAML node"
}
