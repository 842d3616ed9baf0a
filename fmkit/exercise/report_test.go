package exercise

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	r := &Report{Title: "Check <1>"}
	r.Pass("a", "ok %d", 1)
	r.Fail("b", "look at <x> & y")
	r.Error("c", fmt.Errorf("wrapped: %w", TODO(Part1a)), "")
	r.ErrorIn("d", Part2b, errors.New("exercise: "+Part1b+" "+notWrittenMark+" (flattened)"), "")
	r.Blocked("e", TODO(Part3a), "")
	r.Error("f", errors.New("boom\ngoroutine 1 [running]:\nmain.main()"), "the hint")
	if r.Passed() {
		t.Error("Passed with failures")
	}
	if got, want := r.Summary(), "1 of 6 passed, 2 failed, 1 not yet written, 2 waiting"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	want := []struct {
		s      Status
		detail string
	}{
		{Passed, "ok 1"}, {Failed, "look at <x> & y"}, {NotYet, Part1a + " still has its TODO stub"},
		{Waiting, "needs " + Part1b + " first"}, {Waiting, "needs " + Part3a + " first"}, {Failed, "the hint (boom)"},
	}
	for i, w := range want {
		if it := r.Items[i]; it.Status != w.s || it.Detail != w.detail {
			t.Errorf("item %d = %+v, want %v %q", i, it, w.s, w.detail)
		}
	}
	h := r.HTML()
	if strings.Contains(h, "<x>") || !strings.Contains(h, "&lt;x&gt; &amp; y") || !strings.Contains(h, "Check &lt;1&gt;") {
		t.Errorf("HTML not escaped: %s", h)
	}
	if strings.Contains(r.String(), "goroutine") {
		t.Errorf("stack trace in the report:\n%s", r)
	}
	ok := &Report{Title: "t"}
	ok.Pass("a", "")
	if !ok.Passed() || (&Report{}).Passed() {
		t.Error("Passed")
	}
}

func TestTryRecoversPanics(t *testing.T) {
	err := try(func() error { var s []int; _ = s[1]; return nil })
	if err == nil || !strings.Contains(err.Error(), "index out of range") || strings.HasPrefix(err.Error(), "panic: ") {
		t.Errorf("runtime panic: %v", err)
	}
	err = try(func() error { panic(TODO(Part4b)) })
	if !IsNotWritten(err) || notWrittenPart(err) != Part4b {
		t.Errorf("TODO panic: %v", err)
	}
	err = try(func() error { panic("plain string") })
	if err == nil || err.Error() != "it panicked with plain string" {
		t.Errorf("string panic: %v", err)
	}
}
