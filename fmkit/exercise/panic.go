package exercise

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// panicked is a panic of the student's code, recovered by try, with the
// call stack at the panic.
type panicked struct {
	value any
	pcs   []uintptr
}

func (p *panicked) Error() string {
	if err, ok := p.value.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(p.value)
}

func (p *panicked) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

// try runs fn and turns a panic into an error, so that a student's function
// that panics (a TODO stub, a GoMLX shape error, an index out of range)
// becomes an item of the checklist instead of a crashed cell. The error
// remembers where the panic happened (see describeError).
func try(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	return fn()
}

// panicError wraps a recovered panic value; called from the deferred
// function of try, while the stack of the panic is still there.
func panicError(p any) error {
	if err, ok := p.(error); ok && IsNotWritten(err) {
		return err
	}
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	return &panicked{value: p, pcs: pcs[:n]}
}

// codeLine is a line of the student's code.
type codeLine struct {
	fn   string // function, without its package: "vTheta"
	file string
	line int
	text string // the source line, trimmed ("" if the file cannot be read)
}

// isStudentFunc reports whether a function (as runtime names it, e.g.
// "main.vTheta.func1") belongs to the student's code: package main in a
// notebook (GoNB compiles the cells as package main), or a _test package.
func isStudentFunc(name string) bool {
	pkg := name
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	if i := strings.Index(pkg, "."); i >= 0 {
		pkg = pkg[:i]
	}
	return pkg == "main" || strings.HasSuffix(pkg, "_test")
}

// isCheckFunc reports whether a function is this package's: the frames of
// the checks that called the student's code, past which a stack holds no
// more of the student's lines worth naming.
func isCheckFunc(name string) bool {
	return strings.HasPrefix(name, "github.com/flowmatching/gofm/fmkit/exercise.")
}

// shortFunc is the function's name without its package path and without
// the suffixes of closures: "main.vTheta.func1" -> "vTheta".
func shortFunc(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.Index(name, "."); i >= 0 {
		name = name[i+1:]
	}
	parts := strings.Split(name, ".")
	closure := func(s string) bool {
		return strings.HasPrefix(s, "func") || strings.HasPrefix(s, "gowrap") || strings.Trim(s, "0123456789") == ""
	}
	for len(parts) > 1 && closure(parts[len(parts)-1]) {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ".")
}

// frameLine matches the "\tfile:line" lines of a stack trace printed by
// github.com/pkg/errors (GoMLX's errors) with %+v.
var frameLine = regexp.MustCompile(`^\t(.+):(\d+)$`)

// locate finds the innermost line of the student's code in the stack of
// err: the stack of a panic recovered by try, or the one GoMLX records in
// its errors (printed by %+v).
func locate(err error) *codeLine {
	var p *panicked
	if errors.As(err, &p) {
		frames := runtime.CallersFrames(p.pcs)
		for {
			f, more := frames.Next()
			if isStudentFunc(f.Function) {
				return newCodeLine(f.Function, f.File, f.Line)
			}
			if !more || isCheckFunc(f.Function) {
				break
			}
		}
		if inner, ok := p.value.(error); ok && inner != err {
			return locate(inner)
		}
		return nil
	}
	lines := strings.Split(fmt.Sprintf("%+v", err), "\n")
	for i := 1; i < len(lines); i++ {
		m := frameLine.FindStringSubmatch(lines[i])
		if m != nil && isCheckFunc(lines[i-1]) {
			break
		}
		if m == nil || !isStudentFunc(lines[i-1]) {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		return newCodeLine(lines[i-1], m[1], n)
	}
	return nil
}

func newCodeLine(fn, file string, line int) *codeLine {
	return &codeLine{fn: shortFunc(fn), file: file, line: line, text: sourceLine(file, line)}
}

// sourceLine reads line n of file, trimmed, or "" when it cannot.
func sourceLine(file string, n int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			s := strings.TrimSpace(sc.Text())
			if len(s) > 160 {
				s = s[:160] + " ..."
			}
			return s
		}
	}
	return ""
}

// cleanMessage keeps the first line of an error message (GoMLX errors may
// carry a stack trace on the following lines), drops GoMLX's "runtime
// panic: " prefix (which it joins with a second colon) and bounds the
// length.
func cleanMessage(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	for _, prefix := range []string{"runtime panic: : ", "runtime panic: "} {
		s = strings.TrimPrefix(s, prefix)
	}
	if len(s) > 300 {
		s = s[:300] + " ..."
	}
	return s
}

// isPanic reports whether err is a panic of the student's code (recovered
// by try, or by GoMLX while it built a graph).
func isPanic(err error) bool {
	var p *panicked
	return errors.As(err, &p) || strings.HasPrefix(err.Error(), "runtime panic:")
}

// describeError says what went wrong in the student's code and, when the
// stack shows it, in which function and at which line:
//
//	it panicked: runtime error: index out of range [2] with length 2, in vTheta at the line `d := x.Shape().Dimensions[2]`
//
// In a notebook the line is the cell's source line (GoNB compiles the cells
// into one main.go; the line number of that file is not the cell's, so the
// source text is shown instead).
func describeError(err error) Text {
	msg := cleanMessage(err.Error())
	t := both(msg)
	if isPanic(err) {
		t = tr("代码 panic 了：%s", "it panicked: %s", msg)
	}
	if at := locate(err); at != nil {
		if at.fn == "init" || at.fn == "glob." || at.fn == "" {
			// A closure in a package-level declaration: its name says nothing.
			if at.text != "" {
				return cat(t, tr("，出错在这一行：`%s`", ", at the line `%s`", at.text))
			}
			return cat(t, tr("，出错在 %s:%d", ", at %s:%d", at.file, at.line))
		}
		if at.text != "" {
			t = cat(t, tr("，出错在 %s 的这一行：`%s`", ", in %s at the line `%s`", at.fn, at.text))
		} else {
			t = cat(t, tr("，出错在 %s（%s:%d）", ", in %s (%s:%d)", at.fn, at.file, at.line))
		}
	}
	return t
}

// firstLine is cleanMessage for messages that are not the student's.
func firstLine(s string) string { return cleanMessage(s) }
