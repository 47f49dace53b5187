package extract

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// defaultStreamFileBytes is the size from which a file is hashed and parsed
// as it is read from disk instead of being held whole: a province's service
// records run to gigabytes.
const defaultStreamFileBytes = 64 << 20

func (e Env) streamFileBytes() int64 {
	if e.StreamFileBytes > 0 {
		return e.StreamFileBytes
	}
	return defaultStreamFileBytes
}

// fileInput is one file to parse: its bytes when it is small, or a way to
// open it when it is large.
type fileInput struct {
	name string
	size int64
	data []byte
	fsys fs.FS
	// grown, when set, is a file that only grew since it was last loaded:
	// its rows are read from there on.
	grown *grownFile
}

// open reads the file from the start.
func (in fileInput) open() (io.ReadCloser, error) {
	if in.data != nil {
		return io.NopCloser(bytes.NewReader(in.data)), nil
	}
	f, err := in.fsys.Open(in.name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", in.name, err)
	}
	return f, nil
}

// bytes is the whole file, read now if it was left on disk.
func (in fileInput) bytes() ([]byte, error) {
	if in.data != nil {
		return in.data, nil
	}
	data, err := fs.ReadFile(in.fsys, in.name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", in.name, err)
	}
	return data, nil
}

// statFile sizes name and, when eager, reads it if it is small enough to
// hold (see holdSmall).
func statFile(fsys fs.FS, name string, streamBytes int64, eager bool) (fileInput, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return fileInput{}, fmt.Errorf("read %s: %w", name, err)
	}
	in := fileInput{name: name, size: info.Size(), fsys: fsys}
	if eager {
		return in, in.holdSmall(streamBytes)
	}
	return in, nil
}

// holdSmall reads the file into memory when it is smaller than streamBytes
// and not held yet: a small file is parsed from memory, faster than
// streamed. A file loaded before is hashed from disk first and held only
// if it changed, so that a rerun that finds it unchanged never holds it
// (the default project's roster and services, 46 MB: 11K page faults).
func (in *fileInput) holdSmall(streamBytes int64) error {
	if in.data != nil || in.size >= streamBytes {
		return nil
	}
	data, err := fs.ReadFile(in.fsys, in.name)
	if err != nil {
		return fmt.Errorf("read %s: %w", in.name, err)
	}
	in.data, in.size = data, int64(len(data))
	return nil
}

// hashInput is a file's hash as recorded with its load: growthHash's for a
// growing source, else its content's (h, which knows a legacy SHA-256).
func hashInput(in fileInput, prev string, growing bool) (string, *contentHash, *grownFile, error) {
	if growing {
		hash, grown, err := growthHash(in, prev)
		return hash, nil, grown, err
	}
	h := newContentHash(prev)
	if err := in.hashInto(h); err != nil {
		return "", nil, nil, err
	}
	return h.sum(prev), h, nil, nil
}

// hashInputs is the content hash of a replace source's files together:
// each file's name and size, then its content.
func hashInputs(files []string, inputs []fileInput, prev string) (*contentHash, error) {
	h := newContentHash(prev)
	for i, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f, inputs[i].size)
		if err := inputs[i].hashInto(h); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// hashInto writes the file's content into h, reading it from disk if needed.
func (in fileInput) hashInto(h io.Writer) error {
	if in.data != nil {
		h.Write(in.data)
		return nil
	}
	f, err := in.open()
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", in.name, err)
	}
	return nil
}

// readFileFunc parses one file into tb (creating it from the file's header
// when nil), adding rejected rows to fr.load.
type readFileFunc func(tb *tableBuilder, in fileInput, fr fileRead) (*tableBuilder, error)

// fileRead is what every file kind's reader of one file shares: the run's
// environment, the source's declaration, and where the file's counts,
// rejected rows and warnings go.
type fileRead struct {
	env Env
	src *project.Source
	// load collects the rows read and rejected; its emit passes each batch
	// on while the file is read.
	load     *tally
	warnings *diag.List
}

// table returns the table a file's rows go into: for the source's first
// file (tb nil) one made from its header, for a later file the same table
// with that file's header matched to the declared columns. The fill rules
// then take this file's values from the text around its table.
func (fr fileRead) table(tb *tableBuilder, header []string, at diag.Pos, fill []fillRule, around fillContext) (*tableBuilder, error) {
	if tb == nil {
		var err error
		if tb, err = newTableBuilder(fr.src, fr.env.rowRules(), header, at, fr.warnings, fillColumns(fill), fr.load.File); err != nil {
			return nil, err
		}
		tb.emit = fr.load.emit
	} else if err := tb.rematch(header, at, fr.warnings); err != nil {
		return nil, err
	}
	if err := tb.setFill(fill, around, at); err != nil {
		return nil, err
	}
	return tb, nil
}

