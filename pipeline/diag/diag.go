// Package diag holds positions and diagnostics. Every package that reports a
// problem with user input (a project file, a data file) reports it through
// here, so that each message names where the problem is.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a project file or a data file. Only the fields that apply
// are set: File and Line/Col for YAML and SQL; File, Sheet, Row and Column for
// spreadsheet and CSV data.
type Pos struct {
	File   string
	Line   int
	Col    int
	Sheet  string
	Row    int
	Column string
}

// String renders the position as file:line:col or file[sheet]:row:column.
func (p Pos) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Sheet != "" {
		fmt.Fprintf(&b, "[%s]", p.Sheet)
	}
	switch {
	case p.Line > 0:
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	case p.Row > 0:
		fmt.Fprintf(&b, ":row %d", p.Row)
		if p.Column != "" {
			fmt.Fprintf(&b, ":column %s", p.Column)
		}
	}
	return b.String()
}

// Severity says whether a diagnostic stops the work or only warns.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in user input.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Message  string
}

func (d Diagnostic) String() string {
	if d.Severity == Warning {
		return fmt.Sprintf("%s: warning: %s", d.Pos, d.Message)
	}
	return fmt.Sprintf("%s: %s", d.Pos, d.Message)
}

// List collects diagnostics so that one check reports every problem, not
// only the first.
type List []Diagnostic

// Errorf appends an error at pos.
func (l *List) Errorf(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at pos.
func (l *List) Warnf(pos Pos, format string, args ...any) {
	*l = append(*l, Diagnostic{Pos: pos, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by file, line and column so output is stable.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.Col < b.Col
	})
}

// Err returns the list as an error when it holds errors, or nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return &ListError{List: l}
}

// ListError carries every diagnostic of a failed check.
type ListError struct{ List List }

func (e *ListError) Error() string {
	var errs []string
	for _, d := range e.List {
		if d.Severity == Error {
			errs = append(errs, d.String())
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Sprintf("%d problems:\n  %s", len(errs), strings.Join(errs, "\n  "))
}
