// Package cli is jixiao's command line: it parses arguments, loads the
// project and calls the pipeline. It holds no pipeline logic of its own.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"jixiao/pipeline/diag"
	"jixiao/pipeline/project"
	"jixiao/pipeline/warehouse"
)

// Env is what the CLI needs from the process.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// DefaultProject is the embedded Weihai 2017 project.
	DefaultProject fs.FS
	Version        string
	// Getwd is the working folder, where jixiao looks for a project
	// (os.Getwd when nil).
	Getwd func() (string, error)
}

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the run or query failed
	ExitUsage  = 2 // bad arguments or a broken project
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) int
}

func commands() []command {
	return []command{
		{"run", "运行整个流程：读取数据源、构建模型、数据测试、生成看板", cmdRun},
		{"extract", "只读取数据源入库（可指定数据源名称）", cmdExtract},
		{"transform", "只构建 SQL 模型（--select 选择）", cmdTransform},
		{"test", "只运行数据测试（--select 选择）", cmdTest},
		{"render", "只生成看板网站", cmdRender},
		{"check", "检查项目文件，不运行任何步骤", cmdCheck},
		{"query", "在仓库上运行只读查询并打印结果", cmdQuery},
		{"lineage", "显示模型读取什么、被什么读取", cmdLineage},
		{"export", "把模型导出为 Excel、CSV 或 Parquet 文件；--all 把全部表导出为分区 Parquet", cmdExport},
		{"runs", "列出最近的运行记录；runs 运行编号 显示一次运行的各步骤", cmdRuns},
		{"schedule", "按 schedules/ 中的定时任务长期运行（前台）", cmdSchedule},
		{"serve", "在本机地址上提供看板、/healthz 与运行状态页", cmdServe},
		{"quarantine", "列出被隔离的数据行及原因", cmdQuarantine},
		{"reports", "各单位月报报送情况与催报清单（--format xlsx 写成 Excel）", cmdReports},
		{"init", "把内置的默认项目写到一个文件夹以便修改", cmdInit},
		{"demo", "生成演示数据（进度报表、资金台账、花名册、服务记录、问卷）", cmdDemo},
		{"version", "显示版本", cmdVersion},
	}
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	// Global flags may come before the command.
	pre := flag.NewFlagSet("jixiao", flag.ContinueOnError)
	pre.SetOutput(env.Stderr)
	var g globalFlags
	g.register(pre)
	if err := pre.Parse(args); err != nil {
		return ExitUsage
	}
	rest := pre.Args()
	if len(rest) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	for _, c := range commands() {
		if c.name == rest[0] {
			return c.run(withGlobals(ctx, g), env, rest[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "jixiao: 未知命令 %q\n\n", rest[0])
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "jixiao：残联工作要点绩效数据平台")
	fmt.Fprintln(w, "\n用法：jixiao [--project 文件夹] <命令> [选项]")
	fmt.Fprintln(w, "\n命令：")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n不指定 --project（或环境变量 JIXIAO_PROJECT）时，使用当前文件夹或其上级中含 jixiao.yaml 的项目；")
	fmt.Fprintln(w, "都没有时使用内置的威海市2017年默认项目。run 与 check 会先说明用的是哪个项目。")
	fmt.Fprintln(w, "每个命令的选项：jixiao <命令> -h")
}

// globalFlags are accepted before the command and by every command.
type globalFlags struct {
	project   string
	warehouse string
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.project, "project", "", "project folder (default: $JIXIAO_PROJECT, else the working folder or a parent holding jixiao.yaml, else the embedded Weihai 2017 project)")
	fs.StringVar(&g.warehouse, "warehouse", "", "warehouse file (default: the project's jixiao.yaml setting)")
}

type globalsKey struct{}

func withGlobals(ctx context.Context, g globalFlags) context.Context {
	return context.WithValue(ctx, globalsKey{}, g)
}

// newFlagSet makes a command's flag set that also takes the global flags,
// pre-set to what was given before the command.
func newFlagSet(ctx context.Context, env Env, name, usageLine string) (*flag.FlagSet, *globalFlags) {
	g, _ := ctx.Value(globalsKey{}).(globalFlags)
	fs := flag.NewFlagSet("jixiao "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	gf := &globalFlags{}
	gf.register(fs)
	gf.project, gf.warehouse = g.project, g.warehouse
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "用法：jixiao %s\n\n选项：\n", usageLine)
		fs.PrintDefaults()
	}
	return fs, gf
}

// parseFlags parses args allowing flags after positional arguments too
// (jixiao extract progress --full-refresh).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseArgs parses a command's flags, also after positional arguments. When
// done is true the command returns code at once (help was shown, or a flag
// was wrong).
func parseArgs(fs *flag.FlagSet, args []string) (positional []string, code int, done bool) {
	positional, err := parseFlags(fs, args)
	switch {
	case err == nil:
		return positional, ExitOK, false
	case errors.Is(err, flag.ErrHelp):
		return nil, ExitOK, true
	}
	return nil, ExitUsage, true
}

// withWarehouse loads the project, opens its warehouse read-only and runs fn.
func withWarehouse(ctx context.Context, env Env, g *globalFlags, fn func(w *warehouse.Warehouse) int) int {
	return withProjectWarehouse(ctx, env, g, func(w *warehouse.Warehouse, _ *loaded) int { return fn(w) })
}

