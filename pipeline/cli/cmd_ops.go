package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"jixiao/pipeline/progress"
	"jixiao/pipeline/project"
	"jixiao/pipeline/run"
	"jixiao/pipeline/schedule"
	"jixiao/pipeline/warehouse"
)

func stagesOf(job *project.Schedule) []run.Stage {
	switch job.Run {
	case "extract":
		return []run.Stage{run.StageExtract}
	case "transform":
		return []run.Stage{run.StageTransform}
	case "test":
		return []run.Stage{run.StageTest}
	case "render":
		return []run.Stage{run.StageRender}
	}
	return run.AllStages
}

func cmdSchedule(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "schedule", "schedule [--serve 地址] [--grace 30s]")
	addr := fset.String("serve", "", "also serve the site and a status page on this address (e.g. 127.0.0.1:8080)")
	grace := fset.Duration("grace", 30*time.Second, "on SIGINT/SIGTERM, how long the run in progress may go on before it is aborted")
	if _, code, done := parseArgs(fset, args); done {
		return code
	}
	l := loadProject(env, g, true)
	if l == nil {
		return ExitUsage
	}
	if len(l.project.Schedules) == 0 {
		fmt.Fprintln(env.Stderr, "jixiao schedule: 项目没有定时任务：请在 schedules/*.yaml 中声明")
		return ExitUsage
	}
	log := slog.New(slog.NewTextHandler(env.Stdout, nil))
	target, err := warehouseOf(env, l)
	if err != nil {
		return reportErr(env, err)
	}
	var mu sync.Mutex
	state := schedule.State{}
	runner := func(ctx context.Context, job *project.Schedule, attempt int) error {
		s, err := run.Execute(ctx, run.Options{
			Project: l.project, Base: l.base, Warehouse: l.warehouse, Command: "schedule", Job: job.Name,
			Stages: stagesOf(job), Sources: job.Sources, Select: job.Select, SkipUnchanged: job.Run == "pipeline",
			Reporter: progress.Discard{}, Getenv: env.Getenv, LockWait: 10 * time.Minute, Version: env.Version,
		})
		if s != nil {
			log.Info("run finished", "job", job.Name, "run_id", s.RunID, "status", s.Status, "took", s.Duration.Round(time.Millisecond).String(),
				"models", len(s.Models), "tests", len(s.Tests))
			for _, st := range s.Stale {
				log.Warn("source stale", "source", st.Source, "level", st.Level, "age", st.Age.Round(time.Minute).String())
			}
		}
		return err
	}
	sched, err := schedule.New(l.project.Schedules, l.project.Config.Location, schedule.RealClock{}, runner, log)
	if err != nil {
		return reportErr(env, err)
	}
	sched.Grace = *grace
	sched.LastRun = func(job string) (time.Time, bool) { return lastRunOf(ctx, target, job) }
	sched.OnState = func(s schedule.State) {
		mu.Lock()
		state = s
		mu.Unlock()
	}
	if *addr != "" {
		st := &statusServer{l: l, env: env, running: func() string {
			mu.Lock()
			defer mu.Unlock()
			return state.Running
		}}
		srv, err := st.listen(*addr)
		if err != nil {
			return reportErr(env, err)
		}
		log.Info("serving", "addr", "http://"+srv.Addr)
		defer srv.Shutdown(context.Background())
	}
	if err := sched.Serve(ctx); err != nil {
		return reportErr(env, err)
	}
	return ExitOK
}

// lastRunOf reads when a job last started, for the missed-run policy.
func lastRunOf(ctx context.Context, target run.Target, job string) (time.Time, bool) {
	if _, err := os.Stat(target.Path); err != nil && target.Postgres == nil {
		return time.Time{}, false
	}
	w, err := openReader(ctx, target, readerWait, warehouse.Options{})
	if err != nil {
		return time.Time{}, false
	}
	defer w.Close()
	t, ok, err := w.LastJobStart(ctx, job)
	return t, ok && err == nil
}

func cmdServe(ctx context.Context, env Env, args []string) int {
	fset, g := newFlagSet(ctx, env, "serve", "serve [--addr 127.0.0.1:8080]")
	addr := fset.String("addr", "127.0.0.1:8080", "address to listen on; loopback by default")
	if _, code, done := parseArgs(fset, args); done {
		return code
	}
	l := loadProject(env, g, false)
	if l == nil {
		return ExitUsage
	}
	st := &statusServer{l: l, env: env}
	srv, err := st.listen(*addr)
	if err != nil {
		return reportErr(env, err)
	}
	fmt.Fprintf(env.Stdout, "看板：http://%s/ 　运行状态：http://%s/status（Ctrl+C 停止）\n", srv.Addr, srv.Addr)
	<-ctx.Done()
	srv.Shutdown(context.Background())
	return ExitOK
}

// statusServer serves the site folder, /healthz and /status.
type statusServer struct {
	l       *loaded
	env     Env
	running func() string
}

func (s *statusServer) siteDir() string { return run.Resolve(s.l.base, s.l.project.Config.Site) }

func (s *statusServer) listen(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.healthz)
	mux.HandleFunc("/status", s.status)
	mux.HandleFunc("/", s.site)
	srv := &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// site serves the site folder and nothing outside it: paths that climb out
// and symbolic links that lead out are refused (os.Root), dot files (the
// swap's temporary folders) are not served. The folder is opened for each
// request, so a render's swap shows at once.
func (s *statusServer) site(w http.ResponseWriter, r *http.Request) {
	for _, part := range strings.Split(r.URL.Path, "/") {
		if strings.HasPrefix(part, ".") {
			http.NotFound(w, r)
			return
		}
	}
	root, err := os.OpenRoot(s.siteDir())
	if err != nil {
		http.Error(w, "看板尚未生成：请先运行 jixiao run", http.StatusNotFound)
		return
	}
	defer root.Close()
	http.FileServerFS(insideFS{root.FS()}).ServeHTTP(w, r)
}

