package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"jixiao/pipeline/render"
	"jixiao/pipeline/warehouse"
)

// receiptsModel is the default project's model of monthly report receipts;
// a project without it has nothing for `reports` to show.
const receiptsModel = "stg_report_receipts"

// cmdReports shows, per unit and month, which progress report arrived and
// how, and lists the reminders to send (催报): reports not received, or
// rejected whole.
func cmdReports(ctx context.Context, env Env, args []string) int {
	fs, g := newFlagSet(ctx, env, "reports", "reports [--format table|csv|json|xlsx] [--out 文件]")
	format := fs.String("format", "table", "table (the month-by-month grid and the reminders), or csv, json, xlsx (the reminders)")
	out := fs.String("out", "", "with --format xlsx: the workbook to write (default 催报清单.xlsx)")
	if _, code, done := parseArgs(fs, args); done {
		return code
	}
	switch *format {
	case "table", "csv", "json", "xlsx":
	default:
		fmt.Fprintf(env.Stderr, "jixiao reports: --format 只能是 table、csv、json 或 xlsx，不是 %q\n", *format)
		return ExitUsage
	}
	return withWarehouse(ctx, env, g, func(w *warehouse.Warehouse) int {
		if kind, err := w.TableKind(ctx, "staging", receiptsModel); err != nil || kind == "" {
			fmt.Fprintf(env.Stderr, "jixiao reports: 仓库中没有 staging.%s（月报报送情况模型）：先运行 jixiao run；自建项目可参照默认项目的 transforms/staging/%s.sql\n", receiptsModel, receiptsModel)
			return ExitFailed
		}
		reminders, err := w.Query(ctx, `SELECT unit_name AS 单位, extract(year FROM month) || '年' || extract(month FROM month) || '月' AS 月份, receipt AS 情况,
			coalesce(rejected_file, '') AS 被拒收文件, coalesce(rejected_reason, '') AS 拒收原因, remedy AS 处理办法
			FROM staging.`+receiptsModel+` WHERE receipt IN ('未收到', '被拒收') ORDER BY month, unit_code`, 0)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao reports: %v\n", err)
			return ExitFailed
		}
		switch *format {
		case "xlsx":
			path := *out
			if path == "" {
				path = "催报清单.xlsx"
			}
			if err := render.WriteXLSX(path, "催报清单", reminders, nil); err != nil {
				fmt.Fprintf(env.Stderr, "jixiao reports: %v\n", err)
				return ExitFailed
			}
			fmt.Fprintf(env.Stdout, "已写出催报清单（%d 份月报）→ %s\n", len(reminders.Rows), path)
			return ExitOK
		case "csv", "json":
			return printResult(env.Stdout, reminders, *format)
		}
		grid, err := receiptGrid(ctx, w)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao reports: %v\n", err)
			return ExitFailed
		}
		fmt.Fprintln(env.Stdout, "月报报送情况（✓ 按时  迟 迟报  ✗ 未收到  拒 被拒收；+ 有更正）：")
		printTable(env.Stdout, grid)
		if len(reminders.Rows) == 0 {
			fmt.Fprintln(env.Stdout, "\n没有需要催报的月报。")
			return ExitOK
		}
		fmt.Fprintf(env.Stdout, "\n需要催报（%d 份）：\n", len(reminders.Rows))
		printTable(env.Stdout, reminders)
		fmt.Fprintln(env.Stdout, "催报清单可用 jixiao reports --format xlsx 写成 Excel。")
		return ExitOK
	})
}

// receiptGrid lays the receipts out as units × months, one symbol a cell.
func receiptGrid(ctx context.Context, w *warehouse.Warehouse) (*warehouse.Result, error) {
	res, err := w.Query(ctx, `SELECT unit_code, unit_name, month, receipt, corrected FROM staging.`+receiptsModel+` ORDER BY unit_code, month`, 0)
	if err != nil {
		return nil, err
	}
	grid := &warehouse.Result{Columns: []string{"单位"}}
	months := map[time.Time]int{}
	units := map[string]int{}
	for _, r := range res.Rows {
		m, _ := r[2].(time.Time)
		if _, ok := months[m]; !ok {
			months[m] = len(grid.Columns)
			grid.Columns = append(grid.Columns, fmt.Sprintf("%d月", int(m.Month())))
		}
	}
	for _, r := range res.Rows {
		code := fmt.Sprint(r[0])
		i, ok := units[code]
		if !ok {
			i = len(grid.Rows)
			units[code] = i
			row := make([]any, len(grid.Columns))
			row[0] = fmt.Sprint(r[1])
			grid.Rows = append(grid.Rows, row)
		}
		symbol := map[string]string{"按时报送": "✓", "迟报": "迟", "未收到": "✗", "被拒收": "拒"}[fmt.Sprint(r[3])]
		if corrected, _ := r[4].(bool); corrected {
			symbol += "+"
		}
		m, _ := r[2].(time.Time)
		grid.Rows[i][months[m]] = strings.TrimSpace(symbol)
	}
	return grid, nil
}
