package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"time"

	"golang.org/x/text/width"

	"jixiao/pipeline/lock"
	"jixiao/pipeline/run"
	"jixiao/pipeline/warehouse"
)

// openReadOnly opens the project's warehouse for reading only; SQL on it
// may write writeFiles (an export's output) and no other file.
func openReadOnly(ctx context.Context, env Env, l *loaded, writeFiles ...string) (*warehouse.Warehouse, int) {
	target, err := warehouseOf(env, l)
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao: %v\n", err)
		return nil, ExitUsage
	}
	w, err := openReader(ctx, target, readerWait, warehouse.Options{WriteFiles: writeFiles})
	if err != nil {
		fmt.Fprintf(env.Stderr, "jixiao: %v\n", err)
		return nil, ExitFailed
	}
	return w, ExitOK
}

// readerWait is how long a reading command waits while a run writes.
const readerWait = 30 * time.Second

// openReader opens the warehouse read-only as a reader (package lock): a
// run waits for it to close instead of failing, and it waits up to wait
// while a run writes. A PostgreSQL warehouse takes no readers' lock: its
// readers see the last committed version while a run writes, and a run's
// swaps wait only for the statement a reader is running.
func openReader(ctx context.Context, target run.Target, wait time.Duration, opts warehouse.Options) (*warehouse.Warehouse, error) {
	opts.ReadOnly = true
	if target.Postgres != nil {
		return warehouse.Open(ctx, target.Path, target.Options(opts))
	}
	path := target.Path
	if _, err := os.Stat(path); err != nil {
		return warehouse.Open(ctx, path, opts) // says the warehouse is not built yet
	}
	held, err := lock.AcquireRead(ctx, path, wait)
	if err != nil {
		return nil, err
	}
	opts.OnClose = func() { held.Release() }
	w, err := warehouse.Open(ctx, path, opts)
	if err != nil {
		held.Release()
		return nil, err
	}
	return w, nil
}

func cmdQuery(ctx context.Context, env Env, args []string) int {
	fs, g := newFlagSet(ctx, env, "query", `query "SELECT ..." [--format table|csv|json] [--limit N]`)
	format := fs.String("format", "table", "output format: table, csv or json")
	limit := fs.Int("limit", 100, "at most this many rows in table format (0: all); csv and json print all rows")
	positional, code, done := parseArgs(fs, args)
	if done {
		return code
	}
	if len(positional) != 1 {
		fmt.Fprintln(env.Stderr, `jixiao query: 需要一条 SQL，例如 jixiao query "SELECT * FROM marts.indicator_completion LIMIT 10"`)
		return ExitUsage
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		fmt.Fprintf(env.Stderr, "jixiao query: --format 只能是 table、csv 或 json，不是 %q\n", *format)
		return ExitUsage
	}
	return withWarehouse(ctx, env, g, func(w *warehouse.Warehouse) int {
		n := *limit
		if *format != "table" {
			n = 0
		}
		// DuckDB's read-only connection and sandbox bound any statement;
		// PostgreSQL's read-only transaction does not bound COPY … TO a
		// file, so there the query must be one plain SELECT first.
		var err error
		if w.Kind() == warehouse.KindPostgres {
			err = w.RequireSelect(ctx, positional[0])
		}
		var res *warehouse.Result
		if err == nil {
			res, err = w.Query(ctx, positional[0], n)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao query: %v\n", err)
			return ExitFailed
		}
		return printResult(env.Stdout, res, *format)
	})
}

func printResult(w io.Writer, res *warehouse.Result, format string) int {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(res.Columns)
		for _, row := range res.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				if v != nil {
					cells[i] = warehouse.FormatTyped(v, res.Type(i))
				}
			}
			cw.Write(cells)
		}
		cw.Flush()
	case "json":
		out := make([]map[string]any, 0, len(res.Rows))
		for _, row := range res.Rows {
			m := map[string]any{}
			for i, v := range row {
				m[res.Columns[i]] = jsonValue(v)
			}
			out = append(out, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(w, err)
			return ExitFailed
		}
	default:
		printTable(w, res)
	}
	return ExitOK
}

func jsonValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.Format(time.RFC3339)
	case []byte:
		return string(t)
	case nil, bool, string, int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64:
		return t
	case *big.Int: // HUGEINT, as sum(BIGINT) returns
		return json.Number(t.String())
	case interface{ Float64() float64 }: // DECIMAL
		return t.Float64()
	case []any: // LIST: a JSON array of its items
		items := make([]any, len(t))
		for i, e := range t {
			items[i] = jsonValue(e)
		}
		return items
	case map[string]any: // STRUCT: an object
		fields := make(map[string]any, len(t))
		for k, e := range t {
			fields[k] = jsonValue(e)
		}
		return fields
	}
	return warehouse.FormatValue(v)
}

// displayWidth counts East Asian wide characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-displayWidth(s)))
}

