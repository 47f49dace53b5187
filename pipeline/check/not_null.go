package check

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// NotNull fails on rows where any of the columns is NULL.
//
//   - not_null: [unit_code, month]
type NotNull struct{}

func (NotNull) Name() string { return "not_null" }

func (NotNull) Compile(table string, args *yaml.Node) (string, string, error) {
	cols, err := columnsArg(args)
	if err != nil {
		return "", "", err
	}
	conds := make([]string, len(cols))
	for i, c := range quoteCols(cols) {
		conds[i] = c + " IS NULL"
	}
	// The alias lets table be a subquery (a build's changed partitions), as PostgreSQL requires.
	return fmt.Sprintf("SELECT * FROM %s AS checked WHERE %s", table, strings.Join(conds, " OR ")),
		fmt.Sprintf("not_null(%s)", strings.Join(cols, ", ")), nil
}

func (NotNull) scanPart(args *yaml.Node) (scanPart, error) {
	cols, err := columnsArg(args)
	if err != nil {
		return scanPart{}, err
	}
	conds := make([]string, len(cols))
	for i, c := range quoteCols(cols) {
		conds[i] = "c." + c + " IS NULL"
	}
	return scanPart{cond: strings.Join(conds, " OR "), notNull: cols}, nil
}
