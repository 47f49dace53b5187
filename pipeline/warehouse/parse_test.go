//go:build duckdb_arrow

package warehouse

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// The graph, the asserts' validation, the builds and the tests' shortcuts
// parse the same texts: DuckDB is asked once per text, and what each
// reader gets is what a parse of its own would give.
func TestParsedTreesAreReadOncePerText(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	const model = `WITH recent AS (SELECT * FROM staging.stg_services) SELECT unit_code, count(*) AS n FROM recent JOIN raw.units USING (unit_code) GROUP BY unit_code`
	refs, err := w.TableRefs(ctx, model)
	if err != nil {
		t.Fatal(err)
	}
	want := []TableRef{{Schema: "staging", Name: "stg_services"}, {Schema: "raw", Name: "units"}}
	if len(refs) != len(want) {
		t.Fatalf("refs %+v", refs)
	}
	for i, r := range refs {
		if r.Schema != want[i].Schema || r.Name != want[i].Name {
			t.Errorf("ref %d: %+v, want %+v", i, r, want[i])
		}
	}
	node, err := w.SelectTree(ctx, model)
	if err != nil {
		t.Fatal(err)
	}
	if node["type"] != "SELECT_NODE" {
		t.Errorf("node type %v", node["type"])
	}
	again, err := w.SelectTree(ctx, model)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(node).Pointer() != reflect.ValueOf(again).Pointer() {
		t.Error("the second reader parsed the text again")
	}
	n := 0
	w.trees.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("%d trees kept for one text", n)
	}

	// A text DuckDB cannot parse gives its error to every reader.
	for i := 0; i < 2; i++ {
		if _, err := w.SelectTree(ctx, "SELECT FROM WHERE"); err == nil {
			t.Fatal("a syntax error parsed")
		}
		var pe *ParseError
		if _, err := w.TableRefs(ctx, "SELECT FROM WHERE"); err == nil || !errors.As(err, &pe) {
			t.Fatalf("TableRefs of a syntax error: %v", err)
		}
	}
	if _, err := w.SelectTree(ctx, "SELECT 1; SELECT 2"); err == nil {
		t.Error("two statements gave one tree")
	}
}
