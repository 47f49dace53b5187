package check

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/warehouse"
)

// AcceptedValues fails on rows whose column holds a value not in the list
// (NULL passes: pair it with not_null).
//
//   - accepted_values: {column: status, values: [完成, 正常, 滞后]}
type AcceptedValues struct{}

func (AcceptedValues) Name() string { return "accepted_values" }

func (AcceptedValues) Compile(table string, args *yaml.Node) (string, string, error) {
	col, cond, err := acceptedCond(args, "")
	if err != nil {
		return "", "", err
	}
	// The alias lets table be a subquery (a build's changed partitions), as PostgreSQL requires.
	return fmt.Sprintf("SELECT * FROM %s AS checked WHERE %s", table, cond), fmt.Sprintf("accepted_values(%s)", col), nil
}

func (AcceptedValues) scanPart(args *yaml.Node) (scanPart, error) {
	col, cond, err := acceptedCond(args, "c.")
	return scanPart{cond: cond, accepted: col}, err
}

// acceptedCond is the condition a failing row meets, its column prefixed.
func acceptedCond(args *yaml.Node, prefix string) (string, string, error) {
	var a struct {
		Column string   `yaml:"column"`
		Values []string `yaml:"values"`
	}
	if err := decodeStrict(args, []string{"column", "values"}, &a); err != nil {
		return "", "", err
	}
	if a.Column == "" || len(a.Values) == 0 {
		return "", "", fmt.Errorf("give column and a non-empty list of values")
	}
	vals := make([]string, len(a.Values))
	for i, v := range a.Values {
		vals[i] = warehouse.QuoteString(v)
	}
	col := prefix + warehouse.QuoteIdent(a.Column)
	return a.Column, fmt.Sprintf("%s IS NOT NULL AND CAST(%s AS VARCHAR) NOT IN (%s)", col, col, strings.Join(vals, ", ")), nil
}
