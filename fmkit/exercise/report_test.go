package exercise

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

func withLang(t *testing.T, l Language) {
	t.Helper()
	old := Lang
	Lang = l
	t.Cleanup(func() { Lang = old })
}

func TestReport(t *testing.T) {
	withLang(t, English)
	r := &Report{Title: both("Check <1>")}
	r.pass("1a/shape", tr("好 %d", "ok %d", 1))
	r.fail("1a/finite", both("look at <x> & y"))
	r.err("1a/run", Part1a, fmt.Errorf("wrapped: %w", TODO(Part1a)), nil, Text{})
	r.err("2b/run", Part2b, errors.New("exercise: "+Part1b+" "+notWrittenMark+" (flattened)"), nil, Text{})
	r.err("3b/run", "", TODO(Part3a), nil, Text{})
	r.err("1b/run", Part1b, errors.New("boom\ngoroutine 1 [running]:\nmain.main()"), nil, tr("提示", "the hint"))
	r.failOr("2c/w2", []verdict{{part: Part2a, status: Passed}, {part: Part2b, status: Failed, reason: both("value: got 3")}}, both("train longer"))
	if r.Passed() {
		t.Error("Passed with failures")
	}
	if got, want := r.Summary(), "1 of 7 passed, 2 failed, 1 not yet written, 3 waiting"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	want := []struct {
		s      Status
		detail string
	}{
		{Passed, "ok 1"}, {Failed, "look at <x> & y"}, {NotYet, Part1a + " still has its TODO stub"},
		{Waiting, "needs " + Part1b + " first (it still has its TODO stub)"},
		{Waiting, "needs " + Part3a + " first (it still has its TODO stub)"},
		{Failed, "the hint (boom)"},
		{Waiting, "needs " + Part2b + ", which failed: value: got 3"},
	}
	for i, w := range want {
		if it := r.Items[i]; it.Status != w.s || it.Detail.EN != w.detail {
			t.Errorf("item %d = %v %q, want %v %q", i, it.Status, it.Detail.EN, w.s, w.detail)
		}
	}
	if v := verdictOf(Part2c, r); v.status != Failed || !strings.Contains(v.reason.EN, "look at") {
		t.Errorf("verdict %+v", v)
	}
	if v := verdictOf(Part2c, &Report{Items: r.Items[3:4]}); v.part != Part1b || v.status != NotYet {
		t.Errorf("verdict of a waiting item should be its cause: %+v", v)
	}
	h := r.HTML()
	if strings.Contains(h, "<x>") || !strings.Contains(h, "&lt;x&gt; &amp; y") || !strings.Contains(h, "Check &lt;1&gt;") {
		t.Errorf("HTML not escaped: %s", h)
	}
	if strings.Contains(r.String(), "goroutine") {
		t.Errorf("stack trace in the report:\n%s", r)
	}
	ok := &Report{Title: both("t")}
	ok.pass("1a/shape", Text{})
	if !ok.Passed() || (&Report{}).Passed() {
		t.Error("Passed")
	}
}

