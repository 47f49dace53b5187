package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"jixiao/pipeline/check"
	"jixiao/pipeline/diag"
	"jixiao/pipeline/progress"
	"jixiao/pipeline/run"
	"jixiao/pipeline/transform"
)

// stringList is a repeatable flag (--select a --select b, or a,b).
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

func cmdRun(ctx context.Context, env Env, args []string) int {
	return runStages(ctx, env, args, "run", "run [--select 模型] [--full-refresh]", run.AllStages)
}

func cmdExtract(ctx context.Context, env Env, args []string) int {
	return runStages(ctx, env, args, "extract", "extract [数据源名称...] [--full-refresh]", []run.Stage{run.StageExtract})
}

func cmdTransform(ctx context.Context, env Env, args []string) int {
	return runStages(ctx, env, args, "transform", "transform [--select 名称|名称+|+名称]", []run.Stage{run.StageTransform})
}

func cmdTest(ctx context.Context, env Env, args []string) int {
	return runStages(ctx, env, args, "test", "test [--select 名称|名称+|+名称]", []run.Stage{run.StageTest})
}

func cmdRender(ctx context.Context, env Env, args []string) int {
	return runStages(ctx, env, args, "render", "render [--site 文件夹]", []run.Stage{run.StageRender})
}

func runStages(ctx context.Context, env Env, args []string, name, usageLine string, stages []run.Stage) int {
	fs, g := newFlagSet(ctx, env, name, usageLine)
	var sel stringList
	var fullRefresh bool
	var site string
	if name != "extract" && name != "render" {
		fs.Var(&sel, "select", "models to build/test: NAME, NAME+ (and what reads it), +NAME (and what it reads); repeatable")
	}
	if name == "run" || name == "extract" {
		fs.BoolVar(&fullRefresh, "full-refresh", false, "reload file sources even when their content was loaded before")
	}
	fs.StringVar(&site, "site", "", "site folder (default: the project's jixiao.yaml setting)")
	wait := fs.Duration("wait", 0, "when another jixiao process is writing the warehouse, wait this long for it (e.g. 10m) instead of stopping")
	positional, code, done := parseArgs(fs, args)
	if done {
		return code
	}
	if len(positional) > 0 && name != "extract" {
		fmt.Fprintf(env.Stderr, "jixiao %s: 多余的参数 %s\n", name, strings.Join(positional, " "))
		return ExitUsage
	}
	l := loadProject(env, g, true)
	if l == nil {
		return ExitUsage
	}
	fmt.Fprintln(env.Stdout, l.describe())
	opts := run.Options{
		Project: l.project, Base: l.base, Warehouse: l.warehouse, Site: site, Command: name, Stages: stages,
		Sources: positional, Select: sel, FullRefresh: fullRefresh, Reporter: progress.New(env.Stdout, l.project.Config.Location), Getenv: env.Getenv,
		// A scheduled or repeated run redoes only what changed; the single-stage
		// commands do what they are asked.
		SkipUnchanged: name == "run" && !fullRefresh,
		LockWait:      *wait,
		Version:       env.Version,
	}
	s, err := run.Execute(ctx, opts)
	if s == nil {
		return reportErr(env, err)
	}
	// A broken project (an unknown table, a cycle) ran nothing: report it
	// as check does, with exit code 2.
	var broken *diag.ListError
	if errors.As(err, &broken) {
		printDiagnostics(env, broken.List, l.dir)
		fmt.Fprintf(env.Stderr, "项目有错误（见上），未运行任何步骤；改正后再运行（jixiao check 只检查不运行）。\n")
		return ExitUsage
	}
	printSummary(env, s)
	printResources(env.Stdout, s.Resources, l.project.Config)
	if err != nil {
		fmt.Fprintf(env.Stderr, "\n运行失败：\n%s\n", err)
		return ExitFailed
	}
	return ExitOK
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f 秒", d.Seconds()) }

func printSummary(env Env, s *run.Summary) {
	w := env.Stdout
	status := "成功"
	if s.Err != nil {
		status = "失败"
	}
	fmt.Fprintf(w, "\n运行 %s %s，用时 %s\n", s.RunID, status, seconds(s.Duration))
	if s.LockNote != "" {
		fmt.Fprintf(w, "  提示 %s\n", s.LockNote)
	}
	for _, st := range s.Stale {
		fmt.Fprintf(w, "  注意 %s\n", st.Message())
	}
	for _, d := range s.Diagnostics {
		fmt.Fprintf(w, "  提示 %s\n", d)
	}
	if d, ok := s.Stages[run.StageExtract]; ok {
		var read, loaded, rejected int64
		loadedSources, skipped := 0, 0
		for _, src := range s.Sources {
			read += src.RowsRead
			loaded += src.RowsLoaded
			rejected += src.RowsRejected
			if src.Loads > 0 {
				loadedSources++
			}
			if src.Loads == 0 && src.Err == nil {
				skipped++
			}
		}
		fmt.Fprintf(w, "  数据源   %d 个：%d 个入库，%d 个无变化跳过；读取 %d 行，入库 %d 行，隔离 %d 行（%s）\n",
			len(s.Sources), loadedSources, skipped, read, loaded, rejected, seconds(d))
		for _, src := range s.Sources {
			for _, warn := range src.Warnings {
				fmt.Fprintf(w, "    注意 %s\n", warn)
			}
			if src.Err != nil {
				fmt.Fprintf(w, "    ✗ %s\n", src.Err)
			}
		}
		if rejected > 0 {
			fmt.Fprintln(w, "    被隔离的行：jixiao quarantine")
		}
	}
	if d, ok := s.Stages[run.StageTransform]; ok {
		built, failed, skipped, kept := 0, 0, 0, 0
		inPart := 0
		parts := map[string]bool{}
		for _, m := range s.Models {
			switch m.Status {
			case transform.BuildSuccess:
				built++
				if m.Partitions != nil && !m.Partitions.Full && len(m.Partitions.Parts) > 0 {
					inPart++
					for _, p := range m.Partitions.Parts {
						parts[p] = true
					}
				}
			case transform.BuildFailed:
				failed++
			case transform.BuildSkipped:
				skipped++
			case transform.BuildUnchanged:
				kept++
			}
		}
		fmt.Fprintf(w, "  模型     %d 个构建成功，%d 个失败，%d 个因上游失败未构建，%d 个无变化未重建（%s）\n", built, failed, skipped, kept, seconds(d))
		if inPart > 0 {
			fmt.Fprintf(w, "    其中 %d 个只重算有变动的分区：%s\n", inPart, partNames(parts))
		}
	}
	if d, ok := s.Stages[run.StageTest]; ok {
		passed, failed, warned := 0, 0, 0
		for _, t := range s.Tests {
			switch t.Status {
			case check.StatusPass:
				passed++
			case check.StatusWarn:
				warned++
			default:
				failed++
			}
		}
		if len(s.Tests) == 0 && len(s.Models) > 0 {
			fmt.Fprintf(w, "  数据测试 模型无变化，无需重新测试（%s）\n", seconds(d))
		} else {
			fmt.Fprintf(w, "  数据测试 %d 项通过，%d 项失败，%d 项警告（%s）\n", passed, failed, warned, seconds(d))
		}
		for _, t := range s.Tests {
			if t.Status == check.StatusWarn {
				fmt.Fprintf(w, "    警告 %s %s：%d 行不符合\n", t.Test.Model, t.Test.Name, t.Failures)
			}
		}
	}
	if d, ok := s.Stages[run.StageRender]; ok && s.Render != nil {
		beside := ""
		if s.RenderBesideTests {
			beside = "，与数据测试同时进行"
		}
		fmt.Fprintf(w, "  看板     %d 页 → %s/index.html（%s%s）\n", len(s.Render.Pages), s.SiteDir, seconds(d), beside)
	} else if s.RenderUnchanged {
		fmt.Fprintf(w, "  看板     无变化，沿用 %s/index.html（%s）\n", s.SiteDir, seconds(d))
	}
	fmt.Fprintf(w, "  仓库     %s\n", s.Warehouse)
}

// partNames lists a run's rebuilt partitions in order, months as 2017年9月
// (a partition column's values as text: 2017-09-01 for a month).
func partNames(parts map[string]bool) string {
	names := make([]string, 0, len(parts))
	for p := range parts {
		names = append(names, p)
	}
	sort.Strings(names)
	for i, p := range names {
		if t, err := time.Parse("2006-01-02", p); err == nil && t.Day() == 1 {
			names[i] = fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
		}
	}
	const most = 6
	if len(names) > most {
		return strings.Join(names[:most], "、") + fmt.Sprintf(" 等 %d 个", len(names))
	}
	return strings.Join(names, "、")
}
