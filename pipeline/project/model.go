package project

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Materializations of a model.
const (
	MaterializeTable = "table"
	MaterializeView  = "view"
	// MaterializeIncremental is a table kept partition by partition: a
	// build rebuilds only the partitions whose input rows changed.
	MaterializeIncremental = "incremental"
)

// HeaderMarker opens a model's header comment: /* jixiao ... */.
const HeaderMarker = "/* jixiao"

// Model is one SQL file of transforms/: a single SELECT whose result is
// stored as schema.name, where schema is the file's folder.
type Model struct {
	Name   string
	Schema string
	File   string
	SQL    string // the whole file, header included, so DuckDB's line numbers are the file's
	Header ModelHeader
}

// ModelHeader is the YAML inside the leading /* jixiao ... */ comment.
type ModelHeader struct {
	Materialized string `yaml:"materialized"`
	// PartitionBy names the column (a month) that splits the model's rows
	// into partitions, and that the tables it reads carry too: an
	// incremental model rebuilds the partitions of the input rows whose
	// loads are new (or gone), and the data tests of a model built so (or
	// of a view with partition_by) run on those partitions.
	PartitionBy string `yaml:"partition_by"`
	// RebuildFromFirstChanged rebuilds every partition from the first
	// changed one on: for rows that accumulate over the months (a running
	// sum, the month someone was first served).
	RebuildFromFirstChanged bool `yaml:"rebuild_from_first_changed"`
	// FirstSeen names the key of a model that holds each key's first month
	// (the month someone was first served): a rebuild from the first
	// changed month on reads only the inputs' rows of those months, and adds
	// the keys the model does not hold from before.
	FirstSeen   []string   `yaml:"first_seen"`
	Description string     `yaml:"description"`
	Columns     ColumnDocs `yaml:"columns"`
	Tests       []TestDecl `yaml:"tests"`
}

// Partitioned reports whether the model's rows are kept or tested by
// partition.
func (m *Model) Partitioned() bool { return m.Header.PartitionBy != "" }

// ColumnDocs documents a model's columns in the order written: name -> label.
type ColumnDocs []ColumnDoc

// ColumnDoc is one documented column; Label is what finance staff read.
type ColumnDoc struct {
	Name  string
	Label string
}

// UnmarshalYAML keeps the mapping's order.
func (c *ColumnDocs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{"line " + itoa(n.Line) + ": columns must be a mapping of column name to its description"}}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		*c = append(*c, ColumnDoc{Name: n.Content[i].Value, Label: n.Content[i+1].Value})
	}
	return nil
}

// Label returns the documented label of a column, or "".
func (c ColumnDocs) Label(name string) string {
	for _, d := range c {
		if d.Name == name {
			return d.Label
		}
	}
	return ""
}

// TestDecl is one data test as declared; the check package interprets Args
// by Kind. Each list item is a mapping with one kind key, and optionally
// severity (error, warn) and name.
type TestDecl struct {
	Kind     string
	Args     *yaml.Node
	Severity string
	Name     string
	Pos      diag.Pos
}

// Test severities.
const (
	SeverityError = "error"
	SeverityWarn  = "warn"
)

// UnmarshalYAML reads one test item.
func (t *TestDecl) UnmarshalYAML(n *yaml.Node) error {
	t.Pos = diag.Pos{Line: n.Line, Col: n.Column}
	t.Severity = SeverityError
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{"line " + itoa(n.Line) + ": a test must be a mapping such as {not_null: [col]}"}}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "severity":
			t.Severity = v.Value
			if v.Value != SeverityError && v.Value != SeverityWarn {
				return &yaml.TypeError{Errors: []string{"line " + itoa(v.Line) + ": severity must be error or warn, not " + v.Value}}
			}
		case "name":
			t.Name = v.Value
		default:
			if t.Kind != "" {
				return &yaml.TypeError{Errors: []string{"line " + itoa(k.Line) + ": a test item has one kind, but both " + t.Kind + " and " + k.Value + " are given"}}
			}
			t.Kind, t.Args = k.Value, v
		}
	}
	if t.Kind == "" {
		return &yaml.TypeError{Errors: []string{"line " + itoa(n.Line) + ": test item names no test kind"}}
	}
	return nil
}

// Hash identifies the model file's content (header and SQL): a build with
// the same hash and unchanged inputs would build the same table.
func (m *Model) Hash() string {
	sum := sha256.Sum256([]byte(m.SQL))
	return hex.EncodeToString(sum[:])
}

// ID names the model's table, schema.name.
func (m *Model) ID() string { return m.Schema + "." + m.Name }