// insideFS reports a path that leaves the site (a link to /etc) as not
// permitted, which the file server answers 403, instead of an error it
// would answer 500.
type insideFS struct{ fs.FS }

func (f insideFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return file, err
}

// lastRuns reads recent runs; while a run writes the warehouse it says so
// instead of failing or waiting.
func (s *statusServer) lastRuns(ctx context.Context, n int) ([]warehouse.RunRecord, error) {
	if s.running != nil && s.running() != "" {
		return nil, fmt.Errorf("仓库正在写入（任务 %s 正在运行），稍后刷新", s.running())
	}
	// A page request waits a moment for a run to finish, then says so.
	target, err := warehouseOf(s.env, s.l)
	if err != nil {
		return nil, err
	}
	w, err := openReader(ctx, target, 2*time.Second, warehouse.Options{})
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return w.RecentRuns(ctx, n)
}

func (s *statusServer) healthz(w http.ResponseWriter, r *http.Request) {
	body := map[string]any{"status": "ok"}
	if runs, err := s.lastRuns(r.Context(), 1); err == nil && len(runs) > 0 {
		body["last_run"] = map[string]any{"run_id": runs[0].RunID, "status": runs[0].Status, "started_at": runs[0].StartedAt}
	} else if err != nil {
		body["warehouse"] = err.Error()
	}
	if s.running != nil && s.running() != "" {
		body["running"] = s.running()
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(body)
}

var statusPage = template.Must(template.New("status").Parse(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>运行状态 · {{.Name}}</title><style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#1f2d3d}
table{border-collapse:collapse;margin-bottom:24px}th,td{border:1px solid #dde3ea;padding:4px 10px;font-size:13px;text-align:left}th{background:#eef2f7}
.failed,.interrupted{color:#c62828;font-weight:bold}.success{color:#2e7d32}.note{color:#b26a00}</style></head><body>
<h1>{{.Name}} · 运行状态</h1><p><a href="/">打开看板</a></p>
{{if .Running}}<p class="note">正在运行：{{.Running}}</p>{{end}}
<h2>定时任务</h2><table><tr><th>任务</th><th>时间（cron）</th><th>内容</th><th>下次运行</th></tr>
{{range .Jobs}}<tr><td>{{.Name}}</td><td>{{.Cron}}</td><td>{{.Run}}</td><td>{{.Next}}</td></tr>{{end}}</table>
<h2>最近运行</h2>{{if .RunsErr}}<p class="note">{{.RunsErr}}</p>{{else}}<table><tr><th>运行编号</th><th>命令/任务</th><th>开始</th><th>用时</th><th>状态</th><th>入库行数</th><th>测试失败</th><th>错误</th></tr>
{{range .Runs}}<tr><td>{{.RunID}}</td><td>{{.Command}} {{.Job}}</td><td>{{.Start}}</td><td>{{.Took}}</td><td class="{{.Status}}">{{.Label}}</td><td>{{.Rows}}</td><td>{{.TestsFailed}}</td><td>{{.Error}}</td></tr>{{end}}</table>{{end}}
<h2>数据新鲜度</h2>{{if .Stale}}<ul>{{range .Stale}}<li class="note">{{.}}</li>{{end}}</ul>{{else}}<p>各数据源都在时限内。</p>{{end}}
</body></html>`))

func (s *statusServer) status(w http.ResponseWriter, r *http.Request) {
	p := s.l.project
	loc := p.Config.Location
	view := struct {
		Name, Running, RunsErr string
		Jobs                   []struct{ Name, Cron, Run, Next string }
		Runs                   []struct{ RunID, Command, Job, Start, Took, Status, Label, Rows, TestsFailed, Error string }
		Stale                  []string
	}{Name: p.Config.Name}
	if s.running != nil {
		view.Running = s.running()
	}
	if sched, err := schedule.New(p.Schedules, loc, nil, nil, nil); err == nil {
		next := sched.NextRuns(time.Now())
		for _, j := range p.Schedules {
			view.Jobs = append(view.Jobs, struct{ Name, Cron, Run, Next string }{j.Name, j.Cron, j.Run, next[j.Name].In(loc).Format("2006-01-02 15:04")})
		}
	}
	runs, err := s.lastRuns(r.Context(), 20)
	if err != nil {
		view.RunsErr = "无法读取运行记录：" + err.Error()
	}
	for _, rr := range runs {
		view.Runs = append(view.Runs, struct{ RunID, Command, Job, Start, Took, Status, Label, Rows, TestsFailed, Error string }{
			rr.RunID, rr.Command, rr.Job, rr.StartedAt.In(loc).Format("2006-01-02 15:04:05"), rr.FinishedAt.Sub(rr.StartedAt).Round(time.Millisecond).String(),
			rr.Status, warehouse.StatusLabel(rr.Status), fmt.Sprint(rr.RowsLoaded), fmt.Sprint(rr.TestsFailed), firstLine(rr.Error)})
	}
	if view.RunsErr == "" {
		if target, err := warehouseOf(s.env, s.l); err != nil {
			view.RunsErr = err.Error()
		} else if wh, err := openReader(r.Context(), target, 2*time.Second, warehouse.Options{}); err == nil {
			if stale, err := run.CheckFreshness(r.Context(), wh, p, time.Now()); err == nil {
				for _, st := range stale {
					view.Stale = append(view.Stale, st.Message())
				}
			}
			wh.Close()
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	statusPage.Execute(w, view)
}

func firstLine(s string) string {
	if i := strings.Index(s, "\n"); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
