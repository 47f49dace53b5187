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
	var project fs.FS = defaultProject
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, DefaultProject: project, Version: version,
	}))
}
