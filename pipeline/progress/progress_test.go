package progress

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPlainWritesOneLinePerEvent(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, nil) // a buffer is not a terminal
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

// The log's clock is the project's, as its run ids are, whatever the
// machine's time zone.
func TestPlainStampsInTheProjectsZone(t *testing.T) {
	var buf bytes.Buffer
	shanghai := time.FixedZone("CST", 8*3600)
	r := New(&buf, shanghai)
	before := time.Now().In(shanghai)
	r.Stage("读取数据源", 0)
	after := time.Now().In(shanghai)
	stamp := strings.Fields(buf.String())[0]
	if stamp != before.Format("15:04:05") && stamp != after.Format("15:04:05") {
		t.Errorf("stamped %s, want Shanghai's %s", stamp, before.Format("15:04:05"))
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
