// Package check runs the data tests declared in model headers. Each test
// kind is one file that compiles its arguments into a query returning the
// failing rows; a test passes when that query returns none.
package check

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Kind is one kind of data test.
type Kind interface {
	Name() string
	// Compile checks the arguments and returns the query of failing rows
	// for a model's table, and a short label such as "not_null(unit_code)".
	Compile(table string, args *yaml.Node) (query, label string, err error)
}

// Registry holds the test kinds by name.
type Registry struct{ kinds map[string]Kind }

// NewRegistry returns a registry of the given kinds.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		r.kinds[k.Name()] = k
	}
	return r
}

// Default has every test kind jixiao ships.
func Default() *Registry {
	return NewRegistry(NotNull{}, Unique{}, AcceptedValues{}, Relationships{}, Assert{})
}

// Names lists the kinds, sorted.
func (r *Registry) Names() []string {
	var out []string
	for n := range r.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Test is a compiled data test of one model.
type Test struct {
	Model    string // schema.name
	Name     string
	Kind     string
	Severity string
	Query    string
	Pos      diag.Pos
	// Refs are the tables the test reads besides its model (relationships).
	Refs []string
	// table is what the test reads as its model: the quoted table, or a
	// subquery of its changed partitions (see Restrict).
	table string
	args  *yaml.Node
	// scan, for kinds that judge rows one by one (not_null,
	// accepted_values, relationships), lets the model's tests share one
	// scan of it; a unique test's key, for OnChangedPartitions; nil for
	// the rest.
	scan *scanPart
	// changedKey, for a unique test of a build's changed partitions, lets
	// newKeysApart prove it passes without its own query.
	changedKey *changedKey
	// guaranteed, for a unique test its model's SQL guarantees on a whole
	// build, is the note its passing result carries (see GuaranteedBySQL).
	guaranteed string
	// rowsMatch, for an assert of the repeated values in the table
	// (schema.table) its model, built whole, keeps one row of each (see
	// dedupe), passes it when the two have as many rows.
	rowsMatch string
}

// Compile turns every declared test of the models into runnable tests and
// reports each bad declaration at its line.
func (r *Registry) Compile(models []*project.Model) ([]Test, diag.List) {
	var diags diag.List
	var tests []Test
	for _, m := range models {
		table := warehouse.QuoteTable(m.Schema, m.Name)
		for _, d := range m.Header.Tests {
			k := r.kinds[d.Kind]
			if k == nil {
				diags.Errorf(d.Pos, "unknown test kind %q (known kinds: %s)", d.Kind, strings.Join(r.Names(), ", "))
				continue
			}
			q, label, err := k.Compile(table, d.Args)
			if err != nil {
				diags.Errorf(d.Pos, "test %s: %v", d.Kind, err)
				continue
			}
			name := d.Name
			if name == "" {
				name = label
			}
			t := Test{Model: m.ID(), Name: name, Kind: d.Kind, Severity: d.Severity, Query: q, Pos: d.Pos, table: table, args: d.Args}
			if rel, ok := k.(Relationships); ok {
				if to, err := rel.target(d.Args); err == nil {
					t.Refs = append(t.Refs, to)
				}
			}
			if sc, ok := k.(scanner); ok {
				if part, err := sc.scanPart(d.Args); err == nil {
					t.scan = &part
				}
			}
			tests = append(tests, t)
		}
		if m.Header.Materialized == project.MaterializeIncremental {
			tests = append(tests, partitionsTest(m))
		}
	}
	return tests, diags
}

// Outcome statuses of a test.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusWarn  = "warn"
	StatusError = "error"
)

// Result is one test's outcome.
type Result struct {
	Test     Test
	Status   string
	Failures int64
	// Sample shows a few failing rows, as text; for a test passed without
	// a query, why it passed (GuaranteedNote).
	Sample string
	Err    error
}

// SampleRows is how many failing rows a result shows.
const SampleRows = 5

