package check

import (
	"context"
	"fmt"
	"strings"

	"jixiao/pipeline/warehouse"
)

// A unique key of strings or of several columns is first checked on a
// 64-bit hash of the key, DuckDB's hash(), which its own GROUP BY uses:
// rows with the same key have the same hash, so when no hash repeats no key
// does, and the test passes. The hashes are sorted and each compared with
// the one before: sorting 64-bit numbers costs less than grouping strings
// or several columns, and less than grouping the hashes too. At scale 100,
// CPU time of each query, alternating (load 5-10): the roster's person_key
// (6.8M strings of 20 characters, as keys were before they became
// numbers) 0.84-0.94 s, against 1.27-1.35 s for
// count(DISTINCT hash(key)) and 1.8-2.0 s for the test's own GROUP BY;
// stg_service_firsts' key of four columns (5.4M rows) 0.69-0.73 s, against
// 0.9-1.2 s and 1.15-1.25 s. Only when a hash repeats (the key does, or two
// keys share a hash) does the test's own query run, to count the failing
// keys and show them.
//
// The proof needs equal keys to hash alike, which holds for the column
// types in hashableTypes as DuckDB groups them (-0.0 and 0.0, NaNs and
// NULLs included), but not for a column with a collation (NOCASE groups
// 'A' with 'a', which hash apart): a key column of a table whose
// definition names a collation, of a view (whose columns' collations
// nothing shows), or a warehouse with a default collation, runs the test's
// own query. So does every key on PostgreSQL, whose hashes are another
// matter.

// hashableTypes are the DuckDB column types (as information_schema names
// them, in lower case) whose values hash alike when GROUP BY groups them.
var hashableTypes = map[string]bool{
	"varchar": true, "boolean": true, "date": true, "time": true, "timestamp": true,
	"timestamp with time zone": true, "uuid": true, "blob": true,
	"double": true, "float": true,
}

// hashable reports whether a key column of the type can be proved unique
// by its hash.
func hashable(typ string) bool {
	return hashableTypes[typ] || integerTypes[typ] || strings.HasPrefix(typ, "decimal(")
}

// hashedKeyQuery counts the rows of table whose key's hash equals the
// hash before it in order: 0 proves that no key repeats.
func hashedKeyQuery(table string, key []string) string {
	cols := make([]string, len(key))
	for i, k := range quoteCols(key) {
		cols[i] = "c." + k
	}
	return fmt.Sprintf("SELECT count(*) FROM (SELECT h, lag(h) OVER (ORDER BY h) AS p FROM (SELECT hash(%s) AS h FROM %s AS c) AS hashed) AS sorted WHERE h = p", strings.Join(cols, ", "), table)
}

// hashedMinRows is the size, in rows as DuckDB estimates them, from which
// a table's key is worth a proof: below it the test's own GROUP BY costs
// little more than the queries that would find it needless (at scale 1,
// where no table of a unique key reaches it, they added 0.03-0.05 s of
// CPU to jixiao test's 0.6 s).
var hashedMinRows int64 = 100_000

// hashedKeyProved reports whether hashedKeyQuery proves the key of
// schema.name (read as table) unique; types are its columns' types (nil:
// looked up), sizes the run's tableSizes.
func hashedKeyProved(ctx context.Context, w *warehouse.Warehouse, table, schema, name string, key []string, types map[string]string, sizes *tableSizes) bool {
	// A table large enough, whose definition names no collation, in a
	// warehouse without a default one.
	if w.Kind() != warehouse.KindDuckDB || !sizes.hashProofFits(schema+"."+name) {
		return false
	}
	var err error
	if types == nil {
		if types, err = columnTypes(ctx, w, schema, name); err != nil {
			return false
		}
	}
	for _, k := range key {
		if !hashable(types[strings.ToLower(k)]) {
			return false
		}
	}
	var repeats int64
	if err := w.QueryRow(ctx, hashedKeyQuery(table, key), nil, &repeats); err != nil {
		return false
	}
	return repeats == 0
}
