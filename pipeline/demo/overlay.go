package demo

import (
	"errors"
	"io/fs"
	"sort"
	"strings"
)

// Overlay serves a folder of generated files under Prefix (data/) over a
// base project: the embedded declarations and catalog with demo data
// generated on disk. Directories present in both list both's entries.
type Overlay struct {
	Base   fs.FS
	Upper  fs.FS
	Prefix string
}

func (o Overlay) upperName(name string) (string, bool) {
	switch {
	case name == o.Prefix:
		return ".", true
	case strings.HasPrefix(name, o.Prefix+"/"):
		return strings.TrimPrefix(name, o.Prefix+"/"), true
	}
	return "", false
}

// Open implements fs.FS: the generated file when there is one, else the base's.
func (o Overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if up, ok := o.upperName(name); ok {
		if f, err := o.Upper.Open(up); err == nil {
			return f, nil
		}
	}
	return o.Base.Open(name)
}

// ReadDir implements fs.ReadDirFS, merging the two layers' entries.
func (o Overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	seen := map[string]fs.DirEntry{}
	base, baseErr := fs.ReadDir(o.Base, name)
	for _, e := range base {
		seen[e.Name()] = e
	}
	var upErr error = fs.ErrNotExist
	if up, ok := o.upperName(name); ok {
		var entries []fs.DirEntry
		entries, upErr = fs.ReadDir(o.Upper, up)
		for _, e := range entries {
			seen[e.Name()] = e
		}
	}
	if baseErr != nil && upErr != nil {
		if errors.Is(baseErr, fs.ErrNotExist) {
			return nil, upErr
		}
		return nil, baseErr
	}
	out := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
