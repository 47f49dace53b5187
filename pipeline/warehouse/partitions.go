package warehouse

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A partitioned model's rows fall into partitions by one column, a month,
// which the tables it reads carry too, beside the load id of each row
// (load_id, or a raw table's _load_id). The warehouse records, with each
// build, how many rows of each load and partition every input held
// (meta.partition_inputs); the next build compares that with the inputs as
// they are, and the partitions of the rows whose loads are new, gone or
// changed in size are the partitions that changed. An incremental model
// then deletes and rebuilds those partitions only, in one transaction with
// the record; a view with a partition column is rebuilt whole (it costs
// nothing) but says which partitions changed, for its data tests.

// PartitionedRequest builds a partitioned model.
type PartitionedRequest struct {
	BuildRequest
	// Model is schema.name; SQLHash the model file's hash: what was recorded
	// of the inputs belongs to the builds of that SQL alone.
	Model   string
	SQLHash string
	// Column is the partition column, of the model and of its inputs.
	Column string
	// FromFirstChanged rebuilds every partition from the first changed one
	// on (rows that accumulate over the months).
	FromFirstChanged bool
	// Inputs are the tables and views the model reads (schema.name);
	// Changed those that changed since its last build, nil when that is not
	// known. An input without the partition column or a load id that
	// changed makes the build a full one.
	Inputs  []string
	Changed []string
	// Full rebuilds every partition (a full refresh).
	Full bool
	// ModelInputs are those of the inputs that are incremental models
	// partitioned by the same column: they carry no load id, and each of
	// their partitions is told apart by the build that last wrote it
	// (meta.partition_rows), as a raw table's rows are by their load, with
	// nothing scanned.
	ModelInputs []string
	// Counts, when set, is shared by the builds of one transform stage:
	// each input is counted by load and partition once (see InputCounts).
	Counts *InputCounts
	// FirstSeen is the key of a model that holds each key's first month: a
	// rebuild from the first changed month on reads only the inputs' rows
	// of those months (each reference to an input in the SQL is read as
	// its rows from that month on) and adds the keys the model does not
	// hold from before. It implies FromFirstChanged.
	FirstSeen []string
}

// PartitionBuild is what a partitioned build did.
type PartitionBuild struct {
	// Rows is the table's row count (-1 for a view).
	Rows int64
	// Full is true when every partition was built, Reason says why.
	Full   bool
	Reason string
	// Parts are the partitions whose inputs changed (as text, sorted);
	// From, with FromFirstChanged, the first of them: every partition from
	// it on was rebuilt.
	Parts []string
	From  string
	// Filter picks the rebuilt partitions out of the model's rows, as a SQL
	// condition on its columns; empty when Full or nothing changed.
	Filter string
}

// Unchanged reports whether nothing was rebuilt: no input row changed.
func (b *PartitionBuild) Unchanged() bool { return !b.Full && len(b.Parts) == 0 }

// nullPart stands for the partition of rows whose partition column is NULL.
const nullPart = "\x00NULL"

// inputState is what one input held, by load and partition: rows[load][part].
type inputState map[string]map[string]int64

