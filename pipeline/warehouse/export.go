package warehouse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// An export of every table (jixiao export --all) writes each one as a
// folder of Parquet files in Hive's layout, the one Spark, Trino, Hive,
// Doris and StarRocks read as an external table: a folder per partition
// value (city=371000/month=2017-09-01/data_0.parquet), the partition
// columns in the folder names and not in the files.

// ExportColumn is a column of an exported table as the files hold it.
type ExportColumn struct {
	Name string `json:"name"`
	// Type is DuckDB's type of the column as written (a few types other
	// engines do not read are written as others, see exportType).
	Type string `json:"type"`
	// HiveType is the column's type in Spark SQL and Hive DDL.
	HiveType string `json:"hive_type"`
	// Label is the column's Chinese name where the model documents one.
	Label string `json:"label,omitempty"`
	// Partition is true for a column held in the folder names.
	Partition bool `json:"partition,omitempty"`
}

// PartitionValue is a partition column every row of an export has the
// same value of (the city's code), added to the table as it is written.
type PartitionValue struct{ Name, Value string }

// HiveExport is what ExportHive wrote.
type HiveExport struct {
	Columns     []ExportColumn
	PartitionBy []string
	Rows        int64
}

// ExportHive writes schema.name into dir, a folder that must not exist yet
// (its parent must), partitioned by the fixed values, then by those of the
// columns in by that the table has. A table with no rows is written as one
// empty file under the fixed partition, so that its folder and schema are
// there for a reader. DuckDB must be allowed to write dir (Options.WriteDirs).
//
// On PostgreSQL the same COPY runs on an in-memory DuckDB fed with the
// table's rows (exportFromPostgres), so both warehouses write the same
// layout with the same Parquet options.
func (w *Warehouse) ExportHive(ctx context.Context, schema, name, dir string, fixed []PartitionValue, by []string) (*HiveExport, error) {
	var out *HiveExport
	err := w.withExportSource(ctx, schema, name, func(src *exportSource) error {
		var err error
		out, err = writeHive(ctx, src, schema, name, dir, fixed, by)
		return err
	})
	return out, err
}

// exportSource is where an export's COPY runs and what it reads: the
// DuckDB warehouse and its table, or on PostgreSQL an in-memory DuckDB and
// a view of the table's rows.
type exportSource struct {
	// cols are the table's columns as the rows are given to DuckDB.
	cols []Column
	// exec runs a statement on the DuckDB that writes, and says how many
	// rows it wrote.
	exec func(ctx context.Context, stmt string) (int64, error)
	// from names a relation of the table's rows, for one statement: on
	// PostgreSQL each call reads the table anew.
	from func(ctx context.Context) (string, error)
}