func printTable(w io.Writer, res *warehouse.Result) {
	widths := make([]int, len(res.Columns))
	cells := make([][]string, len(res.Rows))
	for i, c := range res.Columns {
		widths[i] = displayWidth(c)
	}
	for r, row := range res.Rows {
		cells[r] = make([]string, len(row))
		for i, v := range row {
			s := warehouse.FormatTyped(v, res.Type(i))
			if displayWidth(s) > 60 {
				s = string([]rune(s)[:28]) + "…"
			}
			cells[r][i] = s
			widths[i] = max(widths[i], displayWidth(s))
		}
	}
	line := func(vals []string) {
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = pad(v, widths[i])
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(parts, "  "), " "))
	}
	line(res.Columns)
	seps := make([]string, len(widths))
	for i, n := range widths {
		seps[i] = strings.Repeat("-", n)
	}
	line(seps)
	for _, row := range cells {
		line(row)
	}
	fmt.Fprintf(w, "（%d 行）\n", len(res.Rows))
}

func cmdRuns(ctx context.Context, env Env, args []string) int {
	fs, g := newFlagSet(ctx, env, "runs", "runs [运行编号] [--limit N]")
	limit := fs.Int("limit", 20, "how many recent runs")
	positional, code, done := parseArgs(fs, args)
	if done {
		return code
	}
	return withProjectWarehouse(ctx, env, g, func(w *warehouse.Warehouse, l *loaded) int {
		if len(positional) == 1 {
			return showRun(ctx, env, w, positional[0], l.project.Config.Location)
		}
		res, err := w.RunTable(ctx, *limit)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao runs: %v\n", err)
			return ExitFailed
		}
		printTable(env.Stdout, labelled(res, "运行编号", "命令", "任务", "开始时间", "用时（秒）", "状态", "入库行数", "隔离行数", "模型", "测试失败", "页面"))
		return ExitOK
	})
}

// labelled gives a result's columns the Chinese headers a user reads.
func labelled(res *warehouse.Result, names ...string) *warehouse.Result {
	if len(names) == len(res.Columns) {
		res.Columns = names
	}
	return res
}

// showRun prints one run with each of its steps, the models that failed and
// the tests that did not pass.
func showRun(ctx context.Context, env Env, w *warehouse.Warehouse, id string, loc *time.Location) int {
	r, ok, err := w.Run(ctx, id)
	if err != nil || !ok {
		fmt.Fprintf(env.Stderr, "jixiao runs: 没有运行编号 %s\n", id)
		return ExitUsage
	}
	what := strings.TrimSpace(r.Command + " " + r.Job)
	// Times are stored in UTC and read in the project's time zone, as the
	// list of runs and the run's own id are.
	fmt.Fprintf(env.Stdout, "运行 %s（%s）：%s\n开始 %s，结束 %s\n", r.RunID, what, warehouse.StatusLabel(r.Status),
		r.StartedAt.In(loc).Format("2006-01-02 15:04:05"), r.FinishedAt.In(loc).Format("2006-01-02 15:04:05"))
	if r.Error != "" {
		fmt.Fprintf(env.Stdout, "错误：\n%s\n", r.Error)
	}
	for _, part := range []struct {
		title string
		read  func(context.Context, string) (*warehouse.Result, error)
		names []string
	}{
		{"步骤", w.RunSteps, []string{"步骤", "状态", "用时_秒", "说明"}},
		{"入库", w.RunLoads, []string{"数据源", "位置", "状态", "读取", "入库", "隔离", "游标"}},
		{"未成功构建的模型", w.RunFailedModels, []string{"模型", "状态", "错误"}},
		{"未通过的数据测试", w.RunUnpassedTests, []string{"模型", "测试", "结果", "不符合行数"}},
	} {
		res, err := part.read(ctx, id)
		if err != nil || len(res.Rows) == 0 {
			continue
		}
		labelStatuses(res)
		fmt.Fprintf(env.Stdout, "\n%s：\n", part.title)
		printTable(env.Stdout, labelled(res, part.names...))
	}
	return ExitOK
}

func cmdQuarantine(ctx context.Context, env Env, args []string) int {
	fs, g := newFlagSet(ctx, env, "quarantine", "quarantine [--source 名称] [--limit N] [--format table|csv|json]")
	source := fs.String("source", "", "only this source")
	limit := fs.Int("limit", 100, "at most this many rows")
	format := fs.String("format", "table", "output format: table, csv or json")
	if _, code, done := parseArgs(fs, args); done {
		return code
	}
	return withWarehouse(ctx, env, g, func(w *warehouse.Warehouse) int {
		res, err := w.QuarantineRows(ctx, *source, *limit)
		if err != nil {
			fmt.Fprintf(env.Stderr, "jixiao quarantine: %v\n", err)
			return ExitFailed
		}
		if len(res.Rows) == 0 && *format == "table" {
			fmt.Fprintln(env.Stdout, "没有被隔离的数据行。")
			return ExitOK
		}
		return printResult(env.Stdout, labelled(res, "数据源", "文件", "工作表", "行", "列", "原始值", "原因", "入库批次"), *format)
	})
}

// labelStatuses writes the status column of a meta listing in Chinese.
func labelStatuses(res *warehouse.Result) {
	for i, c := range res.Columns {
		if c != "status" {
			continue
		}
		for _, row := range res.Rows {
			if st, ok := row[i].(string); ok {
				row[i] = warehouse.StatusLabel(st)
			}
		}
	}
}