// Run runs the tests and records each result under runID. Tests of one
// model that judge its rows one by one (not_null, accepted_values,
// relationships) are counted together in one scan of it; each keeps its
// own result, failures and sample, but for those DuckDB's column statistics
// settle first (see proveByStats). A unique test groups the rows by its key
// in a query of its own (see planScans), run only when a cheaper query does
// not prove it passes (see noRepeats), or not at all where the model's SQL
// guarantees the key (see GuaranteedBySQL); so does an assert that lists a
// table's repeated values (see assertNoRepeats, and rowsMatchProved where
// the model keeps one row of each).
func Run(ctx context.Context, w *warehouse.Warehouse, tests []Test, runID string, onDone func(Result, int, int)) []Result {
	out := make([]Result, 0, len(tests))
	var recs []warehouse.TestResultRecord
	sizes := readTableSizes(ctx, w)
	probed := probeRelationships(ctx, w, tests, sizes)
	byStats := proveByStats(ctx, w, tests, sizes, probed)
	settled := make(map[int]bool, len(probed)+len(byStats))
	for i := range probed {
		settled[i] = true
	}
	for i := range byStats {
		settled[i] = true
	}
	scans := planScans(tests, w.Kind(), settled)
	for i, t := range tests {
		var res Result
		v, statsSettled := byStats[i]
		if t.guaranteed != "" {
			res = Result{Test: t, Status: StatusPass, Sample: t.guaranteed}
		} else if note, ok := rowsMatchProved(ctx, w, t, sizes); ok {
			res = Result{Test: t, Status: StatusPass, Sample: note}
		} else if probed[i] {
			res = judge(ctx, w, t, 0)
		} else if statsSettled && v.note != "" {
			res = Result{Test: t, Status: StatusPass, Sample: v.note}
		} else if statsSettled {
			res = countByValue(ctx, w, t, v.byValue)
		} else if n, ok := scans.failures(ctx, w, tests, i); ok {
			res = judge(ctx, w, t, n)
		} else if noRepeats(ctx, w, t, sizes) || newKeysApart(ctx, w, t) || assertNoRepeats(ctx, w, t, sizes) {
			res = judge(ctx, w, t, 0)
		} else {
			res = runOne(ctx, w, t)
		}
		if runID != "" {
			rec := warehouse.TestResultRecord{RunID: runID, Model: t.Model, TestName: t.Name, Kind: t.Kind, Severity: t.Severity,
				Status: res.Status, Failures: res.Failures, Sample: res.Sample, RanAt: time.Now()}
			if res.Err != nil {
				rec.Error = res.Err.Error()
			}
			recs = append(recs, rec)
		}
		out = append(out, res)
		if onDone != nil {
			onDone(res, i+1, len(tests))
		}
	}
	// The results are written together, in one transaction (a run killed
	// before leaves none, and the next run tests again what it built).
	if len(recs) > 0 {
		if err := w.RecordTestResults(ctx, recs); err != nil {
			for i := range out {
				if out[i].Err == nil {
					out[i].Err = fmt.Errorf("record result: %w", err)
				}
			}
		}
	}
	return out
}

// countByValue judges t by its count of failing rows from query; where
// that cannot run, t runs as written, to report its own error.
func countByValue(ctx context.Context, w *warehouse.Warehouse, t Test, query string) Result {
	var n int64
	if err := w.QueryRow(ctx, query, nil, &n); err != nil {
		return runOne(ctx, w, t)
	}
	return judge(ctx, w, t, n)
}

func runOne(ctx context.Context, w *warehouse.Warehouse, t Test) Result {
	n, err := w.CountRows(ctx, t.Query)
	if err != nil {
		return Result{Test: t, Status: StatusError,
			Err: fmt.Errorf("%s: test %s of %s could not run: %s", t.Pos, t.Name, t.Model, warehouse.FirstLine(err))}
	}
	return judge(ctx, w, t, n)
}

// judge makes a test's result from its count of failing rows, with a
// sample of them when there are any.
func judge(ctx context.Context, w *warehouse.Warehouse, t Test, failures int64) Result {
	res := Result{Test: t, Failures: failures}
	if res.Failures == 0 {
		res.Status = StatusPass
		return res
	}
	res.Status = StatusFail
	if t.Severity == project.SeverityWarn {
		res.Status = StatusWarn
	}
	if sample, err := w.Query(ctx, "SELECT * FROM ("+t.Query+"\n) AS failing LIMIT "+fmt.Sprint(SampleRows), 0); err == nil {
		res.Sample = FormatSample(sample)
	}
	return res
}

// FormatSample renders failing rows as "col=value, col=value" lines.
func FormatSample(r *warehouse.Result) string {
	var b strings.Builder
	for i, row := range r.Rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s=%s", r.Columns[j], warehouse.FormatTyped(v, r.Type(j)))
		}
	}
	return b.String()
}

// columnsArg reads a column name or a list of them.
func columnsArg(args *yaml.Node) ([]string, error) {
	switch {
	case args == nil:
		return nil, fmt.Errorf("name the column(s)")
	case args.Kind == yaml.ScalarNode && args.Value != "":
		return []string{args.Value}, nil
	case args.Kind == yaml.SequenceNode && len(args.Content) > 0:
		var cols []string
		for _, c := range args.Content {
			if c.Kind != yaml.ScalarNode || c.Value == "" {
				return nil, fmt.Errorf("line %d: a column name must be a word", c.Line)
			}
			cols = append(cols, c.Value)
		}
		return cols, nil
	}
	return nil, fmt.Errorf("give a column name or a list of them, not %s", describe(args))
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "an empty list"
	}
	return fmt.Sprintf("%q", n.Value)
}

// decodeStrict decodes a mapping argument, rejecting unknown keys.
func decodeStrict(args *yaml.Node, known []string, out any) error {
	if args == nil || args.Kind != yaml.MappingNode {
		return fmt.Errorf("give a mapping with %s", strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(args.Content); i += 2 {
		k := args.Content[i].Value
		ok := false
		for _, n := range known {
			ok = ok || n == k
		}
		if !ok {
			return fmt.Errorf("line %d: unknown setting %q (known: %s)", args.Content[i].Line, k, strings.Join(known, ", "))
		}
	}
	return args.Decode(out)
}

func quoteCols(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = warehouse.QuoteIdent(c)
	}
	return out
}
