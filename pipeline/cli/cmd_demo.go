package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"jixiao/pipeline/demo"
	"jixiao/pipeline/project"
)

// Demo data defaults: Weihai-sized, reported through September.
const (
	demoScale  = 1
	demoSeed   = 2017
	demoMonths = 9
	// demoDir is where the embedded project's generated data lives.
	demoDir = ".jixiao/demo"
)

func cmdDemo(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "demo", "demo --out 文件夹 [--scale N] [--seed S] [--months M] [--to-postgres DSN] [--to-mysql DSN]")
	out := fset.String("out", "", "folder to write the demo data to, laid out like a project's data/ folder")
	scale := fset.Float64("scale", demoScale, "1 is Weihai-sized (68,000 certified people); 100 is province-sized")
	seed := fset.Uint64("seed", demoSeed, "random seed: the same seed gives the same data")
	months := fset.Int("months", demoMonths, "months of the plan year reported (1-12)")
	toPG := fset.String("to-postgres", "", "also load the roster and services into this PostgreSQL database")
	toMy := fset.String("to-mysql", "", "also load the roster and services into this MySQL/MariaDB database")
	if _, code, done := parseArgs(fset, args); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(env.Stderr, "jixiao demo: 需要 --out 文件夹")
		return ExitUsage
	}
	if *months < 1 || *months > 12 || *scale <= 0 {
		fmt.Fprintln(env.Stderr, "jixiao demo: --months 须在 1 到 12 之间，--scale 须大于 0")
		return ExitUsage
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	start := time.Now()
	// Demo data generated before into the folder is replaced whole: files
	// of units no longer listed must not stay behind.
	if _, err := demo.Clear(*out); err != nil {
		return reportErr(env, err)
	}
	s, err := generateDemo(ctx, l.project, demo.Options{Scale: *scale, Seed: *seed, Months: *months, Out: *out})
	if err != nil {
		return reportErr(env, err)
	}
	fmt.Fprintf(env.Stdout, "已生成演示数据到 %s（%.1f 秒）：进度报表 %d 份，持证残疾人 %d 人，服务记录 %d 条，资金台账 %d 行，满意度问卷 %d 份，资金评价 %d 条。\n",
		*out, time.Since(start).Seconds(), s.Workbooks, s.Persons, s.Services, s.Ledger, s.Survey, s.Reviews)
	for dialect, dsn := range map[string]string{"postgres": *toPG, "mysql": *toMy} {
		if dsn == "" {
			continue
		}
		counts, err := demo.LoadDatabase(ctx, dialect, dsn, *out)
		if err != nil {
			return reportErr(env, fmt.Errorf("demo --to-%s: %w", dialect, err))
		}
		fmt.Fprintf(env.Stdout, "已写入 %s：persons %d 行，services %d 行。\n", dialect, counts["persons"], counts["services"])
	}
	return ExitOK
}

func generateDemo(ctx context.Context, p *project.Project, o demo.Options) (*demo.Summary, error) {
	cat, err := demo.ReadCatalog(p)
	if err != nil {
		return nil, err
	}
	return demo.Generate(ctx, cat, o)
}

// wantsDemoData reports whether p's data files are demo data to generate:
// it says demo_data and its data/ holds no demo data of its own (jixiao
// init, or jixiao demo --out data, writes it there).
func wantsDemoData(p *project.Project) bool {
	if !p.Config.DemoData {
		return false
	}
	_, err := fs.Stat(p.FS, "data/"+demo.MarkerFile)
	return err != nil
}

// demoInputsFile records a hash of what the demo data was generated from
// (the catalog and the units), so that an edited catalog regenerates it.
const demoInputsFile = ".jixiao-demo-inputs"

// withDemoData lays generated demo data over the project's data/ folder,
// generating it first when it is missing, made by another generator or
// options, or made from another catalog. The embedded project and a
// project folder are treated alike: the data goes into .jixiao/demo under
// base (the working folder for the embedded project), or JIXIAO_DEMO_DIR.
func withDemoData(ctx context.Context, env Env, p *project.Project, base string) (fs.FS, error) {
	dir := env.Getenv("JIXIAO_DEMO_DIR")
	if dir == "" {
		dir = filepath.Join(base, demoDir)
	}
	opts := demo.Options{Scale: demoScale, Seed: demoSeed, Months: demoMonths, Out: dir}
	overlay := demo.Overlay{Base: p.FS, Upper: os.DirFS(dir), Prefix: "data"}
	cat, err := demo.ReadCatalog(p)
	if err != nil {
		return nil, fmt.Errorf("generate the demo data: %w", err)
	}
	inputs, err := json.Marshal(cat)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(inputs)
	stamp := hex.EncodeToString(sum[:]) + "\n"
	if old, err := os.ReadFile(filepath.Join(dir, demoInputsFile)); err == nil && string(old) == stamp && demo.Current(dir, opts) {
		return overlay, nil
	}
	fmt.Fprintf(env.Stdout, "正在生成演示数据到 %s（首次运行，或指标目录、单位已更改）…\n", filepath.Clean(dir))
	os.RemoveAll(dir)
	if _, err := demo.Generate(ctx, cat, opts); err != nil {
		return nil, fmt.Errorf("generate the demo data: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, demoInputsFile), []byte(stamp), 0o644); err != nil {
		return nil, err
	}
	return overlay, nil
}
