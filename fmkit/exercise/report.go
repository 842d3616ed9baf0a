package exercise

import (
	"errors"
	"fmt"
	"html"
	"runtime"
	"strings"

	"github.com/flowmatching/gofm/fmkit/nb"
)

// NotWritten is the error a stub returns through TODO: the part it names has
// not been written yet. Checks report it as "not yet written", not as a
// failure.
type NotWritten struct {
	Part string // e.g. "part 1a: the time embedding"
}

// notWrittenMark is in NotWritten's message, so that it is recognised even
// after a library has flattened the error into a string.
const notWrittenMark = "is not written yet"

func (e *NotWritten) Error() string {
	return fmt.Sprintf("exercise: %s %s (its TODO stub is still there)", e.Part, notWrittenMark)
}

// TODO returns the error of an unwritten part. A stub of the exercise
// notebook is
//
//	panic(exercise.TODO("part 1a: the time embedding"))
//
// which type-checks whatever the function returns; the checks recover the
// panic and show "not yet written" instead of a stack trace.
func TODO(part string) error { return &NotWritten{Part: part} }

// IsNotWritten reports whether err (or a panic value) comes from a TODO stub.
func IsNotWritten(err error) bool {
	if err == nil {
		return false
	}
	var nw *NotWritten
	return errors.As(err, &nw) || strings.Contains(err.Error(), notWrittenMark)
}

// Status of one item of a checklist.
type Status int

// The statuses of a check item.
const (
	Passed  Status = iota // the student's code behaves as expected
	Failed                // it runs but is wrong, or panics: the detail is a hint
	NotYet                // the part still has its TODO stub
	Waiting               // it needs an earlier part that is not done yet
)

var statusText = map[Status]string{Passed: "passed", Failed: "failed", NotYet: "not yet written", Waiting: "waiting"}

func (s Status) String() string { return statusText[s] }

// Item is one line of a checklist: what was checked, the outcome, and the
// measured value (when it passed) or a hint saying what to look at.
type Item struct {
	Name   string
	Status Status
	Detail string
}

// Report is the checklist of one check cell.
type Report struct {
	Title string
	Items []Item
}

// Pass, Fail, Todo and Wait append an item.
func (r *Report) Pass(name, format string, args ...any) {
	r.Items = append(r.Items, Item{name, Passed, fmt.Sprintf(format, args...)})
}

// Fail appends a failed item with a hint.
func (r *Report) Fail(name, format string, args ...any) {
	r.Items = append(r.Items, Item{name, Failed, fmt.Sprintf(format, args...)})
}

// Todo appends a not-yet-written item.
func (r *Report) Todo(name, part string) {
	r.Items = append(r.Items, Item{name, NotYet, part + " still has its TODO stub"})
}

// Wait appends an item that needs an earlier part.
func (r *Report) Wait(name, format string, args ...any) {
	r.Items = append(r.Items, Item{name, Waiting, fmt.Sprintf(format, args...)})
}

// Check appends Passed when ok, else Failed with the hint.
func (r *Report) Check(name string, ok bool, passed, hint string) bool {
	if ok {
		r.Pass(name, "%s", passed)
	} else {
		r.Fail(name, "%s", hint)
	}
	return ok
}

// Error appends the item for an error returned or raised by the student's
// code: NotYet for a TODO stub, else Failed with the hint and the message.
func (r *Report) Error(name string, err error, hint string) {
	r.ErrorIn(name, "", err, hint)
}

// Blocked is Error for an item that grades no part of its own (an analysis
// of earlier parts): a TODO stub anywhere makes it Waiting.
func (r *Report) Blocked(name string, err error, hint string) {
	r.ErrorIn(name, "\x00", err, hint)
}

// ErrorIn is Error for an item that grades part own: a TODO stub of another
// part makes it Waiting ("needs part ... first") rather than NotYet.
func (r *Report) ErrorIn(name, own string, err error, hint string) {
	if IsNotWritten(err) {
		part := notWrittenPart(err)
		if own != "" && part != own {
			r.Wait(name, "needs %s first", part)
			return
		}
		r.Todo(name, part)
		return
	}
	msg := firstLine(err.Error())
	if hint != "" {
		msg = hint + " (" + msg + ")"
	}
	r.Fail(name, "%s", msg)
}

