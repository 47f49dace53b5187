package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"jixiao/pipeline/render"
	"jixiao/pipeline/warehouse"
	"jixiao/pipeline/workbook"
)

func cmdExport(ctx context.Context, env Env, args []string) int {
	if exportAll(args) {
		return cmdExportAll(ctx, env, args) // every table, for a province (cmd_export_all.go)
	}
	fset, g := newFlagSet(ctx, env, "export", "export 模型 [--format xlsx|csv|parquet] [--out 文件]\n       jixiao export fund-targets|fund-monitor|fund-self-eval --fund F1 [--month 2017-07] [--unit 单位代码|ALL] [--out 文件]")
	format := fset.String("format", "xlsx", "xlsx (Chinese headers where the model documents them), csv or parquet")
	out := fset.String("out", "", "file to write (default: the model's name with the format's extension)")
	ff := formFlags{
		fund:  fset.String("fund", "", "fund forms: the fund's id (F1)"),
		month: fset.String("month", "", "fund forms: the month the form is as of, 2017-07 (default: the data's newest)"),
		unit:  fset.String("unit", "", "fund forms: one unit's code, or ALL for the city (default: the city and every unit, a sheet each)"),
	}
	positional, code, done := parseArgs(fset, args)
	if done {
		return code
	}
	if len(positional) != 1 {
		fmt.Fprintln(env.Stderr, "jixiao export: 需要一个模型名称，例如 jixiao export marts.fund_performance --format xlsx，或表格名称 fund-targets、fund-monitor、fund-self-eval")
		return ExitUsage
	}
	if isFundForm(positional[0]) {
		return exportFundForm(ctx, env, g, positional[0], ff, *format, *out)
	}
	if ff.given() {
		fmt.Fprintln(env.Stderr, "jixiao export: --fund、--month、--unit 只用于 fund-targets、fund-monitor、fund-self-eval")
		return ExitUsage
	}
	if *format != "xlsx" && *format != "csv" && *format != "parquet" {
		fmt.Fprintf(env.Stderr, "jixiao export: --format 只能是 xlsx、csv 或 parquet，不是 %q\n", *format)
		return ExitUsage
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	name := strings.ToLower(positional[0])
	schema, table, qualified := strings.Cut(name, ".")
	if !qualified {
		m := l.project.Model(name)
		if m == nil {
			fmt.Fprintf(env.Stderr, "jixiao export: 没有名为 %q 的模型\n", name)
			return ExitUsage
		}
		schema, table = m.Schema, m.Name
	}
	m := l.project.ModelByTable(schema, table)
	path := *out
	if path == "" {
		path = schema + "." + table + "." + *format
	}
	// Only a Parquet export lets DuckDB write, and only the output file.
	var writable []string
	if *format == "parquet" {
		writable = append(writable, path)
	}
	w, code := openReadOnly(ctx, env, l, writable...)
	if w == nil {
		return code
	}
	defer w.Close()
	if kind, err := w.TableKind(ctx, schema, table); err != nil || kind == "" {
		fmt.Fprintf(env.Stderr, "jixiao export: 仓库中没有 %s.%s（先运行 jixiao run）\n", schema, table)
		return ExitFailed
	}
	var err error
	if *format == "parquet" {
		err = w.ExportParquet(ctx, schema, table, path)
	} else {
		var res *warehouse.Result
		res, err = w.Query(ctx, "SELECT * FROM "+warehouse.QuoteTable(schema, table), 0)
		if err == nil {
			labels := map[string]string{}
			title := schema + "." + table
			if m != nil {
				for _, c := range m.Header.Columns {
					labels[c.Name] = c.Label
				}
				if m.Header.Description != "" {
					title = m.Header.Description
				}
			}
			if *format == "xlsx" {
				err = render.WriteXLSX(path, title, res, labels)
			} else {
				err = render.WriteCSV(path, res, labels)
			}
		}
	}
	if errors.Is(err, workbook.ErrTooLarge) {
		fmt.Fprintf(env.Stderr, "jixiao export: %s 超出 Excel 单个工作表的上限（1,048,576 行）：请改用 --format csv 或 --format parquet\n", name)
		return ExitFailed
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao export: %v\n", err)
		return ExitFailed
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(env.Stdout, "已导出 %s.%s → %s\n", schema, table, abs)
	return ExitOK
}
