package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"jixiao/pipeline/render"
	"jixiao/pipeline/warehouse"
)

// formFlags are export's settings for a fund's finance form.
type formFlags struct {
	fund, month, unit *string
}

func (f formFlags) given() bool { return *f.fund != "" || *f.month != "" || *f.unit != "" }

// exportFundForm writes one fund's 绩效目标表, 运行监控表 or 自评表 as a
// workbook in the form's layout: jixiao export fund-monitor --fund F1
// --month 2017-07 [--unit 371002|ALL] [--out FILE].
func exportFundForm(ctx context.Context, env Env, g *globalFlags, name string, ff formFlags, format, out string) int {
	if format != "xlsx" {
		fmt.Fprintf(env.Stderr, "jixiao export %s: 表格只导出为 xlsx（与表格版式相同），不是 %q\n", name, format)
		return ExitUsage
	}
	if *ff.fund == "" {
		fmt.Fprintf(env.Stderr, "jixiao export %s: 需要 --fund 资金编号，例如 jixiao export %s --fund F1\n", name, name)
		return ExitUsage
	}
	var month time.Time
	if *ff.month != "" {
		t, err := time.Parse("2006-01", *ff.month)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao export %s: --month 写作 2017-07，不是 %q\n", name, *ff.month)
			return ExitUsage
		}
		month = t
	}
	return withWarehouse(ctx, env, g, func(w *warehouse.Warehouse) int {
		return writeFundForm(ctx, env, w, name, out, ff, month)
	})
}

// writeFundForm writes one finance form's workbook from the warehouse.
func writeFundForm(ctx context.Context, env Env, w *warehouse.Warehouse, name, out string, ff formFlags, month time.Time) int {
	path := out
	if path == "" {
		path = fmt.Sprintf("%s-%s.xlsx", name, *ff.fund)
		if !month.IsZero() {
			path = fmt.Sprintf("%s-%s-%s.xlsx", name, *ff.fund, month.Format("2006-01"))
		}
	}
	asOf, err := render.WriteFundForm(ctx, w, render.FundFormRequest{Export: name, Fund: *ff.fund, Month: month, Unit: *ff.unit}, path)
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao export %s: %v\n", name, err)
		return ExitFailed
	}
	abs, _ := filepath.Abs(path)
	period := "（截至" + render.FormatMonth(asOf) + "）"
	if name == "fund-targets" {
		period = fmt.Sprintf("（%d年度）", asOf.Year())
	}
	fmt.Fprintf(env.Stdout, "已导出 %s %s%s → %s\n", name, *ff.fund, period, abs)
	return ExitOK
}

func isFundForm(name string) bool { return slices.Contains(render.FundFormExports(), name) }