// BuildPartitioned builds a partitioned model: an incremental table
// rebuilds the partitions whose inputs changed, or all of them when it
// must; a view is replaced. Either way the inputs are recorded as they
// are, in the same transaction as the model.
func (w *Warehouse) BuildPartitioned(ctx context.Context, req PartitionedRequest) (*PartitionBuild, error) {
	target := QuoteTable(req.Schema, req.Name)
	if err := w.RequireSelect(ctx, req.SQL); err != nil {
		return nil, err
	}
	w.UseSchema(req.Schema)
	existing, err := w.existing(ctx, req.BuildRequest)
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", req.Model, err)
	}
	// PostgreSQL inserts by position: the rebuilt partitions' rows name
	// the table's columns (DuckDB inserts BY NAME).
	var names []string
	if w.pg != nil && existing == "table" {
		cols, err := w.Columns(ctx, req.Schema, req.Name)
		if err != nil {
			return nil, err
		}
		for _, c := range cols {
			names = append(names, QuoteIdent(c.Name))
		}
	}
	fresh := freshName(req.Name) // on PostgreSQL, what a view is built under
	inputs := req.Inputs
	if req.View {
		inputs = []string{req.Model} // a view's rows are its own input's
	}
	var refs []TableRef
	if len(req.FirstSeen) > 0 {
		req.FromFirstChanged = true
		if refs, err = w.TableRefs(ctx, req.SQL); err != nil {
			return nil, err
		}
	}
	out := &PartitionBuild{Rows: -1}
	// The partitions this build writes are stamped with it: a model that
	// reads this one tells them changed by the stamp (ModelInputs). Random
	// bits beside the clock keep two builds apart on a clock set back.
	var salt [6]byte
	_, _ = rand.Read(salt[:])
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + hex.EncodeToString(salt[:])
	err = w.withTx(ctx, func(tx txConn) error {
		exec := func(q string, args ...any) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}
		if err := exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(req.Schema)); err != nil {
			return err
		}
		switch {
		case req.View && w.pg != nil:
			if err := exec("CREATE VIEW " + QuoteTable(req.Schema, fresh) + " AS\n" + req.SQL + "\n"); err != nil {
				return err
			}
			if err := swapInPostgres(ctx, tx, w.schema(req.Schema), req.Name, fresh, existing, "view"); err != nil {
				return err
			}
		case req.View:
			if existing == "table" {
				if err := exec("DROP TABLE " + target); err != nil {
					return err
				}
			}
			if err := exec("CREATE OR REPLACE VIEW " + target + " AS\n" + req.SQL + "\n"); err != nil {
				return err
			}
		}
		plan, err := w.planPartitions(ctx, tx, req, inputs, existing)
		if err != nil {
			return err
		}
		out.Full, out.Reason, out.Parts = plan.full, plan.reason, plan.parts
		var pick *partitionPick
		if !out.Full && len(out.Parts) > 0 {
			typ, err := w.columnType(ctx, tx, req.Schema, req.Name, req.Column)
			if err != nil {
				return err
			}
			if pick, err = pickPartitions(ctx, tx, typ, out.Parts, req.FromFirstChanged); err != nil {
				return err
			}
			if pick == nil {
				out.Full, out.Reason = true, "a partition whose column is NULL changed"
			} else {
				out.Filter, out.From = pick.on(QuoteIdent(req.Column)), pick.from
			}
		}
		switch {
		case req.View:
		case out.Full:
			if err := w.replaceTable(ctx, tx, req.BuildRequest, existing); err != nil {
				return err
			}
			if err := exec(`DELETE FROM meta.partition_rows WHERE model = ?`, req.Model); err != nil {
				return err
			}
			if err := exec(`INSERT INTO meta.partition_rows (model, part, rows, version) SELECT ?, `+QuoteIdent(req.Column)+`::VARCHAR, count(*), ? FROM `+target+` GROUP BY 2`, req.Model, stamp); err != nil {
				return fmt.Errorf("partition_by %s: %w", req.Column, err)
			}
		case len(out.Parts) > 0:
			// The rebuilt partitions' rows go, and come again from the
			// model's SQL, filtered to them (DuckDB pushes the filter down
			// to the inputs' rows where the SQL lets it).
			if err := exec("DELETE FROM " + target + " WHERE " + out.Filter); err != nil {
				return err
			}
			into, all := "INSERT INTO "+target+" BY NAME SELECT ", "*"
			if w.pg != nil {
				into, all = "INSERT INTO "+target+" ("+strings.Join(names, ", ")+") SELECT ", strings.Join(names, ", ")
			}
			insert := into + all + " FROM (\n" + req.SQL + "\n) AS jixiao_model WHERE " + out.Filter
			if len(req.FirstSeen) > 0 {
				// The keys first seen from the first changed month on: from
				// the inputs' rows of those months, those the model does not
				// hold from the months before (all that is left of it now).
				from, err := w.fromMonth(ctx, tx, req.SQL, refs, inputs, req.ModelInputs, req.Column, pick.from)
				if err != nil {
					return err
				}
				same := make([]string, len(req.FirstSeen))
				for i, k := range quoteAll(req.FirstSeen) {
					same[i] = w.sameKey("k."+k, "n."+k)
				}
				cols := "n.*"
				if w.pg != nil {
					cols = "n." + strings.Join(names, ", n.")
				}
				// DuckDB is told the anti join: NOT EXISTS, decorrelated into a
				// delim join, joined the keys three times (at scale 100,
				// September's 4.3M keys against 5.3M: the query took 8.7-9.5 s,
				// 4.6-6.4 s as an ANTI JOIN, 3.3 s of it building the keys;
				// load 5). PostgreSQL has no ANTI JOIN and plans NOT EXISTS as one.
				insert = into + cols + " FROM (\n" + from + "\n) AS n ANTI JOIN " + target + " AS k ON " + strings.Join(same, " AND ") +
					" WHERE " + pick.on("n."+QuoteIdent(req.Column))
				if w.pg != nil {
					insert = into + cols + " FROM (\n" + from + "\n) AS n WHERE " + pick.on("n."+QuoteIdent(req.Column)) +
						" AND NOT EXISTS (SELECT 1 FROM " + target + " AS k WHERE " + strings.Join(same, " AND ") + ")"
				}
			}
			if err := exec(insert); err != nil {
				return err
			}
			// The parts were written from values of the column's type: a
			// plain CAST reads them back (PostgreSQL has no TRY_CAST).
			if err := exec(`DELETE FROM meta.partition_rows WHERE model = ? AND `+pick.on(w.dialect("TRY_CAST", "CAST")+"(part AS "+pick.typ+")"), req.Model); err != nil {
				return err
			}
			if err := exec(`INSERT INTO meta.partition_rows (model, part, rows, version) SELECT ?, `+QuoteIdent(req.Column)+`::VARCHAR, count(*), ? FROM `+target+` WHERE `+out.Filter+` GROUP BY 2`, req.Model, stamp); err != nil {
				return err
			}
			if w.pg != nil {
				if err := exec("ANALYZE " + target); err != nil {
					return err
				}
			}
		}
		if !req.View {
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(rows), 0) FROM meta.partition_rows WHERE model = ?`, req.Model).Scan(&out.Rows); err != nil {
				return err
			}
		}
		if err := plan.record(ctx, tx, req); err != nil {
			return err
		}
		return req.recordBuild(ctx, tx, out)
	})
	if err != nil {
		return nil, Explain(err)
	}
	if w.pg != nil {
		// No filter for the data tests on PostgreSQL: they then read the
		// whole model. Tests of the rebuilt partitions alone look up each
		// key of those partitions in the whole table with IS NOT DISTINCT
		// FROM (check.OnChangedPartitions), which PostgreSQL joins only by a
		// nested loop: minutes at scale 1, where reading the whole table
		// takes a second.
		out.Filter = ""
	}
	return out, nil
}

// replaceTable replaces schema.name (a table, a view or nothing yet) with
// the table of req.SQL inside tx: on PostgreSQL built under a new name and
// swapped in (views that read it made again), on DuckDB replaced in place.
func (w *Warehouse) replaceTable(ctx context.Context, tx txConn, req BuildRequest, existing string) error {
	exec := func(q string) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}
	target := QuoteTable(req.Schema, req.Name)
	if w.pg == nil {
		if existing == "view" {
			if err := exec("DROP VIEW " + target); err != nil {
				return err
			}
		}
		return exec("CREATE OR REPLACE TABLE " + target + " AS\n" + req.SQL + "\n")
	}
	fresh := QuoteTable(req.Schema, freshName(req.Name))
	if err := exec("CREATE TABLE " + fresh + " AS\n" + req.SQL + "\n"); err != nil {
		return err
	}
	if err := exec("ANALYZE " + fresh); err != nil {
		return err
	}
	return swapInPostgres(ctx, tx, w.schema(req.Schema), req.Name, freshName(req.Name), existing, "table")
}

// partitionPlan is what changed in a model's inputs, and what to record.
type partitionPlan struct {
	full   bool
	reason string
	parts  []string
	// now is each input's state as the build leaves it; only the loads in
	// redo are written again (all of them when full).
	now  map[string]inputState
	redo map[string][]string
}

// planPartitions compares the inputs with what the last build recorded.
func (w *Warehouse) planPartitions(ctx context.Context, tx txConn, req PartitionedRequest, inputs []string, existing string) (*partitionPlan, error) {
	plan := &partitionPlan{now: map[string]inputState{}, redo: map[string][]string{}}
	recorded, err := recordedInputs(ctx, tx, req.Model, req.SQLHash)
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	for _, c := range req.Changed {
		changed[c] = true
	}
	switch {
	case req.Full:
		plan.full, plan.reason = true, "full refresh"
	case !req.View && existing != "table":
		plan.full, plan.reason = true, "first build"
	case len(recorded) == 0:
		plan.full, plan.reason = true, "no earlier build of this SQL"
	case len(recorded) != len(inputs):
		plan.full, plan.reason = true, "it reads other tables than at its last build"
	}
	for _, in := range inputs {
		if _, ok := recorded[in]; !ok && !plan.full {
			plan.full, plan.reason = true, "it reads other tables than at its last build"
		}
	}
	var parts map[string]bool
	if !plan.full {
		parts = map[string]bool{}
	}
	models := map[string]bool{}
	for _, in := range req.ModelInputs {
		models[in] = true
	}
	for _, in := range inputs {
		var lid string
		ok := models[in]
		if !ok {
			var err error
			if lid, ok, err = w.loadColumn(ctx, tx, in, req.Column); err != nil {
				return nil, err
			}
		}
		if !ok {
			// Nothing to tell partitions by: it must not have changed.
			plan.now[in] = inputState{}
			if !plan.full && (req.Changed == nil || changed[in]) {
				plan.full, plan.reason = true, in+" changed, and has no "+req.Column+" and load id to tell its changed partitions by"
			}
			continue
		}
		if !plan.full && req.Changed != nil && !changed[in] && !req.View {
			plan.now[in] = recorded[in]
			continue
		}
		if models[in] {
			// A model's partitions, by the build that wrote each, are read
			// from meta whole: those that differ from the record changed.
			built, err := partitionVersions(ctx, tx, in)
			if err != nil {
				return nil, err
			}
			plan.now[in] = built
			if !plan.full {
				if differ := versionsDiffer(recorded[in], built, parts); len(differ) > 0 {
					plan.redo[in] = differ
				}
			}
			continue
		}
		if plan.full {
			st, err := req.Counts.scan(ctx, tx, in, lid, req.Column, nil)
			if err != nil {
				return nil, err
			}
			plan.now[in] = st
			continue
		}
		// The rows of each load now, against the rows recorded: the loads
		// that differ are read by partition.
		totals, err := req.Counts.totals(ctx, tx, in, lid)
		if err != nil {
			return nil, err
		}
		was := recorded[in]
		var differ []string
		for id, n := range totals {
			if sum(was[id]) != n {
				differ = append(differ, id)
			}
		}
		for id := range was {
			if _, ok := totals[id]; !ok {
				differ = append(differ, id)
			}
		}
		st := inputState{}
		for id, byPart := range was {
			st[id] = byPart
		}
		if len(differ) > 0 {
			fresh, err := req.Counts.scan(ctx, tx, in, lid, req.Column, differ)
			if err != nil {
				return nil, err
			}
			for _, id := range differ {
				for p := range was[id] {
					parts[p] = true
				}
				for p := range fresh[id] {
					parts[p] = true
				}
				if fresh[id] == nil {
					delete(st, id)
				} else {
					st[id] = fresh[id]
				}
			}
			plan.redo[in] = differ
		}
		plan.now[in] = st
	}
	for p := range parts {
		plan.parts = append(plan.parts, p)
	}
	sort.Strings(plan.parts)
	return plan, nil
}

// record writes the inputs' state as this build leaves it.
func (p *partitionPlan) record(ctx context.Context, tx txConn, req PartitionedRequest) error {
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	var rows [][]any
	add := func(in, id string, st map[string]int64) {
		for part, n := range st {
			var pv any = part
			if part == nullPart {
				pv = nil
			}
			rows = append(rows, []any{req.Model, req.SQLHash, in, id, pv, n})
		}
	}
	if p.full {
		if err := exec(`DELETE FROM meta.partition_inputs WHERE model = ?`, req.Model); err != nil {
			return err
		}
		for in, st := range p.now {
			// An input with nothing to record still says it is read.
			rows = append(rows, []any{req.Model, req.SQLHash, in, nil, nil, int64(0)})
			for id, byPart := range st {
				add(in, id, byPart)
			}
		}
		return insertRows(ctx, tx, "meta.partition_inputs", rows)
	}
	for in, ids := range p.redo {
		quoted := make([]string, len(ids))
		for i, id := range ids {
			quoted[i] = QuoteString(id)
		}
		if err := exec(`DELETE FROM meta.partition_inputs WHERE model = ? AND input = ? AND load_id IN (`+strings.Join(quoted, ", ")+`)`, req.Model, in); err != nil {
			return err
		}
		for _, id := range ids {
			add(in, id, p.now[in][id])
		}
	}
	return insertRows(ctx, tx, "meta.partition_inputs", rows)
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// recordedInputs reads what the last build of this SQL recorded.
func recordedInputs(ctx context.Context, tx txConn, model, hash string) (map[string]inputState, error) {
	rows, err := tx.QueryContext(ctx, `SELECT input, load_id, part, rows FROM meta.partition_inputs WHERE model = ? AND sql_hash = ?`, model, hash)
	if err != nil {
		return nil, fmt.Errorf("read the partitions of %s: %w", model, err)
	}
	defer rows.Close()
	out := map[string]inputState{}
	for rows.Next() {
		var in string
		var id, part sql.NullString
		var n int64
		if err := rows.Scan(&in, &id, &part, &n); err != nil {
			return nil, err
		}
		if out[in] == nil {
			out[in] = inputState{}
		}
		if !id.Valid {
			continue // the input's marker
		}
		p := nullPart
		if part.Valid {
			p = part.String
		}
		if out[in][id.String] == nil {
			out[in][id.String] = map[string]int64{}
		}
		out[in][id.String][p] = n
	}
	return out, rows.Err()
}

// ForgetPartitionInputs makes every incremental model's next build a whole
// one, as after a change of its SQL: a raw table started over with columns
// of other types (person keys of an earlier release) must not have rows of
// the new types added to a model's rows of the old. Every model, not only
// those reading that table: a model reading one of them adds its rebuilt
// partitions to its own table too. Sources load side by side, each in its
// own transaction: this short one runs alone, since two deleting the same
// rows at once conflict.
func (w *Warehouse) ForgetPartitionInputs(ctx context.Context) error {
	w.forget.Lock()
	defer w.forget.Unlock()
	if err := w.Exec(ctx, `DELETE FROM meta.partition_inputs`); err != nil {
		return fmt.Errorf("forget the incremental models' inputs: %w", err)
	}
	return nil
}

// loadColumn finds an input's load id column, and whether it has the
// partition column too.
func (w *Warehouse) loadColumn(ctx context.Context, tx txConn, input, column string) (string, bool, error) {
	schema, name, _ := strings.Cut(input, ".")
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?`, w.schema(schema), name)
	if err != nil {
		return "", false, err
	}
	defer rows.Close()
	has := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", false, err
		}
		has[c] = true
	}
	if err := rows.Err(); err != nil {
		return "", false, err
	}
	if !has[column] {
		return "", false, nil
	}
	for _, c := range []string{"load_id", LoadColumn} {
		if has[c] {
			return c, true, nil
		}
	}
	return "", false, nil
}