// extractFiles is the flow every file kind shares: resolve the glob, skip
// what was loaded before by content hash, and stream the rest. With load:
// replace the whole source is one load, redone when any file changed; with
// append or merge each new or changed file is its own load, and a changed
// file replaces the rows it brought before. Files are parsed while DuckDB
// ingests them; a file that cannot be parsed fails its load. A growing
// source's files are exports that grow at their end (see growthHash): a file
// that only grew loads the rows added, and keeps the rows it brought before.
func extractFiles(ctx context.Context, env Env, src *project.Source, pattern string, state State, growing bool, read readFileFunc) (*Result, error) {
	files, err := fs.Glob(env.FS, pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: path %q: %w", src.File, pattern, err)
	}
	files = dropLockFiles(files)
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no file matches path %q", src.File, pattern)
	}
	res := &Result{}
	if src.Load == project.LoadReplace {
		prev := state.Hashes[pattern]
		inputs := make([]fileInput, len(files))
		for i, f := range files {
			if inputs[i], err = statFile(env.FS, f, env.streamFileBytes(), prev == ""); err != nil {
				return nil, err
			}
		}
		h, err := hashInputs(files, inputs, prev)
		if err != nil {
			return nil, err
		}
		hash := h.sum(prev)
		if prev == hash {
			h.skip(res, pattern)
			return res, nil
		}
		// Changed: the small files are held for the parse, and all hashed
		// again as read, so that the hash recorded is that of the rows
		// loaded (large files are read from disk again either way).
		held := false
		for i := range inputs {
			if inputs[i].data == nil && inputs[i].size < env.streamFileBytes() {
				if err := inputs[i].holdSmall(env.streamFileBytes()); err != nil {
					return nil, err
				}
				held = true
			}
		}
		if held {
			if h, err = hashInputs(files, inputs, prev); err != nil {
				return nil, err
			}
			hash = h.sum(prev)
		}
		res.Loads = append(res.Loads, streamFiles(ctx, env, src, Load{Location: pattern, ContentHash: hash}, inputs, read))
		return res, nil
	}
	var changed []Load
	var inputs []fileInput
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		prev, seen := state.Hashes[f]
		in, err := statFile(env.FS, f, env.streamFileBytes(), prev == "")
		if err == nil {
			var hash string
			var h *contentHash
			hash, h, in.grown, err = hashInput(in, prev, growing)
			if err == nil && prev != "" && hash != prev && in.data == nil && in.size < env.streamFileBytes() {
				// Changed: held for the parse, and hashed as read, so that
				// the hash recorded is that of the rows loaded.
				if err = in.holdSmall(env.streamFileBytes()); err == nil {
					hash, h, in.grown, err = hashInput(in, prev, growing)
				}
			}
			if err == nil {
				if prev == hash && h != nil {
					h.skip(res, f)
					continue
				}
				if prev == hash {
					res.Skipped = append(res.Skipped, f)
					continue
				}
				l := Load{Location: f, ContentHash: hash, ReplacesLocation: seen, File: f}
				if in.grown != nil {
					// Only the rows added: the file's earlier rows stay.
					l.ReplacesLocation, l.Appends = false, true
				}
				changed = append(changed, l)
				inputs = append(inputs, in)
				continue
			}
		}
		res.Failed = append(res.Failed, FileError{Location: f, Err: err})
	}
	// A large file (an export, say) streams into DuckDB as it is parsed, as
	// its own load; so does a lone changed file.
	var small []int
	for i := range changed {
		if len(changed) == 1 || inputs[i].data == nil {
			res.Loads = append(res.Loads, streamFiles(ctx, env, src, changed[i], inputs[i:i+1], read))
		} else {
			small = append(small, i)
		}
	}
	// Several small files (the units' monthly reports) are parsed first, two
	// at a time, so that a file that cannot be read is left out and named
	// while the others load together in one transaction.
	parsed := make([]error, len(changed))
	warnings := make([]diag.List, len(changed))
	tallies := make([]tally, len(changed))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, i := range small {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			tallies[i].File = changed[i].File
			tb, err := read(nil, inputs[i], fileRead{env: env, src: src, load: &tallies[i], warnings: &warnings[i]})
			if err == nil {
				changed[i].Reader, _, err = tb.Reader()
			}
			parsed[i] = err
		}(i)
	}
	wg.Wait()
	for _, i := range small {
		l := changed[i]
		res.Warnings = append(res.Warnings, warnings[i]...)
		if parsed[i] != nil {
			res.Failed = append(res.Failed, FileError{Location: l.Location, Err: parsed[i]})
			continue
		}
		l.stats = known(tallies[i].stats())
		res.Loads = append(res.Loads, l)
	}
	return res, nil
}

