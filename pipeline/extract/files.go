package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// readFileFunc parses one file's bytes into tb (creating it from the file's
// header when nil), adding rejected rows to load.
type readFileFunc func(tb *tableBuilder, file string, data []byte, load *Load, warnings *diag.List) (*tableBuilder, error)

// extractFiles is the flow every file kind shares: resolve the glob, skip
// what was loaded before by content hash, and stream the rest. With load:
// replace the whole source is one load, redone when any file changed; with
// append or merge each new or changed file is its own load, and a changed
// file replaces the rows it brought before. Files are parsed while DuckDB
// ingests them; a file that cannot be parsed fails its load.
func extractFiles(ctx context.Context, env Env, src *project.Source, pattern string, state State, read readFileFunc) (*Result, error) {
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
		contents := make([][]byte, len(files))
		h := sha256.New()
		for i, f := range files {
			if contents[i], err = fs.ReadFile(env.FS, f); err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			fmt.Fprintf(h, "%s\x00%d\x00", f, len(contents[i]))
			h.Write(contents[i])
		}
		hash := hex.EncodeToString(h.Sum(nil))
		if state.Hashes[pattern] == hash {
			res.Skipped = append(res.Skipped, pattern)
			return res, nil
		}
		res.Loads = append(res.Loads, streamFiles(ctx, src, Load{Location: pattern, ContentHash: hash}, files, contents, read))
		return res, nil
	}
	var changed []Load
	var contents [][]byte
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := fs.ReadFile(env.FS, f)
		if err != nil {
			res.Failed = append(res.Failed, FileError{Location: f, Err: fmt.Errorf("read %s: %w", f, err)})
			continue
		}
		sum := sha256.Sum256(data)
		hash := hex.EncodeToString(sum[:])
		prev, seen := state.Hashes[f]
		if prev == hash {
			res.Skipped = append(res.Skipped, f)
			continue
		}
		changed = append(changed, Load{Location: f, ContentHash: hash, ReplacesLocation: seen})
		contents = append(contents, data)
	}
	if len(changed) == 1 {
		// One file (a large export, say) streams into DuckDB as it is parsed.
		res.Loads = append(res.Loads, streamFiles(ctx, src, changed[0], []string{changed[0].Location}, contents, read))
		return res, nil
	}
	// Several files (the units' monthly reports) are parsed first, two at a
	// time, so that a file that cannot be read is left out and named while
	// the others load together in one transaction.
	parsed := make([]error, len(changed))
	warnings := make([]diag.List, len(changed))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i := range changed {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			tb, err := read(nil, changed[i].Location, contents[i], &changed[i], &warnings[i])
			if err == nil {
				changed[i].Reader, _, err = tb.Reader()
			}
			parsed[i] = err
		}(i)
	}
	wg.Wait()
	for i, l := range changed {
		res.Warnings = append(res.Warnings, warnings[i]...)
		if parsed[i] != nil {
			res.Failed = append(res.Failed, FileError{Location: l.Location, Err: parsed[i]})
			continue
		}
		res.Loads = append(res.Loads, l)
	}
	return res, nil
}

// streamFiles makes load's Reader a stream that parses the files when it is
// first read. Counts, rejected rows and warnings are in load.Stats once the
// stream has ended.
func streamFiles(ctx context.Context, src *project.Source, load Load, files []string, contents [][]byte, read readFileFunc) Load {
	stream := newBatchStream(schemaFor(src))
	state := &Load{emit: stream.send}
	var warnings diag.List
	stream.start = func() {
		go func() {
			var tb *tableBuilder
			var err error
			for i, f := range files {
				if err = ctx.Err(); err != nil {
					break
				}
				next, rerr := read(tb, f, contents[i], state, &warnings)
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
	load.Stats = func() LoadStats {
		return LoadStats{RowsRead: state.RowsRead, Rejected: state.Rejected, Warnings: warnings}
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
