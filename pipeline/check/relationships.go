package check

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/warehouse"
)

// Relationships fails on rows whose column has no match in another table's
// field (NULL passes), like a foreign key.
//
//   - relationships: {column: unit_code, to: staging.stg_units, field: unit_code}
type Relationships struct{}

type relArgs struct {
	Column string `yaml:"column"`
	To     string `yaml:"to"`
	Field  string `yaml:"field"`
}

func (Relationships) Name() string { return "relationships" }

func (Relationships) decode(args *yaml.Node) (relArgs, error) {
	var a relArgs
	if err := decodeStrict(args, []string{"column", "to", "field"}, &a); err != nil {
		return a, err
	}
	if a.Column == "" || a.To == "" {
		return a, fmt.Errorf("give column and to (schema.table), and field when it is named differently")
	}
	if a.Field == "" {
		a.Field = a.Column
	}
	if strings.Count(a.To, ".") != 1 {
		return a, fmt.Errorf("to %q must name schema.table", a.To)
	}
	return a, nil
}

// target returns the table the test reads.
func (r Relationships) target(args *yaml.Node) (string, error) {
	a, err := r.decode(args)
	return strings.ToLower(a.To), err
}

func (r Relationships) Compile(table string, args *yaml.Node) (string, string, error) {
	a, err := r.decode(args)
	if err != nil {
		return "", "", err
	}
	schema, name, _ := strings.Cut(a.To, ".")
	col, field := warehouse.QuoteIdent(a.Column), warehouse.QuoteIdent(a.Field)
	return fmt.Sprintf("SELECT c.* FROM %s AS c WHERE c.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s AS p WHERE p.%s = c.%s)",
			table, col, warehouse.QuoteTable(schema, name), field, col),
		fmt.Sprintf("relationships(%s -> %s.%s)", a.Column, a.To, a.Field), nil
}

func (r Relationships) scanPart(args *yaml.Node) (scanPart, error) {
	a, err := r.decode(args)
	if err != nil {
		return scanPart{}, err
	}
	schema, name, _ := strings.Cut(a.To, ".")
	return scanPart{rel: &relJoin{column: warehouse.QuoteIdent(a.Column), to: warehouse.QuoteTable(schema, name), field: warehouse.QuoteIdent(a.Field)}}, nil
}
