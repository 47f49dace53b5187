package warehouse

import (
	"errors"
	"regexp"
	"strings"
	"syscall"
)

// CorruptError means the warehouse file cannot be read as a DuckDB
// database: cut short (a copy that did not finish, a disk that failed) or
// not a database at all. Its message says what to do in Chinese, with
// DuckDB's own words on a second line.
type CorruptError struct {
	// File is the damaged file, as DuckDB names it ("" when it does not).
	File string
	Err  error
}

func (e *CorruptError) Error() string {
	move := "请把仓库文件移到别处留存"
	if e.File != "" {
		move += "（如 mv " + quoteShell(e.File) + " " + quoteShell(e.File+".damaged") + "）"
	}
	return "仓库文件已损坏或不是 DuckDB 数据库（可能是复制未完成、磁盘故障或被其他程序改写）：" + move +
		"，再运行 `jixiao run --full-refresh` 从各数据源重建仓库\n" +
		"（DuckDB：" + strings.TrimSpace(e.Err.Error()) + "）"
}

func (e *CorruptError) Unwrap() error { return e.Err }

// DiskFullError means a write failed because the disk is full.
type DiskFullError struct {
	// File is the file that could not be written, as DuckDB names it.
	File string
	Err  error
}

func (e *DiskFullError) Error() string {
	what := "磁盘空间已满"
	if e.File != "" {
		what += "，无法写入 " + e.File
	}
	return what + "：请清理该磁盘（或把 jixiao.yaml 的 warehouse、site 放到空间充足的磁盘），再重新运行；此前已提交的数据不受影响\n" +
		"原始错误：" + e.Err.Error()
}

func (e *DiskFullError) Unwrap() error { return e.Err }

// corruptSigns are the phrases of DuckDB's errors for a file it cannot read
// as a database: a bad header, a file cut short, a block whose checksum
// does not match.
var corruptSigns = []string{
	"not a valid DuckDB database file",
	"Could not read enough bytes from file",
	"Corrupt database file",
	"does not match stored checksum",
}

var errFileRe = regexp.MustCompile(`(?:file|File) "([^"]+)"`)

// ExplainStorage turns a damaged warehouse file or a full disk into an
// error that says, in Chinese, what to do; other errors are returned as
// they are. (Explain does the same for the sandbox's refusals.) It is for
// errors of the warehouse file itself: opening it, recording a run.
func ExplainStorage(err error) error {
	if err == nil {
		return nil
	}
	if full := ExplainDiskFull(err); full != err {
		return full
	}
	var corrupt *CorruptError
	if errors.As(err, &corrupt) {
		return err
	}
	msg := err.Error()
	for _, sign := range corruptSigns {
		if strings.Contains(msg, sign) {
			return &CorruptError{File: fileOf(msg), Err: err}
		}
	}
	return err
}

// ExplainDiskFull turns an error caused by a full disk (the warehouse, its
// write-ahead log or the site) into a DiskFullError; any other error is
// returned as it is. A run's error may join several, so it is checked
// whole.
func ExplainDiskFull(err error) error {
	if err == nil {
		return nil
	}
	var full *DiskFullError
	if errors.As(err, &full) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || strings.Contains(strings.ToLower(err.Error()), "no space left on device") {
		return &DiskFullError{File: fileOf(err.Error()), Err: err}
	}
	return err
}

// fileOf is the file a DuckDB error names (file "..."), or "".
func fileOf(msg string) string {
	if m := errFileRe.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// quoteShell quotes a path for a shell command line when it needs it.
func quoteShell(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
