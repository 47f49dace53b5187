package extract

import (
	"io/fs"
	"path"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/yamlx"
)

// FileKind is a kind whose sources read files of the project.
type FileKind interface {
	Kind
	// Glob is the path the source reads: a file or a glob.
	Glob(src *project.Source) string
}

// tableExtensions are the kinds of file a unit or finance may send a table
// in, whichever one a source reads.
var tableExtensions = map[string]bool{
	".xlsx": true, ".xlsm": true, ".xls": true, ".xlsb": true, ".et": true, ".ett": true, ".ods": true,
	".csv": true, ".tsv": true,
}

// IgnoredFiles warns of the files in a file source's folder that its glob
// passes over though they are named like its files, only in another table
// format: a report still in .xls or WPS's .et beside *.xlsx, a .csv beside
// *.xlsx, an .xlsx beside *.csv. Without a word they would simply be
// missing from the numbers. Left out: Excel's ~$ lock files, hidden files,
// files another source reads, and files already saved in the right format
// beside them (x.xls next to x.xlsx). The warning is at the source's path.
func (r *Registry) IgnoredFiles(p *project.Project, src *project.Source) diag.List {
	glob := r.glob(src)
	ext := path.Ext(glob)
	if glob == "" || ext == "" || strings.ContainsAny(ext, `*?[\`) || p.FS == nil {
		return nil
	}
	dirs := []string{path.Dir(glob)}
	if strings.ContainsAny(dirs[0], `*?[\`) {
		dirs, _ = fs.Glob(p.FS, dirs[0])
	}
	var others []string
	for _, o := range p.Sources {
		if o != src {
			if g := r.glob(o); g != "" {
				others = append(others, g)
			}
		}
	}
	at := yamlx.At(src.File, yamlx.MappingValue(src.Node, "path"))
	var out diag.List
	for _, dir := range dirs {
		entries, err := fs.ReadDir(p.FS, dir)
		if err != nil {
			continue // a missing folder fails the load, naming the path
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") || !tableExtensions[strings.ToLower(path.Ext(name))] {
				continue
			}
			file := path.Join(dir, name)
			want := path.Join(dir, strings.TrimSuffix(name, path.Ext(name))+ext)
			if matches(glob, file) || !matches(glob, want) || matchesAny(others, file) {
				continue
			}
			if _, err := fs.Stat(p.FS, want); err == nil {
				continue
			}
			out.Warnf(at, "忽略 %s：请另存为 %s", file, ext)
		}
	}
	return out
}

// FileBytes is the size of the files a source of a file kind reads as they
// are now; ok is false for other kinds (a database, an API), whose size is
// not known before they are read. A run starts the largest loads first.
func (r *Registry) FileBytes(p *project.Project, src *project.Source) (size int64, ok bool) {
	glob := r.glob(src)
	if glob == "" || p.FS == nil {
		return 0, false
	}
	files, _ := fs.Glob(p.FS, glob) // a bad glob fails the load, naming it
	for _, f := range files {
		if info, err := fs.Stat(p.FS, f); err == nil {
			size += info.Size()
		}
	}
	return size, true
}

// glob is the path a source of a file kind reads, or "".
func (r *Registry) glob(src *project.Source) string {
	if k, ok := r.Kind(src.Kind).(FileKind); ok {
		return k.Glob(src)
	}
	return ""
}

func matches(glob, file string) bool {
	ok, _ := path.Match(glob, file)
	return ok
}

func matchesAny(globs []string, file string) bool {
	for _, g := range globs {
		if matches(g, file) {
			return true
		}
	}
	return false
}