// withProjectWarehouse is withWarehouse for commands that also need the
// project (its time zone, say).
func withProjectWarehouse(ctx context.Context, env Env, g *globalFlags, fn func(w *warehouse.Warehouse, l *loaded) int) int {
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	w, code := openReadOnly(ctx, env, l)
	if w == nil {
		return code
	}
	defer w.Close()
	return fn(w, l)
}

// loaded is a project with where it came from.
type loaded struct {
	project *project.Project
	// base is the folder relative paths resolve against: the project folder,
	// or the working folder for the embedded project.
	base      string
	embedded  bool
	warehouse string
	// dir is the project folder as diagnostics are prefixed with it ("" for
	// the embedded project); how says how it was chosen.
	dir string
	how string
}

// Ways a project is chosen, in the order they are tried.
const (
	byFlag    = "--project"
	byEnv     = "JIXIAO_PROJECT"
	byFolder  = "folder"
	byBuiltIn = "built-in"
)

// describe says, for run and check, which project is used.
func (l *loaded) describe() string {
	name := l.project.Config.Name
	if l.embedded {
		return fmt.Sprintf("项目：%s（jixiao 内置的默认项目；当前文件夹及其上级都没有 %s）", name, project.ConfigFile)
	}
	abs, err := filepath.Abs(l.base)
	if err != nil {
		abs = l.base
	}
	switch l.how {
	case byFolder:
		return fmt.Sprintf("项目：%s（文件夹 %s 中的 %s）", name, abs, project.ConfigFile)
	case byEnv:
		return fmt.Sprintf("项目：%s（文件夹 %s，由环境变量 JIXIAO_PROJECT 指定）", name, abs)
	}
	return fmt.Sprintf("项目：%s（文件夹 %s，由 --project 指定）", name, abs)
}

// findProject chooses the project folder: --project, else JIXIAO_PROJECT,
// else the working folder or the nearest parent holding jixiao.yaml (as git
// finds its repository), else none: the embedded project.
func findProject(env Env, g *globalFlags) (dir, how string) {
	if g.project != "" {
		return g.project, byFlag
	}
	if d := env.Getenv("JIXIAO_PROJECT"); d != "" {
		return d, byEnv
	}
	getwd := env.Getwd
	if getwd == nil {
		getwd = os.Getwd
	}
	wd, err := getwd()
	if err != nil {
		return "", byBuiltIn
	}
	for d := wd; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, project.ConfigFile)); err == nil && !st.IsDir() {
			return shortPath(d), byFolder
		}
		if filepath.Dir(d) == d {
			return "", byBuiltIn
		}
	}
}

// shortPath writes a folder relative to the process's working folder when
// it is that folder or one above it (".", "../.."), so that messages name
// files as the user sees them; else as it is.
func shortPath(dir string) string {
	wd, err := os.Getwd()
	if err != nil {
		return dir
	}
	rel, err := filepath.Rel(wd, dir)
	if err != nil {
		return dir
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part != ".." && part != "." {
			return dir
		}
	}
	return rel
}

// loadProject loads the chosen project and prints its diagnostics. It
// returns nil (after printing) when the project has errors. needData
// lays the demo data over a project with demo_data set, generating it
// when it is missing or stale (see withDemoData).
func loadProject(env Env, g *globalFlags, needData bool) *loaded {
	dir, how := findProject(env, g)
	l := &loaded{how: how}
	var fsys fs.FS
	if how == byBuiltIn {
		if env.DefaultProject == nil {
			fmt.Fprintln(env.Stderr, "jixiao: 没有指定项目（--project），当前文件夹及其上级没有 jixiao.yaml，本程序也没有内置默认项目")
			return nil
		}
		fsys, l.base, l.embedded = env.DefaultProject, ".", true
	} else {
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			fmt.Fprintf(env.Stderr, "jixiao: 项目文件夹 %s 不存在或不是文件夹\n", dir)
			return nil
		}
		fsys, l.base, l.dir = os.DirFS(dir), dir, dir
	}
	p, diags := project.Load(fsys)
	printDiagnostics(env, diags, l.dir)
	if diags.HasErrors() {
		fmt.Fprintf(env.Stderr, "项目有错误（见上），未运行任何步骤。\n")
		return nil
	}
	if needData && wantsDemoData(p) {
		withData, err := withDemoData(context.Background(), env, p, l.base)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao: %v\n", err)
			return nil
		}
		if p, diags = project.Load(withData); diags.HasErrors() {
			printDiagnostics(env, diags, l.dir)
			return nil
		}
	}
	l.project = p
	l.warehouse = g.warehouse
	if l.warehouse == "" {
		l.warehouse = env.Getenv("JIXIAO_WAREHOUSE")
	}
	return l
}

// printDiagnostics prints each diagnostic with its file made relative to
// the working folder.
func printDiagnostics(env Env, diags diag.List, dir string) {
	for _, d := range diags {
		if dir != "" && dir != "." && d.Pos.File != "" {
			d.Pos.File = strings.TrimPrefix(dir+"/"+d.Pos.File, "./")
		}
		fmt.Fprintln(env.Stderr, d.String())
	}
}

func reportErr(env Env, err error) int {
	var le *diag.ListError
	if errors.As(err, &le) {
		for _, d := range le.List {
			fmt.Fprintln(env.Stderr, d.String())
		}
		return ExitUsage
	}
	fmt.Fprintf(env.Stderr, "jixiao: %v\n", err)
	return ExitFailed
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