func quoteInput(input string) string {
	schema, name, _ := strings.Cut(input, ".")
	return QuoteTable(schema, name)
}

// InputCounts keeps, for one transform stage, what the partitioned builds
// counted of their inputs' rows by load (and partition). An input does not
// change while the stage runs: raw tables are loaded before it, a model is
// built before the models that read it, and a view is counted after it is
// replaced. So the models that read one input count it once: in a month's
// update at scale 100 the services view's 43M rows were counted by load,
// and September's 4.3M by month, by the view and by both models reading it
// (about 0.35 s each time). A nil *InputCounts counts every time.
type InputCounts struct {
	mu    sync.Mutex
	loads map[string]map[string]int64
	parts map[string]inputState
}

// NewInputCounts is an empty InputCounts, for one transform stage.
func NewInputCounts() *InputCounts {
	return &InputCounts{loads: map[string]map[string]int64{}, parts: map[string]inputState{}}
}

// totals is loadTotals, counted once per input.
func (c *InputCounts) totals(ctx context.Context, tx txConn, input, lid string) (map[string]int64, error) {
	if c == nil {
		return loadTotals(ctx, tx, input, lid)
	}
	key := input + "\x00" + lid
	c.mu.Lock()
	got, ok := c.loads[key]
	c.mu.Unlock()
	if !ok {
		var err error
		if got, err = loadTotals(ctx, tx, input, lid); err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.loads[key] = got
		c.mu.Unlock()
	}
	return maps.Clone(got), nil
}

