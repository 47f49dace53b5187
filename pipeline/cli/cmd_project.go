package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
	"jixiao/pipeline/transform"
	"jixiao/pipeline/warehouse"
)

func cmdCheck(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "check", "check")
	if _, code, done := parseArgs(fset, args); done {
		return code
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	fmt.Fprintln(env.Stdout, l.describe())
	// Every query is bound against the built warehouse's raw tables, or
	// before the first run against the sources' declared columns.
	opts := run.CheckOptions{Bind: true, BindOptions: run.BindOptions{Base: l.base}}
	// A PostgreSQL warehouse whose variable is not set here (an analyst's
	// computer) is checked against the declarations, and says so.
	target, err := warehouseOf(env, l)
	if err != nil {
		fmt.Fprintf(env.Stderr, "注意：%v；本次只对照各数据源声明的列检查\n", err)
	}
	against := "各数据源声明的列"
	if _, statErr := os.Stat(target.Path); err == nil && (statErr == nil || target.Postgres != nil) {
		// While a run writes, check binds against the declarations rather than wait.
		if w, err := openReader(ctx, target, 0, warehouse.Options{}); err == nil {
			defer w.Close()
			opts.Loaded = w
			against = "仓库 " + target.String() + " 中已入库的数据源"
		}
	}
	plan, diags, err := run.CheckProjectWith(ctx, l.project, opts)
	if err != nil {
		return reportErr(env, err)
	}
	printDiagnostics(env, diags, l.dir)
	if diags.HasErrors() {
		fmt.Fprintf(env.Stderr, "项目有错误，共 %d 处。\n", len(diags))
		return ExitUsage
	}
	p := l.project
	fmt.Fprintf(env.Stdout, "项目 %s 检查通过：%d 个数据源，%d 个模型，%d 项数据测试，%d 个看板页面，%d 个定时任务。\n",
		p.Config.Name, len(p.Sources), len(p.Models), len(plan.Tests), len(p.Pages), len(p.Schedules))
	fmt.Fprintf(env.Stdout, "所有模型、数据测试和看板查询已对照%s检查（未运行）。\n", against)
	return ExitOK
}

func cmdLineage(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "lineage", "lineage 模型名称")
	positional, code, done := parseArgs(fset, args)
	if done {
		return code
	}
	if len(positional) != 1 {
		fmt.Fprintln(env.Stderr, "jixiao lineage: 需要一个模型或数据源名称，例如 jixiao lineage marts.indicator_completion")
		return ExitUsage
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	// Lineage needs the graph only: the SQL is parsed, not bound.
	plan, diags, err := run.CheckProjectWith(ctx, l.project, run.CheckOptions{})
	if err != nil {
		return reportErr(env, err)
	}
	if diags.HasErrors() {
		printDiagnostics(env, diags, l.dir)
		return ExitUsage
	}
	id, err := plan.Graph.Lookup(positional[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao lineage: %v\n", err)
		return ExitUsage
	}
	w := env.Stdout
	fmt.Fprintln(w, describeNode(plan.Graph, id))
	fmt.Fprintln(w, "读取（上游，直到原始数据源）：")
	if len(plan.Graph.Parents[id]) == 0 {
		fmt.Fprintln(w, "  （无）")
	}
	printTree(w, plan.Graph, id, plan.Graph.Parents, "  ", map[string]bool{})
	fmt.Fprintln(w, "被读取（下游）：")
	if len(plan.Graph.Children[id]) == 0 {
		fmt.Fprintln(w, "  （无）")
	}
	printTree(w, plan.Graph, id, plan.Graph.Children, "  ", map[string]bool{})
	return ExitOK
}

func describeNode(g *transform.Graph, id string) string {
	if m := g.Models[id]; m != nil {
		return fmt.Sprintf("%s  [模型 %s，%s]", id, m.File, m.Header.Materialized)
	}
	if s := g.Sources[id]; s != nil {
		return fmt.Sprintf("%s  [数据源 %s，%s]", id, s.File, s.Kind)
	}
	return id + "  [引擎元数据]"
}

func printTree(w interface{ Write([]byte) (int, error) }, g *transform.Graph, id string, edges map[string][]string, indent string, onPath map[string]bool) {
	for _, next := range edges[id] {
		fmt.Fprintf(w, "%s%s\n", indent, describeNode(g, next))
		if onPath[next] {
			continue
		}
		onPath[next] = true
		printTree(w, g, next, edges, indent+"  ", onPath)
		delete(onPath, next)
	}
}

func cmdInit(ctx context.Context, env Env, args []string) int {
	fset, _ := newFlagSet(ctx, env, "init", "init 文件夹 [--force]")
	force := fset.Bool("force", false, "write into a folder that already holds a project")
	positional, code, done := parseArgs(fset, args)
	if done {
		return code
	}
	if len(positional) != 1 {
		fmt.Fprintln(env.Stderr, "jixiao init: 需要一个目标文件夹，例如 jixiao init weihai2017")
		return ExitUsage
	}
	dir := positional[0]
	if _, err := os.Stat(filepath.Join(dir, project.ConfigFile)); err == nil && !*force {
		fmt.Fprintf(env.Stderr, "jixiao init: %s 已经有 %s；要覆盖请加 --force\n", dir, project.ConfigFile)
		return ExitUsage
	}
	if env.DefaultProject == nil {
		fmt.Fprintln(env.Stderr, "jixiao init: 本程序没有内置默认项目")
		return ExitFailed
	}
	n := 0
	err := fs.WalkDir(env.DefaultProject, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(env.DefaultProject, p)
		if err != nil {
			return err
		}
		n++
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao init: 写入 %s：%v\n", dir, err)
		return ExitFailed
	}
	// The project's demo data goes with it, so that it runs as it is.
	if p, diags := project.Load(os.DirFS(dir)); !diags.HasErrors() {
		if _, err := fs.Stat(p.FS, "data/catalog/indicators.csv"); err == nil {
			if _, err := generateDemo(ctx, p, demo.Options{Scale: demoScale, Seed: demoSeed, Months: demoMonths, Out: filepath.Join(dir, "data")}); err != nil {
				fmt.Fprintf(env.Stderr, "jixiao init: 生成演示数据：%v\n", err)
				return ExitFailed
			}
		}
	}
	fmt.Fprintf(env.Stdout, "已把默认项目（%d 个文件）及演示数据写到 %s。\n运行：jixiao --project %s run\n", n, dir, dir)
	return ExitOK
}

func cmdVersion(ctx context.Context, env Env, args []string) int {
	v := env.Version
	if v == "" {
		v = "dev"
	}
	fmt.Fprintf(env.Stdout, "jixiao %s\n", v)
	return ExitOK
}
