package exercise

import (
	"errors"
	"fmt"
	"strings"
)

// NotWritten is the error a stub returns through TODO: the part it names has
// not been written yet. Checks report it as "not yet written", not as a
// failure.
type NotWritten struct {
	Part string // e.g. "part 1a (timeEmbedding)"
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
//	panic(exercise.TODO(exercise.Part1a))
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

// Status of one item of a checklist.
type Status int

// The statuses of a check item.
const (
	Passed  Status = iota // the student's code behaves as expected
	Failed                // it runs but is wrong, or panics: the detail is a hint
	NotYet                // the part still has its TODO stub
	Waiting               // it needs an earlier part that is not done, or that fails
)

var statusText = map[Status]Text{
	Passed:  {"通过", "passed"},
	Failed:  {"未通过", "failed"},
	NotYet:  {"尚未编写", "not yet written"},
	Waiting: {"等待前面的部分", "waiting"},
}

func (s Status) String() string { return statusText[s].EN }

// Item is one line of a checklist: what was checked, the outcome, and the
// measured value (when it passed) or a hint saying what to look at.
type Item struct {
	// ID names the item: the part it grades and what it looks at, e.g.
	// "1a/shape" or "2c/w2". It does not depend on the language.
	ID     string
	Status Status
	Name   Text
	Detail Text

	// cause is the earlier part that blocks a Waiting item.
	cause *verdict
}

// Part is the part (or question) the item grades: "1a", "2c", "3b", ...
func (it Item) Part() string {
	p, _, _ := strings.Cut(it.ID, "/")
	return p
}

// Report is the checklist of one check cell.
type Report struct {
	Title Text
	Items []Item
}

func (r *Report) add(id string, s Status, detail Text) {
	r.Items = append(r.Items, Item{ID: id, Status: s, Name: itemName(id), Detail: detail})
}

func (r *Report) pass(id string, detail Text) { r.add(id, Passed, detail) }
func (r *Report) fail(id string, hint Text)   { r.add(id, Failed, hint) }

// todo appends a not-yet-written item for the stub of part.
func (r *Report) todo(id, part string) {
	r.add(id, NotYet, tr("%s还是 TODO 占位", "%s still has its TODO stub", partText(part)))
}

// wait appends an item that needs something else first.
func (r *Report) wait(id string, detail Text) { r.add(id, Waiting, detail) }

// check appends Passed when ok, else Failed with the hint.
func (r *Report) check(id string, ok bool, passed, hint Text) bool {
	if ok {
		r.pass(id, passed)
	} else {
		r.fail(id, hint)
	}
	return ok
}

// needs appends a Waiting item blocked by the verdict v of an earlier part.
func (r *Report) needs(id string, v verdict, others ...verdict) {
	detail := v.needsText()
	for _, o := range others {
		detail = cat(detail, tr("；另外%s也没有通过", "; %s fails too", partText(o.part)))
	}
	r.Items = append(r.Items, Item{ID: id, Status: Waiting, Name: itemName(id), Detail: detail, cause: &v})
}

// blocked appends a Waiting item with its own detail, blocked by v.
func (r *Report) blocked(id string, detail Text, v verdict) {
	r.Items = append(r.Items, Item{ID: id, Status: Waiting, Name: itemName(id), Detail: detail, cause: &v})
}

// failOr appends Failed with the hint, unless one of deps (verdicts of the
// parts this item relies on) did not pass: then the item waits for the
// first of them ("needs part 2a, which failed: ...") instead of failing on
// its own.
func (r *Report) failOr(id string, deps []verdict, hint Text) {
	if bad := failing(deps); len(bad) > 0 {
		r.needs(id, bad[0], bad[1:]...)
		return
	}
	r.fail(id, hint)
}

// checkOr is check whose failure defers to deps as failOr does.
func (r *Report) checkOr(id string, ok bool, deps []verdict, passed, hint Text) bool {
	if ok {
		r.pass(id, passed)
	} else {
		r.failOr(id, deps, hint)
	}
	return ok
}

// err appends the item for an error returned or raised by the student's
// code while grading part own ("" when the item grades no part of its own):
// NotYet for the TODO stub of own, Waiting ("needs part ... first") for the
// stub of another part, else Failed with the hint and the error (where in
// the student's code it happened, when that is known) -- or Waiting when one
// of deps failed.
func (r *Report) err(id, own string, err error, deps []verdict, hint Text) {
	if IsNotWritten(err) {
		part := notWrittenPart(err)
		if part != own {
			r.needs(id, verdict{part: part, status: NotYet})
			return
		}
		r.todo(id, part)
		return
	}
	// An error is explained by a dependency that crashes, not by one that
	// only computes wrong values.
	r.failOr(id, crashing(deps), paren(hint, describeError(err)))
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

// Find returns the item with the given ID.
func (r *Report) Find(id string) (Item, bool) {
	for _, it := range r.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// FirstProblem returns the first item that did not pass: the one to look at
// first.
func (r *Report) FirstProblem() (Item, bool) {
	for _, it := range r.Items {
		if it.Status != Passed {
			return it, true
		}
	}
	return Item{}, false
}

// summary is e.g. "3 of 5 passed, 1 failed, 1 not yet written".
func (r *Report) summary() Text {
	t := tr("%[2]d 项中 %[1]d 项通过", "%d of %d passed", r.Count(Passed), len(r.Items))
	for _, s := range []Status{Failed, NotYet, Waiting} {
		if n := r.Count(s); n > 0 {
			t = cat(t, tr("，%d 项%s", ", %d %s", n, statusText[s]))
		}
	}
	return t
}

// Summary is e.g. "3 of 5 passed, 1 failed, 1 not yet written", in Lang.
func (r *Report) Summary() string { return r.summary().String() }

// verdict is how a part fared when a later check graded it again
// (silently): later items that rely on it say "needs part X, which failed:
// ..." instead of failing on their own.
type verdict struct {
	part   string // the part's label, e.g. Part2a
	status Status // Passed, Failed, NotYet or Waiting
	reason Text   // the first failing item: "what: hint"
	// crash: the part fails by an error, a wrong shape or NaN values (not
	// only by wrong values), which can make the code that calls it fail too.
	crash bool
}

// crashKeys are the items whose failure makes a part's verdict a crash.
var crashKeys = map[string]bool{"run": true, "shape": true, "scalar": true, "finite": true}

// crashes reports whether v can explain an error of code that uses the
// part: a crash, or a part not written (or waiting) yet.
func (v verdict) crashes() bool { return v.status == NotYet || v.status == Waiting || v.crash }

// crashing keeps the deps that can explain an error (see crashes).
func crashing(deps []verdict) []verdict {
	var out []verdict
	for _, d := range deps {
		if !d.ok() && d.crashes() {
			out = append(out, d)
		}
	}
	return out
}

func (v verdict) ok() bool { return v.status == Passed }

// verdictOf sums up a report that graded part: Passed if every item passed;
// else the first item that did not, or the part it waits for.
func verdictOf(part string, r *Report) verdict {
	if len(r.Items) == 0 {
		return verdict{part: part, status: Passed}
	}
	for _, it := range r.Items {
		if it.Status == Failed {
			_, key, _ := strings.Cut(it.ID, "/")
			return verdict{part: part, status: Failed, reason: reasonOf(it), crash: crashKeys[key]}
		}
	}
	for _, it := range r.Items {
		switch {
		case it.Status == NotYet:
			return verdict{part: part, status: NotYet}
		case it.Status == Waiting && it.cause != nil:
			return *it.cause
		case it.Status == Waiting:
			return verdict{part: part, status: Waiting, reason: reasonOf(it)}
		}
	}
	return verdict{part: part, status: Passed}
}

func reasonOf(it Item) Text {
	name := it.Name
	// Drop the part's number from the item's name: the reason follows the part's label.
	for _, s := range []*string{&name.ZH, &name.EN} {
		if f := strings.Fields(*s); len(f) > 1 && strings.HasPrefix(it.ID, f[0]+"/") {
			*s = strings.TrimSpace(strings.TrimPrefix(*s, f[0]))
		}
	}
	return Text{name.ZH + "：" + it.Detail.ZH, name.EN + ": " + it.Detail.EN}
}

// needsText is the detail of an item blocked by v.
func (v verdict) needsText() Text {
	p := partText(v.part)
	switch v.status {
	case NotYet:
		return tr("需要先完成%s，它还是 TODO 占位", "needs %s first (it still has its TODO stub)", p)
	case Waiting:
		return tr("需要%s，而它还在等待：%s", "needs %s, which is waiting: %s", p, v.reason)
	default:
		return tr("需要%s先通过，它没有通过——%s", "needs %s, which failed: %s", p, v.reason)
	}
}

// failing returns the verdicts of deps that did not pass, in order.
func failing(deps []verdict) []verdict {
	var out []verdict
	for _, d := range deps {
		if !d.ok() {
			out = append(out, d)
		}
	}
	return out
}

// silently runs a grading function on a report that is not shown and
// returns the verdict of part.
func silently(part string, grade func(r *Report)) verdict {
	r := &Report{}
	grade(r)
	return verdictOf(part, r)
}
