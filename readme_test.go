//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"jixiao/pipeline/cli"
	"jixiao/pipeline/project"
)

// readmeSection is the text of README.md's ### section under heading, up
// to the next heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	text = text[i+len(heading)+2:]
	for _, h := range []string{"\n## ", "\n### "} {
		if j := strings.Index(text, h); j >= 0 {
			text = text[:j]
		}
	}
	return text
}

var fenceRe = regexp.MustCompile("(?s)```(sql|sh)\n(.*?)```")

// splitCommand splits a README command line into arguments: words, and
// "double-quoted" strings; a # starts a comment.
func splitCommand(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case inQuote:
			cur.WriteRune(r)
		case r == '#' && !inWord:
			return args
		case r == ' ' || r == '\t':
			if inWord {
				args, inWord = append(args, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// The README's first analyst section, followed to the letter on a copy of
// the repository: the model it shows is written where it says, then each
// command it gives is run in the copy as an analyst would (make run is
// jixiao run, in process, once built). jixiao must use the copy's own
// files and generate their demo data, so that check sees the new model
// and it builds from fresh data.
func TestReadmeAddingASQLTransform(t *testing.T) {
	section := readmeSection(t, "### Adding a SQL transform")
	blocks := fenceRe.FindAllStringSubmatchIndex(section, -1)
	if len(blocks) < 2 {
		t.Fatalf("the section has no example model and commands")
	}
	sqlAt, shAt := blocks[0], blocks[1]
	if section[sqlAt[2]:sqlAt[3]] != "sql" || section[shAt[2]:shAt[3]] != "sh" {
		t.Fatalf("the section must show the model, then the commands")
	}
	paths := regexp.MustCompile("`(transforms/[a-z_]+/([a-z_]+)\\.sql)`").FindAllStringSubmatch(section[:sqlAt[0]], -1)
	if len(paths) == 0 {
		t.Fatalf("the text before the example model must name its file")
	}
	file, model := paths[len(paths)-1][1], paths[len(paths)-1][2]

	// A copy of the repository's project files, as a clone has them.
	repo := t.TempDir()
	err := fs.WalkDir(defaultProject, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(defaultProject, p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Join(repo, filepath.Dir(p)), 0o755)
		return os.WriteFile(filepath.Join(repo, p), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)
	jixiao := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		env := cli.Env{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, DefaultProject: defaultProject, Version: "test"}
		if code := cli.Main(context.Background(), args, env); code != cli.ExitOK {
			t.Fatalf("jixiao %s: exit %d\n%s", strings.Join(args, " "), code, out.String())
		}
		return out.String()
	}

	// The model, where the README says to put it; then its commands in order.
	if err := os.WriteFile(filepath.Join(repo, file), []byte(section[sqlAt[4]:sqlAt[5]]), 0o644); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, line := range strings.Split(section[shAt[4]:shAt[5]], "\n") {
		args := splitCommand(line)
		switch {
		case len(args) == 0:
			continue
		case len(args) == 2 && args[0] == "make" && args[1] == "run":
			outputs = append(outputs, jixiao("run"))
		case args[0] == "./jixiao":
			outputs = append(outputs, jixiao(args[1:]...))
		default:
			t.Fatalf("the test does not know how to run %q", line)
		}
	}
	base, _ := project.Load(defaultProject)
	all := strings.Join(outputs, "\n")
	for _, want := range []string{
		"文件夹 " + repo + " 中的 jixiao.yaml", // the copy's own files, not the built-in copy
		"正在生成演示数据到 .jixiao/demo",          // its demo data, generated on first use
		fmt.Sprintf("数据源   %d 个：%[1]d 个入库", len(base.Sources)),
		fmt.Sprintf("检查通过：%d 个数据源，%d 个模型", len(base.Sources), len(base.Models)+1), // the new model is checked
		"模型     1 个构建成功，0 个失败",
		"数据测试 2 项通过，0 项失败",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the README's steps did not give %q:\n%s", want, all)
		}
	}
	if !strings.Contains(outputs[len(outputs)-1], "（5 行）") {
		t.Errorf("the query of marts.%s:\n%s", model, outputs[len(outputs)-1])
	}
	if _, err := os.Stat(filepath.Join(repo, ".jixiao", "demo", "reports")); err != nil {
		t.Errorf("the demo data belongs in the copy's .jixiao/demo: %v", err)
	}
}