// Every report is in Chinese by default, in English or in both on request;
// item names exist in both languages.
func TestLanguages(t *testing.T) {
	for id, name := range itemNames {
		if name.ZH == "" || name.EN == "" || name.ZH == name.EN && !strings.HasPrefix(id, "1b/run") {
			t.Errorf("item %s: name %+v is not in both languages", id, name)
		}
	}
	r := &Report{Title: tr("检查", "Check")}
	r.fail("2a/ut", tr("u_t 的符号反了", "u_t has the wrong sign"))
	r.needs("2c/w2", verdict{part: Part2a, status: Failed, reason: tr("u_t：符号反了", "u_t: wrong sign")})
	withLang(t, Chinese)
	zh := r.String()
	for _, s := range []string{"检查：2 项中 0 项通过，1 项未通过，1 项等待前面的部分", "2a 线性路径：u_t", "u_t 的符号反了", "需要第 2a 部分（linearPath）先通过"} {
		if !strings.Contains(zh, s) {
			t.Errorf("Chinese report lacks %q:\n%s", s, zh)
		}
	}
	Lang = English
	en := r.String()
	if !strings.Contains(en, "Check: 0 of 2 passed, 1 failed, 1 waiting") || !strings.Contains(en, "needs part 2a (linearPath), which failed: u_t: wrong sign") {
		t.Errorf("English report:\n%s", en)
	}
	Lang = Bilingual
	if h := r.HTML(); !strings.Contains(h, "u_t 的符号反了<br>") || !strings.Contains(h, "u_t has the wrong sign") {
		t.Errorf("bilingual HTML: %s", h)
	}
	t.Setenv("FMKIT_LANG", "en")
	if langFromEnv() != English {
		t.Error("FMKIT_LANG=en")
	}
	t.Setenv("FMKIT_LANG", "")
	if langFromEnv() != Chinese {
		t.Error("default language")
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
	if err == nil || err.Error() != "plain string" || !isPanic(err) {
		t.Errorf("string panic: %v", err)
	}
}

// A panic in a function that GoMLX calls while it builds a graph comes back
// as GoMLX's error "runtime panic: : runtime error: ..."; the report names
// the panic once, without the doubled colon, and points at the line.
// (The line-finding itself is tested from the _test package, whose
// functions count as the student's; here only the message is checked.)
func TestPanicMessage(t *testing.T) {
	withLang(t, English)
	bad := func(ctx *context.Context, t, x *Node) *Node {
		d := x.Shape().Dimensions[2]
		_ = d
		return x
	}
	m := NewModel("x", bad, context.New())
	_, err := m.Velocity(0.5, mat.NewDense(3, 2, nil))
	if err == nil {
		t.Fatal("no error")
	}
	got := describeError(err).EN
	if !strings.HasPrefix(got, "it panicked: runtime error: index out of range [2] with length 2") || strings.Contains(got, ": :") {
		t.Errorf("describeError = %q", got)
	}
}

func TestShortFunc(t *testing.T) {
	for in, want := range map[string]string{
		"main.vTheta":       "vTheta",
		"main.vTheta.func1": "vTheta",
		"github.com/flowmatching/gofm/fmkit/exercise_test.init.func16.1": "init",
		"main.trainCFM.func2.1":  "trainCFM",
		"main.(*sampler).Sample": "(*sampler).Sample",
	} {
		if got := shortFunc(in); got != want {
			t.Errorf("shortFunc(%q) = %q, want %q", in, got, want)
		}
	}
	if !isStudentFunc("main.vTheta") || !isStudentFunc("github.com/x/y_test.F") || isStudentFunc("github.com/gomlx/gomlx/pkg/core/graph.Concatenate") {
		t.Error("isStudentFunc")
	}
}

// An analysis whose model failed its gate shows a caution instead of its
// conclusions, naming the part that failed.
func TestCaution(t *testing.T) {
	withLang(t, English)
	r := &Report{Title: both("3b")}
	gate := Gate{Part: Part2c, Reason: both("training: W2 to the moons: W2 = 0.52 ± 0.02 > 0.20")}
	r.blocked("3b/model", tr("", "this model did not pass %s: %s", Part2c, gate.Reason), gate.verdict())
	r.pass("3b/sampler", both("ok"))
	if trusted(r) {
		t.Fatal("trusted with a failed model")
	}
	got := caution(r).EN
	for _, s := range []string{"These numbers mean little", "did not pass part 2c (trainCFM)", "W2 = 0.52"} {
		if !strings.Contains(got, s) {
			t.Errorf("caution %q lacks %q", got, s)
		}
	}
	if v := verdictOf(Part3a, r); v.part != Part2c || v.status != Failed {
		t.Errorf("verdict of the analysis: %+v", v)
	}
}

// The HTML checklist carries the English status and count in every
// language ("通过 (passed)", "... (3 of 5 passed)"), as the browser test of
// the notebooks reads them.
func TestHTMLStatusInEveryLanguage(t *testing.T) {
	for _, l := range []Language{Chinese, English, Bilingual} {
		withLang(t, l)
		r := &Report{Title: tr("检查", "Check")}
		r.pass("1a/shape", tr("好", "ok"))
		r.fail("1a/finite", tr("坏", "bad"))
		h := r.HTML()
		if !strings.Contains(h, "(passed)") || !strings.Contains(h, "(failed)") || !strings.Contains(h, "1 of 2 passed") {
			t.Errorf("language %d: %s", l, h)
		}
	}
}

// An error of the student's code is blamed on an earlier part only when
// that part crashes (errors, shapes, NaN), not when it merely computes wrong
// values.
func TestErrorsBlameOnlyCrashes(t *testing.T) {
	withLang(t, English)
	wrongValues := verdict{part: Part2a, status: Failed, reason: both("u_t: wrong sign")}
	crash := verdictOf(Part2b, &Report{Items: []Item{{ID: "2b/scalar", Status: Failed, Name: itemName("2b/scalar"), Detail: both("not a scalar")}}})
	if !crash.crash || !crash.crashes() || wrongValues.crashes() {
		t.Fatalf("crash verdicts: %+v %+v", crash, wrongValues)
	}
	r := &Report{}
	r.err("2c/run", Part2c, errors.New("index out of range"), []verdict{wrongValues}, both("trainCFM failed"))
	r.err("2c/samples", Part2c, errors.New("shape mismatch"), []verdict{wrongValues, crash}, both("sampling failed"))
	r.failOr("2c/w2", []verdict{wrongValues}, both("train longer"))
	if r.Items[0].Status != Failed || r.Items[1].Status != Waiting || !strings.Contains(r.Items[1].Detail.EN, Part2b) || r.Items[2].Status != Waiting {
		t.Errorf("items:\n%s", r)
	}
}