func loadModel(fsys fs.FS, file string, diags *diag.List) *Model {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		diags.Errorf(diag.Pos{File: file}, "read: %v", err)
		return nil
	}
	rel := strings.TrimPrefix(file, TransformsDir+"/")
	dir := path.Dir(rel)
	m := &Model{Name: baseName(file), File: file, SQL: string(data)}
	switch {
	case dir == ".":
		diags.Errorf(diag.Pos{File: file}, "put the model in a folder that names its schema, such as transforms/staging/ or transforms/marts/")
		return nil
	case strings.Contains(dir, "/"):
		diags.Errorf(diag.Pos{File: file}, "models may be one folder deep only (the folder is the schema), not %s", dir)
		return nil
	}
	m.Schema = dir
	if !validIdent(m.Name) {
		diags.Errorf(diag.Pos{File: file}, "model file name: %s", identHint(m.Name))
		return nil
	}
	if !validIdent(m.Schema) {
		diags.Errorf(diag.Pos{File: file}, "folder name: %s", identHint(m.Schema))
		return nil
	}
	parseHeader(m, diags)
	if strings.TrimSpace(stripComments(m.SQL)) == "" {
		diags.Errorf(diag.Pos{File: file}, "the file has no SQL: a model is one SELECT statement")
	}
	return m
}

// parseHeader reads the /* jixiao ... */ header if the file starts with one.
func parseHeader(m *Model, diags *diag.List) {
	m.Header.Materialized = MaterializeTable
	text := m.SQL
	trimmed := strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(trimmed, HeaderMarker) {
		return
	}
	startLine := strings.Count(text[:len(text)-len(trimmed)], "\n") + 1
	end := strings.Index(trimmed, "*/")
	if end < 0 {
		diags.Errorf(diag.Pos{File: m.File, Line: startLine}, "the header comment %s is not closed with */", HeaderMarker)
		return
	}
	body := trimmed[len(HeaderMarker):end]
	// Keep the header's line numbers equal to the file's: pad with the lines
	// above it, and blank the marker's own line.
	yamlText := strings.Repeat("\n", startLine-1) + body
	var local diag.List
	node := yamlx.Parse(m.File, []byte(yamlText), &local)
	if node != nil {
		if node.Kind != yaml.MappingNode {
			local.Errorf(yamlx.At(m.File, node), "the header must be YAML settings (materialized, description, columns, tests), not %s", yamlx.Describe(node))
		} else {
			yamlx.Decode(m.File, node, &m.Header, &local)
		}
	}
	for i := range m.Header.Tests {
		m.Header.Tests[i].Pos.File = m.File
	}
	*diags = append(*diags, local...)
	switch m.Header.Materialized {
	case "":
		m.Header.Materialized = MaterializeTable
	case MaterializeTable, MaterializeView, MaterializeIncremental:
	default:
		diags.Errorf(yamlx.At(m.File, yamlx.MappingValue(node, "materialized")), "materialized %q must be table, view or incremental", m.Header.Materialized)
	}
	at := func(key string) diag.Pos { return yamlx.At(m.File, yamlx.MappingValue(node, key)) }
	h := &m.Header
	switch {
	case h.Materialized == MaterializeIncremental && h.PartitionBy == "":
		diags.Errorf(at("materialized"), "an incremental model needs partition_by: the column (a month) its rows are kept by, such as partition_by: month")
	case h.PartitionBy != "" && h.Materialized == MaterializeTable:
		diags.Errorf(at("partition_by"), "partition_by applies to materialized: incremental (or a view, whose tests then run on the partitions that changed), not to a table rebuilt whole")
	case h.PartitionBy != "" && !validIdent(h.PartitionBy):
		diags.Errorf(at("partition_by"), "partition_by: %s", identHint(h.PartitionBy))
	}
	if h.RebuildFromFirstChanged && h.Materialized != MaterializeIncremental {
		diags.Errorf(at("rebuild_from_first_changed"), "rebuild_from_first_changed applies to materialized: incremental")
	}
	if len(h.FirstSeen) > 0 {
		if h.Materialized != MaterializeIncremental {
			diags.Errorf(at("first_seen"), "first_seen applies to materialized: incremental")
		}
		for _, k := range h.FirstSeen {
			if !validIdent(k) {
				diags.Errorf(at("first_seen"), "first_seen: %s", identHint(k))
			}
		}
		// A key's first month moves only from the changed months on.
		h.RebuildFromFirstChanged = true
	}
}

// stripComments removes -- and /* */ comments, to tell an empty file.
func stripComments(sql string) string {
	var b strings.Builder
	for i := 0; i < len(sql); i++ {
		switch {
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		default:
			b.WriteByte(sql[i])
		}
	}
	return b.String()
}

// BodySQL is the model's SQL with trailing semicolons and whitespace removed,
// ready to wrap in CREATE TABLE ... AS.
func (m *Model) BodySQL() string {
	s := strings.TrimRight(m.SQL, " \t\r\n")
	for strings.HasSuffix(s, ";") {
		s = strings.TrimRight(strings.TrimSuffix(s, ";"), " \t\r\n")
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
