package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// exportAll reports whether `jixiao export` was asked for every table
// (--all), which has flags of its own.
func exportAll(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "all" {
			continue
		}
		all, err := strconv.ParseBool(value)
		return !hasValue || err == nil && all
	}
	return false
}

// ManifestFile describes an export of every table, beside its folders.
const ManifestFile = "manifest.json"

// CityPartition is the partition column every exported table starts with.
const CityPartition = "city"

// Manifest is manifest.json: what an export holds, for the province office
// that reads it and for the engines it registers the tables in.
type Manifest struct {
	// Format names this layout and its version.
	Format   string `json:"format"`
	Project  string `json:"project"`
	PlanYear int    `json:"plan_year"`
	City     struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"city"`
	// DataPeriod is the newest value of the project's data_period column
	// (2017-09-01), when it names one.
	DataPeriod string    `json:"data_period,omitempty"`
	ExportedAt time.Time `json:"exported_at"`
	Jixiao     string    `json:"jixiao"`
	LastRun    *struct {
		ID         string    `json:"id"`
		Status     string    `json:"status"`
		FinishedAt time.Time `json:"finished_at"`
	} `json:"last_run,omitempty"`
	// PartitionBy is what was asked for: city always, then --partition-by.
	PartitionBy []string        `json:"partition_by"`
	Tables      []ManifestTable `json:"tables"`
	// Excluded are the raw tables left out, with the reason.
	Excluded []ManifestExclusion `json:"excluded"`
}

// ManifestTable is one exported table.
type ManifestTable struct {
	Schema      string `json:"schema"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Description string `json:"description,omitempty"`
	// Path is the table's folder, relative to the manifest.
	Path        string                   `json:"path"`
	PartitionBy []string                 `json:"partition_by"`
	Columns     []warehouse.ExportColumn `json:"columns"`
	Rows        int64                    `json:"rows"`
	Files       int                      `json:"files"`
	// LoadIDs are the loads (meta.source_loads) the rows came from, for the
	// tables that carry them.
	LoadIDs []string `json:"load_ids,omitempty"`
}

// ManifestExclusion is a table an export left out.
type ManifestExclusion struct {
	Table  string `json:"table"`
	Reason string `json:"reason"`
}

var partitionKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func cmdExportAll(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "export", "export --all --format parquet --out 文件夹 [--partition-by 列[,列]]")
	fset.Bool("all", false, "every table: staging, marts and the raw tables that hold no personal data, as Hive-partitioned Parquet with a manifest.json")
	format := fset.String("format", "parquet", "parquet, the only format of --all")
	out := fset.String("out", "", "folder to write; an earlier export there is replaced")
	partitionBy := fset.String("partition-by", "", "columns (comma separated) that partition the tables holding them, under city=...: month, say")
	positional, code, done := parseArgs(fset, args)
	if done {
		return code
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(env.Stderr, "jixiao export --all: 导出全部表，不接受表名（%s）\n", strings.Join(positional, " "))
		return ExitUsage
	case *format != "parquet":
		fmt.Fprintf(env.Stderr, "jixiao export --all: 只能导出为 parquet，不是 %q\n", *format)
		return ExitUsage
	case *out == "":
		fmt.Fprintln(env.Stderr, "jixiao export --all: 需要 --out 文件夹，例如 jixiao export --all --format parquet --out exports/371000")
		return ExitUsage
	}
	keys := []string{}
	for _, k := range strings.Split(*partitionBy, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		if !partitionKey.MatchString(k) || k == CityPartition {
			fmt.Fprintf(env.Stderr, "jixiao export --all: --partition-by %q 须是列名（city 总在第一层，不必写）\n", k)
			return ExitUsage
		}
		keys = append(keys, k)
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	city := l.project.Config.City
	if city.Code == "" {
		fmt.Fprintln(env.Stderr, `jixiao export --all: jixiao.yaml 没有 city 设置，也没有市本级单位可推定城市代码；请加上 city: {code: "371000", name: 威海市}`)
		return ExitUsage
	}
	target, err := warehouseOf(env, l)
	if err != nil {
		return reportErr(env, err)
	}
	whPath := target.Path
	dest, err := filepath.Abs(*out)
	if err != nil {
		return reportErr(env, err)
	}
	if msg := checkExportFolder(dest, whPath); msg != "" {
		fmt.Fprintf(env.Stderr, "jixiao export --all: %s\n", msg)
		return ExitUsage
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return reportErr(env, err)
	}
	// DuckDB (on PostgreSQL, an in-memory one fed with the tables' rows)
	// writes into a fresh folder beside the destination, the only one it
	// may write; the folder replaces the destination once whole.
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".partial-")
	if err != nil {
		return reportErr(env, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return reportErr(env, err)
	}
	w, err := openReader(ctx, target, readerWait, warehouse.Options{WriteDirs: []string{tmp}})
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao: %v\n", err)
		return ExitFailed
	}
	defer w.Close()
	m, err := exportEveryTable(ctx, env, l, w, tmp, keys)
	if errors.Is(err, errBadPartition) {
		fmt.Fprintf(env.Stderr, "jixiao export --all: %v\n", err)
		return ExitUsage
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao export --all: %v\n", err)
		return ExitFailed
	}
	if err := replaceFolder(tmp, dest); err != nil {
		return reportErr(env, err)
	}
	var rows int64
	files := 0
	bySchema := map[string]int{}
	for _, t := range m.Tables {
		rows += t.Rows
		files += t.Files
		bySchema[t.Schema]++
	}
	var counts []string
	for _, s := range sortedKeys(bySchema) {
		counts = append(counts, fmt.Sprintf("%s %d", s, bySchema[s]))
	}
	fmt.Fprintf(env.Stdout, "已导出 %s（%s）的 %d 张表（%s），共 %d 行、%d 个 Parquet 文件，按 %s 分区 → %s\n",
		city.Name, city.Code, len(m.Tables), strings.Join(counts, "，"), rows, files, strings.Join(m.PartitionBy, "/"), dest)
	for _, x := range m.Excluded {
		fmt.Fprintf(env.Stdout, "  未导出 %s：%s\n", x.Table, x.Reason)
	}
	fmt.Fprintf(env.Stdout, "  各表的列、类型、行数与来源批次见 %s\n", filepath.Join(dest, ManifestFile))
	return ExitOK
}

