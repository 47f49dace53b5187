//go:build !duckdb_arrow

package run

import (
	"testing"

	"jixiao/internal/require"
)

// Without the duckdb_arrow tag this package's tests do not compile, and a
// plain go test would pass having tested nothing: fail loudly instead.
func TestBuildTag(t *testing.T) { require.BuildTag(t) }