// scan is scanInput, counted once per input and set of loads.
func (c *InputCounts) scan(ctx context.Context, tx txConn, input, lid, column string, loads []string) (inputState, error) {
	if c == nil {
		return scanInput(ctx, tx, input, lid, column, loads)
	}
	key := input + "\x00" + lid + "\x00" + column + "\x00"
	if loads == nil {
		key += "*"
	} else {
		sorted := slices.Sorted(slices.Values(loads))
		key += strings.Join(sorted, "\x00")
	}
	c.mu.Lock()
	got, ok := c.parts[key]
	c.mu.Unlock()
	if !ok {
		var err error
		if got, err = scanInput(ctx, tx, input, lid, column, loads); err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.parts[key] = got
		c.mu.Unlock()
	}
	// A copy: a build keeps what it is given in its plan.
	out := make(inputState, len(got))
	for id, byPart := range got {
		out[id] = maps.Clone(byPart)
	}
	return out, nil
}

// loadTotals counts an input's rows by load: one column read.
func loadTotals(ctx context.Context, tx txConn, input, lid string) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+QuoteIdent(lid)+`::VARCHAR, count(*) FROM `+quoteInput(input)+` GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("count the loads of %s: %w", input, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id sql.NullString
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id.String] += n
	}
	return out, rows.Err()
}

// scanInput counts an input's rows by load and partition, of the loads
// given (all when nil).
func scanInput(ctx context.Context, tx txConn, input, lid, column string, loads []string) (inputState, error) {
	q := `SELECT ` + QuoteIdent(lid) + `::VARCHAR, ` + QuoteIdent(column) + `::VARCHAR, count(*) FROM ` + quoteInput(input)
	if loads != nil {
		quoted := make([]string, len(loads))
		for i, id := range loads {
			quoted[i] = QuoteString(id)
		}
		q += ` WHERE ` + QuoteIdent(lid) + ` IN (` + strings.Join(quoted, ", ") + `)`
	}
	rows, err := tx.QueryContext(ctx, q+` GROUP BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("count the partitions of %s: %w", input, err)
	}
	return readInputState(rows)
}