// errBadPartition is a --partition-by no exported table can be split by.
var errBadPartition = errors.New("bad partition")

// checkExportFolder says why dest cannot receive an export, or "": it may
// be missing, empty or an earlier export, but not any other folder, and
// not one that holds the warehouse.
func checkExportFolder(dest, warehousePath string) string {
	if wh, err := filepath.Abs(warehousePath); err == nil {
		if rel, err := filepath.Rel(dest, wh); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Sprintf("%s 中有仓库文件 %s：请导出到另一个文件夹", dest, warehousePath)
		}
	}
	st, err := os.Stat(dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return ""
	case err != nil:
		return err.Error()
	case !st.IsDir():
		return fmt.Sprintf("%s 不是文件夹", dest)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return err.Error()
	}
	if len(entries) == 0 {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dest, ManifestFile)); err == nil {
		return "" // an earlier export: replaced whole
	}
	return fmt.Sprintf("%s 已有其他文件（没有 %s，不是 jixiao 的导出），不会覆盖：请指定新的或空的文件夹", dest, ManifestFile)
}

// replaceFolder puts the finished export in place of dest (an earlier
// export, an empty folder or nothing) with renames.
func replaceFolder(tmp, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, dest); err != nil {
			os.Rename(old, dest)
			return err
		}
		return os.RemoveAll(old)
	}
	return os.Rename(tmp, dest)
}

// exportedTable is a table the export writes.
type exportedTable struct {
	schema, name string
	model        *project.Model
}

