package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestPlainWritesOneLinePerEvent(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf) // a buffer is not a terminal
	r.Stage("构建模型", 2)
	r.Item(1, 2, "staging.a", false)
	r.Item(2, 2, "marts.b", true)
	r.Log("共 %d 项", 2)
	got := regexp.MustCompile(`\d\d:\d\d:\d\d`).ReplaceAllString(buf.String(), "T")
	want := "T 构建模型（共 2 项）\nT   [1/2] staging.a 完成\nT   [2/2] marts.b 失败\n共 2 项\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLiveRewritesItsLine(t *testing.T) {
	var buf bytes.Buffer
	r := &live{out: &buf}
	r.Stage("读取数据源", 2)
	r.Item(1, 2, "progress", false)
	r.Item(2, 2, "targets", true)
	r.Log("完成")
	out := buf.String()
	if !strings.Contains(out, "\r\033[K") || !strings.Contains(out, "  ✗ targets\n") || !strings.HasSuffix(out, "\r\033[K完成\n") {
		t.Errorf("live output %q", out)
	}
	if !strings.Contains(out, "读取数据源 ██████████░░░░░░░░░░ 1/2 progress") {
		t.Errorf("no progress bar in %q", out)
	}
}
