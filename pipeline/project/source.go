package project

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// Engine-owned schemas.
const (
	RawSchema  = "raw"
	MetaSchema = "meta"
)

// Load modes of a source.
const (
	LoadReplace = "replace"
	LoadAppend  = "append"
	LoadMerge   = "merge"
)

// Column types a source may declare; "unit" is text normalised to a unit
// code, "pseudonym" a person's identifier stored only as its PersonKey.
var ColumnTypes = []string{"text", "integer", "number", "boolean", "date", "timestamp", "unit", TypePseudonym}

// TypePseudonym is the column type of a person's identifier (a certificate
// or ID number) that the warehouse never holds: extraction stores its
// PersonKey in its place.
const TypePseudonym = "pseudonym"

// SourceFields are the settings every source kind shares. Kind-specific
// settings sit beside them in the same file; the kind decodes them itself.
type SourceFields struct {
	Kind        string    `yaml:"kind"`
	Description string    `yaml:"description"`
	Load        string    `yaml:"load"`
	Key         []string  `yaml:"key"`
	Columns     []Column  `yaml:"columns"`
	Freshness   Freshness `yaml:"freshness"`
}

// Freshness says how old a source's newest load may be before it is
// reported: warn_after, then error_after (36h, 7d).
type Freshness struct {
	WarnAfter  string `yaml:"warn_after"`
	ErrorAfter string `yaml:"error_after"`
}

// ParseAge reads a duration that may be given in days (7d) as well as in
// Go's units (36h, 90m).
func ParseAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("%q must be positive", s)
	}
	return d, err
}

// Column is one declared column of a source.
type Column struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"`
	Required    bool     `yaml:"required"`
	Aliases     []string `yaml:"aliases"`
	Description string   `yaml:"description"`
	// Min and Max bound a number: a monthly figure that cannot go down has
	// min: 0. A value outside sends its row to quarantine.
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
	// Within: plan_year keeps a date inside the project's plan year.
	Within string `yaml:"within"`
	// NotFuture rejects a date after the day of the run (a 报送日期 typed wrong).
	NotFuture bool `yaml:"not_future"`
}

// WithinPlanYear is the one Within a date column takes.
const WithinPlanYear = "plan_year"

// Source is one file of sources/: where data comes from and its shape.
type Source struct {
	SourceFields
	Name string // from the file name; the raw table is raw.<Name>
	File string
	Pos  diag.Pos
	// Node is the whole declaration, for the kind's own strict decoding.
	Node *yaml.Node
}

// Table is the raw table the source loads into.
func (s *Source) Table() string { return RawSchema + "." + s.Name }

func loadSource(fsys fs.FS, file string, diags *diag.List) *Source {
	node := readMapping(fsys, file, "source", diags)
	if node == nil {
		return nil
	}
	src := &Source{Name: baseName(file), File: file, Pos: yamlx.At(file, node), Node: node}
	if !validIdent(src.Name) {
		diags.Errorf(src.Pos, "source file name: %s", identHint(src.Name))
	}
	yamlx.DecodeFields(file, node, &src.SourceFields, diags)
	if src.Kind == "" {
		diags.Errorf(src.Pos, "kind is required (csv, xlsx, postgres, mysql, http)")
	}
	switch src.Load {
	case "":
		src.Load = LoadReplace
	case LoadReplace, LoadAppend:
	case LoadMerge:
		if len(src.Key) == 0 {
			diags.Errorf(yamlx.At(file, yamlx.MappingValue(node, "load")), "load: merge needs key: the columns that identify a row")
		}
	default:
		diags.Errorf(yamlx.At(file, yamlx.MappingValue(node, "load")), "load %q must be replace, append or merge", src.Load)
	}
	checkColumns(src, diags)
	fresh := yamlx.At(file, yamlx.MappingValue(node, "freshness"))
	var warn, fail time.Duration
	for _, f := range []struct {
		text string
		out  *time.Duration
	}{{src.Freshness.WarnAfter, &warn}, {src.Freshness.ErrorAfter, &fail}} {
		if f.text == "" {
			continue
		}
		d, err := ParseAge(f.text)
		if err != nil {
			diags.Errorf(fresh, "freshness: %v (write 36h or 7d)", err)
		}
		*f.out = d
	}
	if warn > 0 && fail > 0 && fail < warn {
		diags.Errorf(fresh, "freshness: error_after must not be shorter than warn_after")
	}
	return src
}

func checkColumns(src *Source, diags *diag.List) {
	colsNode := yamlx.MappingValue(src.Node, "columns")
	if len(src.Columns) == 0 {
		diags.Errorf(src.Pos, "columns is required: list the columns the source must have")
		return
	}
	names := map[string]bool{}
	for i, c := range src.Columns {
		pos := src.Pos
		if colsNode != nil && i < len(colsNode.Content) {
			pos = yamlx.At(src.File, colsNode.Content[i])
		}
		if !validIdent(c.Name) {
			diags.Errorf(pos, "column name: %s", identHint(c.Name))
		}
		if names[c.Name] {
			diags.Errorf(pos, "column %q is declared twice", c.Name)
		}
		names[c.Name] = true
		if !contains(ColumnTypes, c.Type) {
			diags.Errorf(pos, "column %s: type %q must be one of %s", c.Name, c.Type, strings.Join(ColumnTypes, ", "))
		}
		numeric, dated := c.Type == "integer" || c.Type == "number", c.Type == "date" || c.Type == "timestamp"
		if (c.Min != nil || c.Max != nil) && !numeric {
			diags.Errorf(pos, "column %s: min and max bound integer and number columns, not %s", c.Name, c.Type)
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			diags.Errorf(pos, "column %s: min %v is above max %v", c.Name, *c.Min, *c.Max)
		}
		if c.Within != "" && (c.Within != WithinPlanYear || !dated) {
			diags.Errorf(pos, "column %s: within takes plan_year, on a date or timestamp column", c.Name)
		}
		if c.NotFuture && !dated {
			diags.Errorf(pos, "column %s: not_future applies to date and timestamp columns", c.Name)
		}
	}
	for _, k := range src.Key {
		if !names[k] {
			diags.Errorf(yamlx.At(src.File, yamlx.MappingValue(src.Node, "key")), "key column %q is not among the declared columns", k)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ColumnNames lists the declared column names in order.
func (s *Source) ColumnNames() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

func (s *Source) String() string { return fmt.Sprintf("%s (%s, %s)", s.Name, s.Kind, s.File) }

// Column returns the declared column of that name, or nil.
func (s *Source) Column(name string) *Column {
	if i := s.ColumnIndex(name); i >= 0 {
		return &s.Columns[i]
	}
	return nil
}

// ColumnIndex returns the position of the declared column, or -1.
func (s *Source) ColumnIndex(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
