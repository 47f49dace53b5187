// Package project loads a jixiao project (jixiao.yaml, sources/, transforms/,
// dashboards/, schedules/) from an fs.FS into typed declarations. It collects
// every problem with its file and line instead of stopping at the first, and
// knows nothing of DuckDB: the embedded default, a folder on disk and an
// in-memory fstest.MapFS all load through Load.
package project

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/yamlx"
)

// ConfigFile is the name of the project's root file.
const ConfigFile = "jixiao.yaml"

// Folder names of the project layout.
const (
	SourcesDir    = "sources"
	TransformsDir = "transforms"
	DashboardsDir = "dashboards"
	SchedulesDir  = "schedules"
)

// Project is a loaded project: its files and the declarations in them.
type Project struct {
	FS         fs.FS
	Config     Config
	Sources    []*Source
	Models     []*Model
	Pages      []*Page
	Schedules  []*Schedule
	sourceByID map[string]*Source
	modelByID  map[string]*Model
}

// Load reads a project from fsys. It returns the project (as far as it could
// be read) and every diagnostic found; callers decide whether warnings matter.
func Load(fsys fs.FS) (*Project, diag.List) {
	var diags diag.List
	p := &Project{FS: fsys, sourceByID: map[string]*Source{}, modelByID: map[string]*Model{}}

	data, err := fs.ReadFile(fsys, ConfigFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			diags.Errorf(diag.Pos{File: ConfigFile}, "missing project file %s: is this a jixiao project folder? (jixiao init DIR writes one)", ConfigFile)
		} else {
			diags.Errorf(diag.Pos{File: ConfigFile}, "read: %v", err)
		}
	} else {
		p.Config = parseConfig(data, &diags)
	}

	for _, file := range listFiles(fsys, SourcesDir, []string{".yaml", ".yml"}, &diags) {
		if src := loadSource(fsys, file, &diags); src != nil {
			if prev, dup := p.sourceByID[src.Name]; dup {
				diags.Errorf(src.Pos, "duplicate source name %q (also declared in %s)", src.Name, prev.File)
				continue
			}
			p.sourceByID[src.Name] = src
			p.Sources = append(p.Sources, src)
		}
	}

	for _, file := range listFiles(fsys, TransformsDir, []string{".sql"}, &diags) {
		m := loadModel(fsys, file, &diags)
		if m == nil {
			continue
		}
		if prev, dup := p.modelByID[m.Name]; dup {
			diags.Errorf(diag.Pos{File: m.File}, "duplicate model name %q (also defined in %s): model names must be unique across folders", m.Name, prev.File)
			continue
		}
		if m.Schema == RawSchema || m.Schema == MetaSchema {
			diags.Errorf(diag.Pos{File: m.File}, "models may not live in folder %q: the %s schema belongs to the engine", m.Schema, m.Schema)
			continue
		}
		p.modelByID[m.Name] = m
		p.Models = append(p.Models, m)
	}

	for _, file := range listFiles(fsys, DashboardsDir, []string{".yaml", ".yml"}, &diags) {
		if pg := loadPage(fsys, file, &diags); pg != nil {
			p.Pages = append(p.Pages, pg)
		}
	}
	checkPageSlugs(p.Pages, &diags)

	for _, file := range listFiles(fsys, SchedulesDir, []string{".yaml", ".yml"}, &diags) {
		p.Schedules = append(p.Schedules, loadSchedules(fsys, file, &diags)...)
	}

	diags.Sort()
	return p, diags
}

// Source returns the source with that name, or nil.
func (p *Project) Source(name string) *Source { return p.sourceByID[name] }

// Model returns the model with that bare name (without schema), or nil.
func (p *Project) Model(name string) *Model { return p.modelByID[name] }

// ModelByTable returns the model that builds schema.name, or nil.
func (p *Project) ModelByTable(schema, name string) *Model {
	m := p.modelByID[name]
	if m == nil || !strings.EqualFold(m.Schema, schema) {
		return nil
	}
	return m
}

// listFiles returns the files below dir with one of the extensions, sorted.
// A missing folder is not an error: a project may have no schedules yet.
func listFiles(fsys fs.FS, dir string, exts []string, diags *diag.List) []string {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(path.Ext(p))
		for _, e := range exts {
			if ext == e {
				files = append(files, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		diags.Errorf(diag.Pos{File: dir}, "list files: %v", err)
	}
	sort.Strings(files)
	return files
}

// baseName is a file's name without folder and extension.
func baseName(file string) string {
	b := path.Base(file)
	return strings.TrimSuffix(b, path.Ext(b))
}

// validIdent reports whether s can name a table without quoting.
func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func identHint(s string) string {
	return fmt.Sprintf("%q is not a valid name: use lower-case letters, digits and _ (not starting with a digit)", s)
}

// readMapping reads a YAML declaration file whose top level must be a
// mapping; what names it in messages ("source", "page"). It returns nil
// after reporting any problem.
func readMapping(fsys fs.FS, file, what string, diags *diag.List) *yaml.Node {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		diags.Errorf(diag.Pos{File: file}, "read: %v", err)
		return nil
	}
	before := len(*diags)
	node := yamlx.Parse(file, data, diags)
	switch {
	case node == nil && len(*diags) == before:
		diags.Errorf(diag.Pos{File: file}, "empty %s declaration", what)
		return nil
	case node == nil:
		return nil
	case node.Kind != yaml.MappingNode:
		diags.Errorf(yamlx.At(file, node), "a %s declaration must be a mapping, not %s", what, yamlx.Describe(node))
		return nil
	}
	return node
}
