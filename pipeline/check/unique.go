package check

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Unique fails on each combination of the columns that occurs more than once.
//
//   - unique: [indicator_id, unit_code, month]
type Unique struct{}

func (Unique) Name() string { return "unique" }

func (Unique) Compile(table string, args *yaml.Node) (string, string, error) {
	cols, err := columnsArg(args)
	if err != nil {
		return "", "", err
	}
	list := strings.Join(quoteCols(cols), ", ")
	// The alias lets table be a subquery (a build's changed partitions), as PostgreSQL requires.
	return fmt.Sprintf("SELECT %s, count(*) AS occurrences FROM %s AS checked GROUP BY %s HAVING count(*) > 1", list, table, list),
		fmt.Sprintf("unique(%s)", strings.Join(cols, ", ")), nil
}

func (Unique) scanPart(args *yaml.Node) (scanPart, error) {
	cols, err := columnsArg(args)
	return scanPart{key: cols}, err
}
