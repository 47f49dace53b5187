package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
)

// SelectTree returns DuckDB's parse tree of a query of one SELECT statement
// (json_serialize_sql's "node"), for code that reads a model's SQL: the
// engine's own parser, so no parser of ours can disagree with it. On
// PostgreSQL the in-memory DuckDB parses. An error when DuckDB cannot parse
// or serialise the query, or it is not exactly one statement.
func (w *Warehouse) SelectTree(ctx context.Context, query string) (map[string]any, error) {
	var js string
	if err := w.duck().QueryRowContext(ctx, "SELECT json_serialize_sql("+QuoteString(query)+")::VARCHAR").Scan(&js); err != nil {
		return nil, fmt.Errorf("parse SQL: %w", err)
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorMessage string `json:"error_message"`
		Statements   []struct {
			Node map[string]any `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		return nil, fmt.Errorf("read parse tree: %w", err)
	}
	switch {
	case tree.Error:
		return nil, fmt.Errorf("parse SQL: %s", cleanDuckDBMessage(tree.ErrorMessage))
	case len(tree.Statements) != 1 || tree.Statements[0].Node == nil:
		return nil, fmt.Errorf("parse SQL: %d statements, want one SELECT", len(tree.Statements))
	}
	return tree.Statements[0].Node, nil
}