func notWrittenPart(err error) string {
	var nw *NotWritten
	if errors.As(err, &nw) {
		return nw.Part
	}
	// Flattened into a string: recover the part from the message.
	s := err.Error()
	if i := strings.Index(s, "exercise: "); i >= 0 {
		s = s[i+len("exercise: "):]
	}
	if i := strings.Index(s, " "+notWrittenMark); i >= 0 {
		s = s[:i]
	}
	return s
}

// Count returns the number of items with status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, it := range r.Items {
		if it.Status == s {
			n++
		}
	}
	return n
}

// Passed reports whether every item passed (and there is at least one).
func (r *Report) Passed() bool { return len(r.Items) > 0 && r.Count(Passed) == len(r.Items) }

// Summary is e.g. "3 of 5 passed, 1 failed, 1 not yet written".
func (r *Report) Summary() string {
	parts := []string{fmt.Sprintf("%d of %d passed", r.Count(Passed), len(r.Items))}
	for _, s := range []Status{Failed, NotYet, Waiting} {
		if n := r.Count(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}

var statusMark = map[Status]string{Passed: "[ok]", Failed: "[failed]", NotYet: "[todo]", Waiting: "[waiting]"}

// String is the checklist as plain text, one item a line.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Title, r.Summary())
	for _, it := range r.Items {
		fmt.Fprintf(&b, "  %-9s %s: %s\n", statusMark[it.Status], it.Name, it.Detail)
	}
	return b.String()
}

var statusHTML = map[Status]struct{ icon, colour, label string }{
	Passed:  {"&#x2705;", "#1a7f37", "passed"},
	Failed:  {"&#x274C;", "#cf222e", "failed"},
	NotYet:  {"&#x270F;&#xFE0F;", "#6e7781", "not yet written"},
	Waiting: {"&#x23F3;", "#9a6700", "waiting"},
}

// HTML is the checklist as an HTML fragment.
func (r *Report) HTML() string {
	border := "#6e7781"
	switch {
	case r.Passed():
		border = "#1a7f37"
	case r.Count(Failed) > 0:
		border = "#cf222e"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="border-left:5px solid %s;padding:4px 12px;margin:4px 0">`, border)
	fmt.Fprintf(&b, `<div style="font-weight:bold">%s <span style="font-weight:normal;color:#57606a">&mdash; %s</span></div>`,
		html.EscapeString(r.Title), html.EscapeString(r.Summary()))
	b.WriteString(`<ul style="list-style:none;padding-left:4px;margin:4px 0">`)
	for _, it := range r.Items {
		s := statusHTML[it.Status]
		fmt.Fprintf(&b, `<li>%s <b>%s</b> <span style="color:%s">(%s)</span>: %s</li>`,
			s.icon, html.EscapeString(it.Name), s.colour, s.label, html.EscapeString(it.Detail))
	}
	b.WriteString(`</ul></div>`)
	return b.String()
}

// Show displays the checklist: HTML in a notebook, plain text on standard
// output elsewhere.
func (r *Report) Show() {
	if nb.InNotebook() {
		nb.HTML(r.HTML())
		nb.Sync()
		return
	}
	fmt.Print(r.String())
}

// try runs fn and turns a panic into an error, so that a student's function
// that panics (a TODO stub, a GoMLX shape error, an index out of range)
// becomes an item of the checklist instead of a crashed cell.
func try(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	return fn()
}

func panicError(p any) error {
	switch v := p.(type) {
	case error:
		var re runtime.Error
		if errors.As(v, &re) {
			return fmt.Errorf("it panicked with %w", v)
		}
		return v
	default:
		return fmt.Errorf("it panicked with %v", v)
	}
}

// firstLine keeps the first line of a message (GoMLX errors may carry a
// stack trace on the following lines) and bounds its length.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		s = s[:300] + " ..."
	}
	return s
}