// streamFiles makes load's Reader a stream that parses the files when it is
// first read. Counts, rejected rows and warnings are in load.Stats() once
// the stream has ended.
func streamFiles(ctx context.Context, env Env, src *project.Source, load Load, inputs []fileInput, read readFileFunc) Load {
	if len(inputs) == 1 {
		load.File = inputs[0].name
	}
	stream := newBatchStream(schemaFor(src, load.File == ""))
	state := &tally{emit: stream.send, File: load.File}
	var warnings diag.List
	stream.start = func() {
		go func() {
			var tb *tableBuilder
			var err error
			for _, in := range inputs {
				if err = ctx.Err(); err != nil {
					break
				}
				next, rerr := read(tb, in, fileRead{env: env, src: src, load: state, warnings: &warnings})
				if next != nil {
					tb = next
				}
				if err = rerr; err != nil {
					break
				}
			}
			if tb != nil {
				if err == nil {
					tb.flush()
					err = tb.emitErr
				}
				tb.builder.Release()
			}
			stream.finish(err)
		}()
	}
	load.Reader = stream
	load.stats = func() LoadStats {
		st := state.stats()
		st.Warnings = warnings
		return st
	}
	return load
}

// release frees the streams of loads not handed on.
func (r *Result) release() {
	for _, l := range r.Loads {
		if l.Reader != nil {
			l.Reader.Release()
		}
	}
}

// dropLockFiles leaves out the ~$name.xlsx lock files Excel writes beside an
// open workbook, which a glob would otherwise pick up.
func dropLockFiles(files []string) []string {
	out := files[:0]
	for _, f := range files {
		if !strings.HasPrefix(path.Base(f), "~$") {
			out = append(out, f)
		}
	}
	return out
}

// FillRule sets a column that the rows do not carry from text around them:
// the title lines above the header, the file name or the sheet name. The
// pattern's first group is the value, which is then typed like a cell.
//
//	fill:
//	  - {column: unit_code, from: title, pattern: "填报单位[:：]\\s*(\\S+)"}
type FillRule struct {
	Column  string `yaml:"column"`
	From    string `yaml:"from"`
	Pattern string `yaml:"pattern"`
}

type fillRule struct {
	FillRule
	re *regexp.Regexp
}

// fillContext is the text a file offers to fill rules.
type fillContext struct {
	file   string
	sheet  string
	titles []string
}

func compileFill(rules []FillRule) ([]fillRule, error) {
	out := make([]fillRule, len(rules))
	for i, r := range rules {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("fill %s: pattern: %w", r.Column, err)
		}
		out[i] = fillRule{FillRule: r, re: re}
	}
	return out, nil
}

func validateFill(src *project.Source, rules []FillRule, diags *diag.List) {
	node := yamlx.MappingValue(src.Node, "fill")
	for i, r := range rules {
		pos := src.Pos
		if node != nil && i < len(node.Content) {
			pos = yamlx.At(src.File, node.Content[i])
		}
		found := false
		for _, c := range src.Columns {
			found = found || c.Name == r.Column
		}
		if !found {
			diags.Errorf(pos, "fill: column %q is not declared in columns", r.Column)
		}
		switch r.From {
		case "title", "file", "sheet":
		default:
			diags.Errorf(pos, "fill %s: from must be title, file or sheet, not %q", r.Column, r.From)
		}
		re, err := regexp.Compile(r.Pattern)
		switch {
		case err != nil:
			diags.Errorf(pos, "fill %s: pattern: %v", r.Column, err)
		case re.NumSubexp() < 1:
			diags.Errorf(pos, "fill %s: the pattern needs a group ( ) around the value", r.Column)
		}
	}
}

// value finds the rule's value in the context, or "" when it does not match.
func (r fillRule) value(c fillContext) string {
	var texts []string
	switch r.From {
	case "file":
		texts = []string{path.Base(c.file)}
	case "sheet":
		texts = []string{c.sheet}
	default:
		texts = c.titles
	}
	for _, t := range texts {
		if m := r.re.FindStringSubmatch(normalizeWidth(t)); len(m) > 1 {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}

// fillColumns names the columns fill rules provide.
func fillColumns(rules []fillRule) map[string]bool {
	out := map[string]bool{}
	for _, r := range rules {
		out[r.Column] = true
	}
	return out
}
