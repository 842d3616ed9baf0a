package nb

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fakeClock returns a clock that advances by step at each call.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(step)
		return t
	}
}

func lines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

func TestProgressLogBounded(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgressWriter(&buf, "train", 1000)
	if p.mode != modeLog {
		t.Fatalf("mode = %v for a bytes.Buffer, want log mode", p.mode)
	}
	p.now = fakeClock(10 * time.Millisecond)
	p.start = p.now()
	for i := range 1000 {
		p.Update(i+1, fmt.Sprintf("loss %.3f", 1/float64(i+1)))
	}
	p.Done("final loss 0.001")
	p.Done("ignored")
	p.Update(5, "ignored")
	got := lines(buf.String())
	if len(got) > 11 || len(got) < 5 {
		t.Errorf("got %d lines, want between 5 and 11:\n%s", len(got), buf.String())
	}
	last := got[len(got)-1]
	if !strings.HasPrefix(last, "train: 1000/1000 in ") || !strings.HasSuffix(last, "| final loss 0.001") {
		t.Errorf("final line = %q", last)
	}
	if strings.Contains(buf.String(), "\r") || strings.Contains(buf.String(), "ignored") {
		t.Errorf("unexpected output:\n%q", buf.String())
	}
	if !strings.Contains(got[0], "[###") || !strings.Contains(got[0], "ETA") {
		t.Errorf("first line has no bar or ETA: %q", got[0])
	}
}

func TestProgressLogIndeterminate(t *testing.T) {
	for _, total := range []int{0, -3} {
		var buf bytes.Buffer
		p := NewProgressWriter(&buf, "sampling", total)
		p.now = fakeClock(time.Millisecond)
		p.start = p.now()
		for i := range 200_000 { // 200 s of fake time
			p.Update(i+1, "")
		}
		p.Done("")
		got := lines(buf.String())
		// Reports at 5, 10, 20, 40, 80, 160 s, then the final line.
		if len(got) != 7 {
			t.Errorf("total=%d: got %d lines, want 7:\n%s", total, len(got), buf.String())
		}
		if strings.Contains(buf.String(), "%") || strings.Contains(buf.String(), "ETA") {
			t.Errorf("total=%d: indeterminate progress shows a percentage or ETA:\n%s", total, buf.String())
		}
		if last := got[len(got)-1]; !strings.HasPrefix(last, "sampling: 200000 it in 3m20s") {
			t.Errorf("total=%d: final line = %q", total, last)
		}
	}
}

func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress("fit", 500, modeTerminal, &buf)
	p.width = 60
	p.now = fakeClock(time.Millisecond)
	p.start = p.now()
	for i := range 500 { // 0.5 s of fake time
		p.Update(i+1, "loss 0.5 and a long metrics string that will not fit")
	}
	out := buf.String()
	if strings.Contains(out, "\n") {
		t.Fatalf("terminal mode wrote a newline before Done: %q", out)
	}
	if n := strings.Count(out, "\r"); n < 2 || n > 8 {
		t.Errorf("%d redraws in 0.5 s, want a few (throttled to ~10/s)", n)
	}
	for _, l := range strings.Split(out, "\r")[1:] {
		if len([]rune(l)) > 59 {
			t.Errorf("line longer than the terminal: %q", l)
		}
	}
	p.Done("ok")
	if !strings.HasSuffix(buf.String(), "\n") || !strings.Contains(buf.String(), "fit: 500/500 in ") {
		t.Errorf("no final line: %q", buf.String())
	}
}

func TestProgressNotebook(t *testing.T) {
	type call struct{ id, html string }
	var calls []call
	saved := update
	update = func(id, html string) { calls = append(calls, call{id, html}) }
	defer func() { update = saved }()

	p := newProgress("<train>", 100, modeNotebook, nil)
	p.id = "block"
	p.now = fakeClock(10 * time.Millisecond)
	p.start = p.now()
	p.drawNotebook()
	for i := range 100 { // 1 s of fake time
		p.Update(i+1, "loss <0.1>")
	}
	p.Done("done & dusted")
	if n := len(calls); n < 3 || n > 8 {
		t.Errorf("%d notebook updates in 1 s, want at most ~5/s", n)
	}
	for _, c := range calls {
		if c.id != "block" {
			t.Errorf("update of block %q, want one block", c.id)
		}
		if strings.Contains(c.html, "<train>") || strings.Contains(c.html, "<0.1>") {
			t.Errorf("text not escaped: %s", c.html)
		}
	}
	mid := calls[len(calls)/2].html
	if !strings.Contains(mid, "it/s") || !strings.Contains(mid, "ETA") || !strings.Contains(mid, "width:") {
		t.Errorf("intermediate update lacks bar, rate or ETA: %s", mid)
	}
	final := calls[len(calls)-1].html
	if !strings.Contains(final, "100/100 in ") || !strings.Contains(final, "done &amp; dusted") {
		t.Errorf("final update = %s", final)
	}
}

func TestRateExcludesStartup(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgressWriter(&buf, "", 100)
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return clock }
	p.start = clock
	clock = clock.Add(30 * time.Second) // e.g. graph compilation
	p.Update(1, "")
	clock = clock.Add(10 * time.Second)
	p.Update(21, "")
	if r, _ := p.rate(clock); r != 2 {
		t.Errorf("rate = %v it/s, want 2", r)
	}
}

func TestMarkdownTable(t *testing.T) {
	got := markdownTable([]string{"method", "W2"}, [][]string{{"OT|CFM", "0.12"}, {"CFM", "0.3", "extra"}})
	want := "| method | W2 |  |\n|---|---:|---|\n| OT\\|CFM | 0.12 |  |\n| CFM | 0.3 | extra |\n"
	if got != want {
		t.Errorf("markdownTable =\n%q\nwant\n%q", got, want)
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	if InNotebook() {
		t.Skip("running inside GoNB")
	}
	// These must be harmless no-ops outside a notebook.
	Markdown("# title")
	HTML("<b>x</b>")
	PNG([]byte{1, 2, 3})
	Sync()
}

// Check exits the process with status 1 and a one-line message.
func TestCheckExits(t *testing.T) {
	if os.Getenv("FMKIT_NB_CHECK_CHILD") == "1" {
		Check(errors.New("unknown dataset \"mooons\": use one of moons, circles"))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckExits$")
	cmd.Env = append(os.Environ(), "FMKIT_NB_CHECK_CHILD=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, output %q", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != `error: unknown dataset "mooons": use one of moons, circles` {
		t.Fatalf("output %q", got)
	}
}