// readInputState reads rows of (load or build id, partition, rows) into
// an inputState, a NULL partition as nullPart, and closes them.
func readInputState(rows *sql.Rows) (inputState, error) {
	defer rows.Close()
	out := inputState{}
	for rows.Next() {
		var id, part sql.NullString
		var n int64
		if err := rows.Scan(&id, &part, &n); err != nil {
			return nil, err
		}
		p := nullPart
		if part.Valid {
			p = part.String
		}
		if out[id.String] == nil {
			out[id.String] = map[string]int64{}
		}
		out[id.String][p] += n
	}
	return out, rows.Err()
}

// versionsDiffer marks in parts the partitions whose rows differ, by
// build, between was and now, and returns the builds that differ. Unlike a
// load, one build's partitions change apart: a build that rewrote August
// on leaves the earlier build's January to July as they were.
func versionsDiffer(was, now inputState, parts map[string]bool) []string {
	ids := map[string]bool{}
	for _, pair := range [][2]inputState{{was, now}, {now, was}} {
		for id, byPart := range pair[0] {
			for p, n := range byPart {
				if pair[1][id][p] != n {
					parts[p], ids[id] = true, true
				}
			}
		}
	}
	out := make([]string, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// partitionVersions is an incremental model's rows by the build that last
// wrote them (a load id "build:<stamp>") and partition, as its builds
// recorded them: what scanInput counts of a raw table, read from meta.
func partitionVersions(ctx context.Context, tx txConn, model string) (inputState, error) {
	rows, err := tx.QueryContext(ctx, `SELECT 'build:' || coalesce(version, ''), part, rows FROM meta.partition_rows WHERE model = ?`, model)
	if err != nil {
		return nil, fmt.Errorf("read the partitions of %s: %w", model, err)
	}
	return readInputState(rows)
}

func (w *Warehouse) columnType(ctx context.Context, tx txConn, schema, name, column string) (string, error) {
	var typ string
	err := tx.QueryRowContext(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?`,
		w.schema(schema), name, column).Scan(&typ)
	if err == sql.ErrNoRows {
		return "", fmt.Errorf("partition_by %s: %s.%s has no column %s", column, schema, name, column)
	}
	return typ, err
}

// partitionPick is the partitions a build rebuilds: those whose inputs
// changed, or with FromFirstChanged every one from the first of them on.
type partitionPick struct {
	typ    string
	values []string // typed SQL literals
	null   bool
	from   string
}

// pickPartitions types the changed partitions' values as the column is; nil
// when a NULL partition is among them and the rebuild goes from the first
// changed one on (nothing orders NULL).
func pickPartitions(ctx context.Context, tx txConn, typ string, parts []string, fromFirst bool) (*partitionPick, error) {
	p := &partitionPick{typ: typ}
	for _, v := range parts {
		if v == nullPart {
			p.null = true
			continue
		}
		p.values = append(p.values, "CAST("+QuoteString(v)+" AS "+typ+")")
	}
	if !fromFirst {
		return p, nil
	}
	if p.null {
		return nil, nil
	}
	if err := tx.QueryRowContext(ctx, "SELECT min(v)::VARCHAR FROM (VALUES ("+strings.Join(p.values, "), (")+")) t(v)").Scan(&p.from); err != nil {
		return nil, err
	}
	return p, nil
}

// on is the condition that picks the partitions out, on a column (or an
// expression) of their type.
func (p *partitionPick) on(col string) string {
	if p.from != "" {
		return col + " >= CAST(" + QuoteString(p.from) + " AS " + p.typ + ")"
	}
	var conds []string
	if len(p.values) > 0 {
		conds = append(conds, col+" IN ("+strings.Join(p.values, ", ")+")")
	}
	if p.null {
		conds = append(conds, col+" IS NULL")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = QuoteIdent(n)
	}
	return out
}

// fromMonth rewrites sql so that each reference to one of the inputs that
// carry the partition column reads that input's rows from the month on:
// the reference, found where DuckDB's parser says it is, becomes a
// subquery (an alias after it still applies).
func (w *Warehouse) fromMonth(ctx context.Context, tx txConn, sql string, refs []TableRef, inputs, models []string, column, month string) (string, error) {
	qualifies := map[string]string{} // input -> the type of its partition column
	for _, in := range inputs {
		ok := slices.Contains(models, in)
		if !ok {
			var err error
			if _, ok, err = w.loadColumn(ctx, tx, in, column); err != nil {
				return "", err
			}
		}
		if ok {
			schema, name, _ := strings.Cut(in, ".")
			typ, err := w.columnType(ctx, tx, schema, name, column)
			if err != nil {
				return "", err
			}
			qualifies[strings.ToLower(in)] = typ
		}
	}
	// From the last reference back, so that the offsets before stay right.
	sort.Slice(refs, func(i, j int) bool { return refs[i].Offset > refs[j].Offset })
	for _, r := range refs {
		id := strings.ToLower(r.Schema + "." + r.Name)
		typ, ok := qualifies[id]
		if !ok {
			continue
		}
		n := refSpan(sql, r.Offset)
		if n == 0 || !strings.EqualFold(strings.ReplaceAll(strings.Join(strings.Fields(sql[r.Offset:r.Offset+n]), ""), `"`, ""), r.Schema+"."+r.Name) {
			return "", fmt.Errorf("first_seen: cannot find the reference to %s at offset %d", id, r.Offset)
		}
		sub := "(SELECT * FROM " + QuoteTable(r.Schema, r.Name) + " WHERE " + QuoteIdent(column) + " >= CAST(" + QuoteString(month) + " AS " + typ + "))"
		if !aliasFollows(sql[r.Offset+n:]) {
			// PostgreSQL wants a subquery named; the table's own name keeps
			// columns written as stg_services.x reaching it.
			sub += " AS " + QuoteIdent(r.Name)
		}
		sql = sql[:r.Offset] + sub + sql[r.Offset+n:]
	}
	return sql, nil
}

// notAliases are the words that may follow a table in FROM without being
// its alias.
var notAliases = map[string]bool{
	"WHERE": true, "JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "NATURAL": true,
	"ON": true, "USING": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "OFFSET": true, "UNION": true,
	"EXCEPT": true, "INTERSECT": true, "WINDOW": true, "QUALIFY": true, "FETCH": true, "FOR": true, "TABLESAMPLE": true,
	"POSITIONAL": true, "ASOF": true, "ANTI": true, "SEMI": true, "LATERAL": true, "RETURNING": true,
}

// aliasFollows reports whether the text after a table reference starts
// with its alias (AS x, or a name that is not a clause's keyword).
func aliasFollows(rest string) bool {
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" {
		return false
	}
	if rest[0] == '"' {
		return true
	}
	i := 0
	for i < len(rest) && isIdentPart(rest[i]) {
		i++
	}
	if i == 0 {
		return false // a comma, a bracket, the end of a subquery
	}
	word := strings.ToUpper(rest[:i])
	return word == "AS" || !notAliases[word]
}