// withExportSource calls fn with the table's export source.
func (w *Warehouse) withExportSource(ctx context.Context, schema, name string, fn func(*exportSource) error) error {
	if w.pg != nil {
		return w.exportFromPostgres(ctx, schema, name, fn)
	}
	cols, err := w.Columns(ctx, schema, name)
	if err != nil {
		return err
	}
	return fn(&exportSource{
		cols: cols,
		exec: func(ctx context.Context, stmt string) (int64, error) {
			res, err := w.db.ExecContext(ctx, stmt)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		from: func(context.Context) (string, error) { return QuoteTable(schema, name), nil },
	})
}

// writeHive is ExportHive's COPY, on either warehouse.
func writeHive(ctx context.Context, src *exportSource, schema, name, dir string, fixed []PartitionValue, by []string) (*HiveExport, error) {
	cols := src.cols
	has := map[string]Column{}
	for _, c := range cols {
		has[c.Name] = c
	}
	out := &HiveExport{}
	var selects, fixedParts []string
	for _, f := range fixed {
		if _, clash := has[f.Name]; clash {
			return nil, fmt.Errorf("export %s.%s: the table has a column %q, which the export adds as a partition", schema, name, f.Name)
		}
		out.PartitionBy = append(out.PartitionBy, f.Name)
		fixedParts = append(fixedParts, f.Name+"="+f.Value)
	}
	partition := map[string]bool{}
	for _, p := range by {
		c, ok := has[p]
		if !ok || partition[p] {
			continue
		}
		if _, hive := exportType(c.Type); strings.HasPrefix(hive, "ARRAY") {
			return nil, fmt.Errorf("export %s.%s: column %s (%s) cannot partition a table: a partition holds one plain value", schema, name, p, c.Type)
		}
		partition[p] = true
		out.PartitionBy = append(out.PartitionBy, p)
	}
	var data, parts []ExportColumn
	for _, c := range cols {
		typ, hive := exportType(c.Type)
		expr := QuoteIdent(c.Name)
		if typ != c.Type {
			expr = "CAST(" + expr + " AS " + typ + ") AS " + QuoteIdent(c.Name)
		}
		selects = append(selects, expr)
		ec := ExportColumn{Name: c.Name, Type: typ, HiveType: hive, Partition: partition[c.Name]}
		if ec.Partition {
			parts = append(parts, ec)
		} else {
			data = append(data, ec)
		}
	}
	for _, f := range fixed {
		selects = append(selects, QuoteString(f.Value)+" AS "+QuoteIdent(f.Name))
	}
	// Partition columns come last, in partition order, as Hive DDL lists them.
	out.Columns = data
	for _, f := range fixed {
		out.Columns = append(out.Columns, ExportColumn{Name: f.Name, Type: "VARCHAR", HiveType: "STRING", Partition: true})
	}
	for _, p := range out.PartitionBy[len(fixed):] {
		for _, c := range parts {
			if c.Name == p {
				out.Columns = append(out.Columns, c)
			}
		}
	}
	selectFrom := func() (string, error) {
		from, err := src.from(ctx)
		return "SELECT " + strings.Join(selects, ", ") + " FROM " + from, err
	}
	query, err := selectFrom()
	if err != nil {
		return nil, fmt.Errorf("export %s.%s: %w", schema, name, err)
	}
	quoted := make([]string, len(out.PartitionBy))
	for i, p := range out.PartitionBy {
		quoted[i] = QuoteIdent(p)
	}
	out.Rows, err = src.exec(ctx, "COPY ("+query+") TO "+QuoteString(dir)+
		" (FORMAT parquet, PARTITION_BY ("+strings.Join(quoted, ", ")+"), FILENAME_PATTERN 'data_{i}')")
	if err != nil {
		return nil, fmt.Errorf("export %s.%s: %w", schema, name, Explain(err))
	}
	if out.Rows == 0 {
		// DuckDB writes no file for no rows: write one, without the
		// partition columns, under the fixed partition.
		empty := filepath.Join(append([]string{dir}, fixedParts...)...)
		if err := os.MkdirAll(empty, 0o755); err != nil {
			return nil, fmt.Errorf("export %s.%s: %w", schema, name, err)
		}
		names := make([]string, len(data))
		for i, c := range data {
			names[i] = QuoteIdent(c.Name)
		}
		if query, err = selectFrom(); err != nil {
			return nil, fmt.Errorf("export %s.%s: %w", schema, name, err)
		}
		if _, err := src.exec(ctx, "COPY (SELECT "+strings.Join(names, ", ")+" FROM ("+query+") LIMIT 0) TO "+
			QuoteString(filepath.Join(empty, "data_0.parquet"))+" (FORMAT parquet)"); err != nil {
			return nil, fmt.Errorf("export %s.%s: %w", schema, name, Explain(err))
		}
	}
	return out, nil
}

// exportType is the type a column of DuckDB type t is written as, and its
// Spark/Hive type. Types that Parquet readers of other engines do not read
// (unsigned and 128-bit integers, intervals, times, UUIDs, unions, nested
// structs and maps) are written as the nearest type they do, or as text.
func exportType(t string) (duck, hive string) {
	if inner, ok := strings.CutSuffix(t, "[]"); ok {
		d, h := exportType(inner)
		return d + "[]", "ARRAY<" + h + ">"
	}
	if m := fixedArray.FindStringSubmatch(t); m != nil {
		d, h := exportType(m[1])
		return d + "[]", "ARRAY<" + h + ">"
	}
	switch t {
	case "BOOLEAN":
		return t, "BOOLEAN"
	case "TINYINT", "SMALLINT", "BIGINT":
		return t, t
	case "INTEGER":
		return t, "INT"
	case "UTINYINT":
		return "SMALLINT", "SMALLINT"
	case "USMALLINT":
		return "INTEGER", "INT"
	case "UINTEGER", "HUGEINT", "UHUGEINT", "UBIGINT":
		// Counts summed by DuckDB come as HUGEINT; a value beyond BIGINT
		// fails the export rather than losing digits.
		return "BIGINT", "BIGINT"
	case "FLOAT":
		return t, "FLOAT"
	case "DOUBLE":
		return t, "DOUBLE"
	case "VARCHAR":
		return t, "STRING"
	case "BLOB":
		return t, "BINARY"
	case "DATE":
		return t, "DATE"
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE":
		return t, "TIMESTAMP"
	case "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return "TIMESTAMP", "TIMESTAMP"
	}
	if strings.HasPrefix(t, "DECIMAL(") {
		return t, t
	}
	return "VARCHAR", "STRING"
}

var fixedArray = regexp.MustCompile(`^(.*)\[\d+\]$`)

// Tables lists the tables and views of a schema, by name.
func (w *Warehouse) Tables(ctx context.Context, schema string) ([]string, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name`, w.schema(schema))
	if err != nil {
		return nil, fmt.Errorf("tables of %s: %w", schema, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// LoadIDs lists the loads the rows of schema.name came from, by its lineage
// column: _load_id (a raw table), load_id or load_ids (models that carry
// it); nil when it has none.
func (w *Warehouse) LoadIDs(ctx context.Context, schema, name string) ([]string, error) {
	cols, err := w.Columns(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	var query string
	for _, c := range cols {
		if (c.Name == LoadColumn || c.Name == "load_id") && c.Type == "VARCHAR" {
			query = "SELECT DISTINCT " + QuoteIdent(c.Name) + " FROM " + QuoteTable(schema, name)
		} else if c.Name == "load_ids" && c.Type == "VARCHAR[]" {
			query = "SELECT DISTINCT unnest(load_ids) FROM " + QuoteTable(schema, name)
		}
		if query != "" {
			break
		}
	}
	if query == "" {
		return nil, nil
	}
	rows, err := w.db.QueryContext(ctx, "SELECT id FROM ("+query+") AS t(id) WHERE id IS NOT NULL ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("load ids of %s.%s: %w", schema, name, Explain(err))
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Shapes of personal data in text: a resident ID number (18 characters, a
// plausible date of birth, its last a digit or X) and a mainland mobile
// number, each standing apart from other letters and digits, so that a run
// of digits inside a longer key (a hexadecimal one, or a person_key of 19
// digits cast to text) is not taken for one.
const (
	IDNumberPattern = `(^|[^0-9A-Za-z])[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]([^0-9A-Za-z]|$)`
	MobilePattern   = `(^|[^0-9A-Za-z])1[3-9][0-9]{9}([^0-9A-Za-z]|$)`
)

// PersonalValues counts, for each text column of schema.name, the values
// shaped like an ID number or a mobile phone number; columns without any
// are left out.
func (w *Warehouse) PersonalValues(ctx context.Context, schema, name string) (map[string]int64, error) {
	cols, err := w.Columns(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	var counts []string
	var names []string
	for _, c := range cols {
		if c.Type != "VARCHAR" {
			continue
		}
		q := QuoteIdent(c.Name)
		match := "regexp_matches(%s, %s) OR regexp_matches(%s, %s)"
		if w.pg != nil {
			match = "%s ~ %s OR %s ~ %s" // PostgreSQL's regexp_matches returns the matches, not whether
		}
		counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE "+match+")",
			q, QuoteString(IDNumberPattern), q, QuoteString(MobilePattern)))
		names = append(names, c.Name)
	}
	out := map[string]int64{}
	if len(counts) == 0 {
		return out, nil
	}
	vals := make([]int64, len(counts))
	ptrs := make([]any, len(counts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := w.db.QueryRowContext(ctx, "SELECT "+strings.Join(counts, ", ")+" FROM "+QuoteTable(schema, name)).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("look for personal data in %s.%s: %w", schema, name, Explain(err))
	}
	for i, n := range vals {
		if n > 0 {
			out[names[i]] = n
		}
	}
	return out, nil
}
