// Package extract reads declared sources into Arrow record batches. Each
// kind (csv, xlsx, postgres, ...) is one file that registers itself in a
// Registry; extractors never touch DuckDB: they return batches, rejected
// rows and the cursor or content hash that makes the next load incremental.
package extract

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
)

// Env is what an extractor may use from its surroundings.
type Env struct {
	// FS is the project's file system; file paths in sources are relative to it.
	FS fs.FS
	// Getenv reads secrets (DSNs, tokens) named in declarations.
	Getenv func(string) string
	// Units normalises unit names to codes.
	Units *UnitIndex
	// PlanYear and Today check columns declared within: plan_year and
	// not_future; a zero Today is the time of the extract.
	PlanYear int
	Today    time.Time
	// HTTP is the client of http sources; nil means a default client.
	HTTP *http.Client
	// StreamFileBytes is the file size from which files are read from disk
	// in parts instead of whole; 0 means 64 MiB.
	StreamFileBytes int64
}

// State is what earlier loads of the source left: content hashes of files
// by location, and the last cursor of database and HTTP sources.
type State struct {
	Hashes map[string]string
	Cursor string
}

// Load is one unit of loading: a file, or a cursor range of a database.
type Load struct {
	Location    string
	ContentHash string
	Reader      array.RecordReader
	// ReplacesLocation is true when the location was loaded before with other
	// content: its old rows must go.
	ReplacesLocation bool
	// Appends is true when the load holds only rows added to a file since
	// it was last loaded: the file's earlier rows (and rejects) stay.
	Appends bool
	// CursorColumn, when set, is the column whose newest value in the raw
	// table becomes the source's cursor once the load is in (a csv export
	// read past its cursor).
	CursorColumn string
	// File, when set, is the one file all the load's rows come from: its
	// batches have no _file column and the warehouse adds File as one.
	File string
	// stats gives the load's figures (see Stats); nil is a load without any.
	stats func() LoadStats
}

// Stats returns the load's figures: rows read, rows rejected, the cursor
// reached and the warnings found while reading. Every load reports them
// here, and they are final once Reader has been drained: a load read as it
// streams counts while it is read, a load read beforehand already knows them.
func (l Load) Stats() LoadStats {
	if l.stats == nil {
		return LoadStats{}
	}
	return l.stats()
}

// LoadStats are a load's figures.
type LoadStats struct {
	RowsRead int64
	Rejected []Rejection
	Cursor   string
	// Warnings are those found while the load's Reader was read; a load
	// read beforehand has them in its Result's Warnings instead.
	Warnings diag.List
}

// known returns the figures of a load read before it is handed on.
func known(st LoadStats) func() LoadStats {
	return func() LoadStats { return st }
}

// tally is where the readers of a load's files count its rows read and keep
// its rows rejected while they read.
type tally struct {
	RowsRead int64
	Rejected []Rejection
	// File is the load's File.
	File string
	// emit, when set, passes each batch on as the rows are read (a load
	// that streams); without it the batches are kept for the load's Reader.
	emit func(arrow.RecordBatch) error
}

func (t *tally) stats() LoadStats {
	return LoadStats{RowsRead: t.RowsRead, Rejected: t.Rejected}
}

// Rejection is an input row that did not fit the declared columns.
type Rejection struct {
	Pos      diag.Pos
	RawValue string
	Reason   string
}

// Result is what one source's extraction produced.
type Result struct {
	Loads []Load
	// Skipped lists locations left alone because their content was loaded
	// before.
	Skipped []string
	// Rehashed gives, for skipped locations whose last load an earlier
	// jixiao recorded by SHA-256, the hash to record in its place, so
	// that later runs compute one hash only.
	Rehashed map[string]string
	// Warnings are problems that did not stop the load, such as a column
	// the source has but the declaration does not.
	Warnings diag.List
	// Failed are files that could not be read; the source's other files
	// still load.
	Failed []FileError
}

// FileError is a file of a source that could not be read.
type FileError struct {
	Location string
	Err      error
}

// Kind is one kind of source.
type Kind interface {
	// Name is the value of `kind:` in a declaration.
	Name() string
	// Validate checks the kind's own settings in a declaration.
	Validate(src *project.Source, diags *diag.List)
	// Extract reads what is new since state.
	Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error)
}

// Registry maps kind names to kinds. It is a value so tests can build small
// ones; Default has every kind jixiao ships.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns a registry of the given kinds.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		r.kinds[k.Name()] = k
	}
	return r
}

// Default returns a registry of every kind jixiao ships.
func Default() *Registry {
	return NewRegistry(CSV{}, XLSX{}, Parquet{}, Database{Dialect: "postgres"}, Database{Dialect: "mysql"}, HTTP{})
}

// Kind returns the kind with that name, or nil.
func (r *Registry) Kind(name string) Kind { return r.kinds[name] }

// Names lists the registered kinds, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validate checks every source of a project against its kind.
func (r *Registry) Validate(p *project.Project, diags *diag.List) {
	for _, src := range p.Sources {
		if src.Kind == "" {
			continue // reported by the project loader
		}
		k := r.Kind(src.Kind)
		if k == nil {
			diags.Errorf(src.Pos, "unknown source kind %q (known kinds: %s)", src.Kind, strings.Join(r.Names(), ", "))
			continue
		}
		k.Validate(src, diags)
	}
}

// Extract runs the source's kind.
func (r *Registry) Extract(ctx context.Context, env Env, src *project.Source, state State) (*Result, error) {
	k := r.Kind(src.Kind)
	if k == nil {
		return nil, fmt.Errorf("%s: unknown source kind %q", src.File, src.Kind)
	}
	return k.Extract(ctx, env, src, state)
}