// refSpan is the length of the table name written at off: identifiers,
// quoted or not, joined by dots.
func refSpan(sql string, off int) int {
	i := off
	for {
		start := i
		if i < len(sql) && sql[i] == '"' {
			i++
			for i < len(sql) {
				if sql[i] == '"' {
					if i+1 < len(sql) && sql[i+1] == '"' {
						i += 2
						continue
					}
					break
				}
				i++
			}
			if i >= len(sql) {
				return 0
			}
			i++
		} else {
			for i < len(sql) && (sql[i] == '_' || sql[i] >= 0x80 || sql[i] >= 'a' && sql[i] <= 'z' || sql[i] >= 'A' && sql[i] <= 'Z' || sql[i] >= '0' && sql[i] <= '9') {
				i++
			}
		}
		if i == start {
			return 0
		}
		k := i
		for k < len(sql) && (sql[k] == ' ' || sql[k] == '\t' || sql[k] == '\n' || sql[k] == '\r') {
			k++
		}
		if k >= len(sql) || sql[k] != '.' {
			return i - off
		}
		k++
		for k < len(sql) && (sql[k] == ' ' || sql[k] == '\t' || sql[k] == '\n' || sql[k] == '\r') {
			k++
		}
		i = k
	}
}

// sameKey is the condition that a and b are the same key value, NULLs
// alike. PostgreSQL joins IS NOT DISTINCT FROM only by a nested loop (the
// people already served, against each new one: minutes at scale 1), so
// there it is an equality it can hash, on the values as text with NULL as
// a marker, and the marker told apart from a real value by whether each is
// NULL.
func (w *Warehouse) sameKey(a, b string) string {
	if w.pg == nil {
		return a + " IS NOT DISTINCT FROM " + b
	}
	text := func(x string) string { return "coalesce(CAST(" + x + " AS TEXT), 'NULL')" }
	return "(" + text(a) + " = " + text(b) + " AND (" + a + " IS NULL) = (" + b + " IS NULL))"
}