// exportEveryTable writes the raw tables that hold no personal data, then
// every model of the project, and the manifest, into dir.
func exportEveryTable(ctx context.Context, env Env, l *loaded, w *warehouse.Warehouse, dir string, keys []string) (*Manifest, error) {
	p := l.project
	m := &Manifest{Format: "jixiao-export/1", Project: p.Config.Name, PlanYear: p.Config.PlanYear,
		ExportedAt: time.Now().UTC().Truncate(time.Second), Jixiao: env.Version,
		PartitionBy: append([]string{CityPartition}, keys...), Tables: []ManifestTable{}, Excluded: []ManifestExclusion{}}
	if m.Jixiao == "" {
		m.Jixiao = "dev"
	}
	m.City.Code, m.City.Name = p.Config.City.Code, p.Config.City.Name
	if runs, err := w.RecentRuns(ctx, 1); err == nil && len(runs) > 0 {
		r := runs[0]
		m.LastRun = &struct {
			ID         string    `json:"id"`
			Status     string    `json:"status"`
			FinishedAt time.Time `json:"finished_at"`
		}{r.RunID, r.Status, r.FinishedAt.UTC()}
	}
	if parts := strings.Split(p.Config.DataPeriod, "."); len(parts) == 3 {
		if t, ok, err := w.LatestDate(ctx, parts[0], parts[1], parts[2]); err == nil && ok {
			m.DataPeriod = t.Format("2006-01-02")
		}
	}

	var tables []exportedTable
	raw, err := w.Tables(ctx, project.RawSchema)
	if err != nil {
		return nil, err
	}
	for _, name := range raw {
		reason, err := personalData(ctx, w, p.Source(name), name)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			m.Excluded = append(m.Excluded, ManifestExclusion{Table: project.RawSchema + "." + name, Reason: reason})
			continue
		}
		tables = append(tables, exportedTable{schema: project.RawSchema, name: name})
	}
	models := append([]*project.Model(nil), p.Models...)
	sort.SliceStable(models, func(i, j int) bool {
		if models[i].Schema != models[j].Schema {
			return models[i].Schema > models[j].Schema // staging before marts
		}
		return models[i].Name < models[j].Name
	})
	for _, md := range models {
		kind, err := w.TableKind(ctx, md.Schema, md.Name)
		if err != nil {
			return nil, err
		}
		if kind == "" {
			return nil, fmt.Errorf("仓库中没有 %s.%s（先运行 jixiao run）", md.Schema, md.Name)
		}
		tables = append(tables, exportedTable{schema: md.Schema, name: md.Name, model: md})
	}

	// Each key must split some table: a typo would quietly split none.
	for _, k := range keys {
		found := false
		for _, t := range tables {
			cols, err := w.Columns(ctx, t.schema, t.name)
			if err != nil {
				return nil, err
			}
			for _, c := range cols {
				found = found || c.Name == k
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: --partition-by %s：导出的表都没有这一列", errBadPartition, k)
		}
	}

	fixed := []warehouse.PartitionValue{{Name: CityPartition, Value: p.Config.City.Code}}
	for _, t := range tables {
		if err := os.MkdirAll(filepath.Join(dir, t.schema), 0o755); err != nil {
			return nil, err
		}
		folder := filepath.Join(dir, t.schema, t.name)
		x, err := w.ExportHive(ctx, t.schema, t.name, folder, fixed, keys)
		if err != nil {
			return nil, err
		}
		kind, _ := w.TableKind(ctx, t.schema, t.name)
		mt := ManifestTable{Schema: t.schema, Name: t.name, Kind: kind, Path: t.schema + "/" + t.name,
			PartitionBy: x.PartitionBy, Columns: x.Columns, Rows: x.Rows}
		if t.model != nil {
			mt.Description = strings.TrimSpace(t.model.Header.Description)
			labels := map[string]string{}
			for _, c := range t.model.Header.Columns {
				labels[c.Name] = c.Label
			}
			for i := range mt.Columns {
				mt.Columns[i].Label = labels[mt.Columns[i].Name]
			}
		} else if src := p.Source(t.name); src != nil {
			mt.Description = src.Description
		}
		if mt.LoadIDs, err = w.LoadIDs(ctx, t.schema, t.name); err != nil {
			return nil, err
		}
		filepath.WalkDir(folder, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") {
				mt.Files++
			}
			return nil
		})
		m.Tables = append(m.Tables, mt)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), append(data, '\n'), 0o644); err != nil {
		return nil, err
	}
	return m, nil
}

// personalData says why raw.name holds personal data, or "": by the staging
// rule (no name, ID, certificate or phone number passes staging), a column
// its source declares as one (a pseudonym column holds only its key), or
// any text shaped like an ID or mobile phone number.
func personalData(ctx context.Context, w *warehouse.Warehouse, src *project.Source, name string) (string, error) {
	var found []string
	declared := map[string]bool{}
	if src != nil {
		for _, c := range src.Columns {
			declared[c.Name] = true
			if what := c.Personal(); what != "" {
				found = append(found, c.Name+"（"+what+"）")
			}
		}
	}
	cols, err := w.Columns(ctx, project.RawSchema, name)
	if err != nil {
		return "", err
	}
	for _, c := range cols {
		if what := project.PersonalData(c.Name, nil); what != "" && !declared[c.Name] {
			found = append(found, c.Name+"（"+what+"）")
		}
	}
	if len(found) > 0 {
		return "含个人信息列 " + strings.Join(found, "、") + "，个人信息只到 staging 层之前", nil
	}
	values, err := w.PersonalValues(ctx, project.RawSchema, name)
	if err != nil {
		return "", err
	}
	for _, c := range sortedKeys(values) {
		found = append(found, fmt.Sprintf("%s（%d 个）", c, values[c]))
	}
	if len(found) > 0 {
		return "有形如身份证号或手机号的值：" + strings.Join(found, "、"), nil
	}
	return "", nil
}
