package check

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Assert is a custom test: a SELECT that returns the failing rows.
//
//   - assert: "SELECT * FROM marts.completion WHERE completion_rate < 0"
//     name: completion_not_negative
type Assert struct{}

func (Assert) Name() string { return "assert" }

func (Assert) Compile(table string, args *yaml.Node) (string, string, error) {
	if args == nil || args.Kind != yaml.ScalarNode || strings.TrimSpace(args.Value) == "" {
		return "", "", fmt.Errorf("give the SELECT that returns failing rows as a string")
	}
	q := strings.TrimSpace(args.Value)
	q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	if !strings.HasPrefix(strings.ToUpper(q), "SELECT") && !strings.HasPrefix(strings.ToUpper(q), "WITH") {
		return "", "", fmt.Errorf("the assertion must be a SELECT (or WITH ... SELECT) returning the failing rows")
	}
	label := q
	if len([]rune(label)) > 60 {
		label = string([]rune(label)[:57]) + "..."
	}
	return q, "assert(" + strings.Join(strings.Fields(label), " ") + ")", nil
}
