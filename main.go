// Command jixiao tracks a Disabled Persons' Federation's annual work plan:
// it loads the units' reports into DuckDB, computes target completion, fund
// performance and the unit assessment with SQL, and renders an offline
// dashboard site for leadership. See README.md.
package main

import (
	"context"
	"embed"
	"io/fs"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"jixiao/pipeline/cli"
)

// defaultProject is the Weihai 2017 plan with its demo data, so the binary
// runs anywhere with no project folder.
//
//go:embed jixiao.yaml sources transforms dashboards schedules data
var defaultProject embed.FS

// version is set at build time by the Makefile (-ldflags -X main.version=...).
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// JIXIAO_CPUPROFILE=file writes a CPU profile of the command, for
	// developers measuring where a run spends its time.
	if path := os.Getenv("JIXIAO_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			code := runCLI(ctx)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(runCLI(ctx))
}

func runCLI(ctx context.Context) int {
	limitGoMemory(os.Getenv)
	var project fs.FS = defaultProject
	return cli.Main(ctx, os.Args[1:], cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, DefaultProject: project, Version: version,
	})
}
