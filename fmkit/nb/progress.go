package nb

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// Progress shows the progress of a loop, typically training steps:
//
//	p := nb.NewProgress("training", steps)
//	for i := range steps {
//		loss := step()
//		p.Update(i+1, fmt.Sprintf("loss %.4f", loss))
//	}
//	p.Done(fmt.Sprintf("final loss %.4f", loss))
//
// In a notebook it shows one output block that is updated in place (at most
// about five times a second) with a bar, the percentage, the rate in
// iterations per second, the estimated time left and the metrics string;
// Done replaces it with a final static line and calls Sync.
//
// Outside a notebook it writes to standard error: when that is a terminal,
// one line redrawn in place with '\r' (about ten times a second); otherwise
// (logs of a batch job or CI) only a few lines over the whole run: one at
// each tenth of the total, or, when the total is unknown, at exponentially
// spaced times (5 s, 10 s, 20 s, ... after the start), plus the final line
// written by Done.
//
// A total <= 0 means that the number of iterations is not known: no bar,
// percentage or time left is shown. The rate is measured from the first
// Update, so the time before the first iteration completes (for example
// compiling a computation graph) does not distort it; the final line
// reports the overall rate.
//
// The methods of a Progress may be called from several goroutines. Updates
// after Done are ignored.
type Progress struct {
	mu    sync.Mutex
	title string
	total int
	mode  progressMode
	w     io.Writer
	now   func() time.Time // time.Now, replaced in tests

	start     time.Time
	firstAt   time.Time // time and count of the first Update, for the rate
	firstDone int
	updated   bool
	done      int
	metrics   string
	finished  bool

	lastDraw time.Time // last redraw (notebook and terminal modes)
	drawn    bool      // something was drawn since the last change of line
	id       string    // notebook output block
	lastLen  int       // terminal: length of the line drawn last
	width    int       // terminal: columns, 0 when unknown

	nextTenth int           // log mode, total > 0: next tenth to report
	nextLogAt time.Duration // log mode, total <= 0: next time to report
}

type progressMode int

const (
	modeNotebook progressMode = iota
	modeTerminal
	modeLog
)

const (
	notebookInterval = 200 * time.Millisecond
	terminalInterval = 100 * time.Millisecond
	firstLogAfter    = 5 * time.Second
	barCells         = 30
)

// NewProgress starts a progress display for a loop of total iterations
// (total <= 0 if unknown): in place in a notebook, on standard error
// otherwise. See Progress.
func NewProgress(title string, total int) *Progress {
	if InNotebook() {
		p := newProgress(title, total, modeNotebook, nil)
		p.id = "fmkit_progress_" + newID()
		p.drawNotebook()
		return p
	}
	return NewProgressWriter(os.Stderr, title, total)
}

// NewProgressWriter is like NewProgress but always writes plain text to w,
// also in a notebook: redrawing one line with '\r' if w is a terminal, and
// writing at most about ten lines plus the final one otherwise.
func NewProgressWriter(w io.Writer, title string, total int) *Progress {
	mode := modeLog
	width := 0
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		mode = modeTerminal
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			width = cols
		}
	}
	p := newProgress(title, total, mode, w)
	p.width = width
	return p
}

func newProgress(title string, total int, mode progressMode, w io.Writer) *Progress {
	p := &Progress{title: title, total: total, mode: mode, w: w, now: time.Now}
	p.start = p.now()
	p.nextTenth = 1
	p.nextLogAt = firstLogAfter
	return p
}

// Update records that done iterations are complete, with a free-form
// metrics string (e.g. "loss 0.123") shown next to the bar, and redraws the
// display if enough time has passed since the last redraw.
func (p *Progress) Update(done int, metrics string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	now := p.now()
	if !p.updated {
		p.updated = true
		p.firstAt, p.firstDone = now, done
	}
	p.done, p.metrics = done, metrics

	switch p.mode {
	case modeNotebook:
		if !p.drawn || now.Sub(p.lastDraw) >= notebookInterval {
			p.drawNotebook()
		}
	case modeTerminal:
		if !p.drawn || now.Sub(p.lastDraw) >= terminalInterval {
			p.lastDraw = now
			p.drawTerminal(p.statusLine(now))
		}
	case modeLog:
		elapsed := now.Sub(p.start)
		if p.total > 0 {
			tenth := int(math.Floor(10 * float64(done) / float64(p.total)))
			if tenth >= p.nextTenth && p.nextTenth <= 10 {
				p.nextTenth = min(tenth, 10) + 1
				fmt.Fprintln(p.w, p.statusLine(now))
			}
		} else if elapsed >= p.nextLogAt {
			for p.nextLogAt <= elapsed {
				p.nextLogAt *= 2
			}
			fmt.Fprintln(p.w, p.statusLine(now))
		}
	}
}

// Done ends the display with a final line that tells how many iterations
// ran, in how long, and the given summary (which may be empty). In a
// notebook the updated block becomes that final line and Sync is called.
// Calls after the first are ignored.
func (p *Progress) Done(summary string) {
	p.mu.Lock()
	if p.finished {
		p.mu.Unlock()
		return
	}
	p.finished = true
	now := p.now()
	line := p.finalLine(now, summary)
	switch p.mode {
	case modeNotebook:
		update(p.id, p.finalHTML(now, summary))
	case modeTerminal:
		p.drawTerminal(line)
		fmt.Fprintln(p.w)
	case modeLog:
		fmt.Fprintln(p.w, line)
	}
	p.mu.Unlock()
	if p.mode == modeNotebook {
		Sync()
	}
}

// rate returns iterations per second, measured from the first Update when
// possible, and whether it is known.
func (p *Progress) rate(now time.Time) (float64, bool) {
	if p.updated && p.done > p.firstDone {
		if dt := now.Sub(p.firstAt).Seconds(); dt > 0 {
			return float64(p.done-p.firstDone) / dt, true
		}
	}
	if dt := now.Sub(p.start).Seconds(); dt > 0 && p.done > 0 {
		return float64(p.done) / dt, true
	}
	return 0, false
}

// fraction returns the completed fraction in [0, 1], if the total is known.
func (p *Progress) fraction() (float64, bool) {
	if p.total <= 0 {
		return 0, false
	}
	return math.Min(1, math.Max(0, float64(p.done)/float64(p.total))), true
}

// parts returns the pieces of a status line after the bar: count,
// percentage, rate, time left.
func (p *Progress) parts(now time.Time) []string {
	var s []string
	if f, ok := p.fraction(); ok {
		s = append(s, fmt.Sprintf("%.0f%%", 100*f), fmt.Sprintf("%d/%d", p.done, p.total))
	} else {
		s = append(s, fmt.Sprintf("%d it", p.done))
	}
	if r, ok := p.rate(now); ok {
		s = append(s, formatRate(r))
		if p.total > 0 && p.done < p.total && r > 0 {
			eta := time.Duration(float64(p.total-p.done) / r * float64(time.Second))
			s = append(s, "ETA "+formatDuration(eta))
		}
	}
	return s
}

func (p *Progress) statusLine(now time.Time) string {
	var b strings.Builder
	if p.title != "" {
		b.WriteString(p.title + " ")
	}
	if f, ok := p.fraction(); ok {
		n := int(math.Round(f * barCells))
		b.WriteString("[" + strings.Repeat("#", n) + strings.Repeat(".", barCells-n) + "] ")
		b.WriteString(strings.Repeat(" ", 4-len(fmt.Sprintf("%.0f%%", 100*f)))) // align the percentage
	}
	b.WriteString(strings.Join(p.parts(now), "  "))
	if p.metrics != "" {
		b.WriteString("  " + oneLine(p.metrics))
	}
	return b.String()
}

func (p *Progress) finalLine(now time.Time, summary string) string {
	if p.title != "" {
		return p.title + ": " + p.finalRest(now, summary)
	}
	return p.finalRest(now, summary)
}

// finalRest is the final line without the title.
func (p *Progress) finalRest(now time.Time, summary string) string {
	var b strings.Builder
	if p.total > 0 {
		fmt.Fprintf(&b, "%d/%d", p.done, p.total)
	} else {
		fmt.Fprintf(&b, "%d it", p.done)
	}
	elapsed := now.Sub(p.start)
	fmt.Fprintf(&b, " in %s", formatDuration(elapsed))
	if s := elapsed.Seconds(); s > 0 && p.done > 0 {
		fmt.Fprintf(&b, " (%s)", formatRate(float64(p.done)/s))
	}
	if summary != "" {
		b.WriteString(" | " + oneLine(summary))
	}
	return b.String()
}

// drawTerminal redraws the current terminal line.
func (p *Progress) drawTerminal(line string) {
	if p.width > 1 {
		line = truncate(line, p.width-1)
	}
	n := utf8.RuneCountInString(line)
	pad := ""
	if p.lastLen > n {
		pad = strings.Repeat(" ", p.lastLen-n)
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.lastLen = n
	p.drawn = true
}

const (
	htmlBox   = `<div style="font-family:var(--jp-code-font-family,monospace);font-size:13px;line-height:1.6;white-space:nowrap">`
	htmlTrack = `<span style="display:inline-block;width:220px;height:10px;margin:0 8px;vertical-align:middle;background:#e3e3e3;border-radius:5px;overflow:hidden">`
)

func htmlBar(f float64, colour string) string {
	return fmt.Sprintf(`%s<span style="display:block;height:100%%;width:%.1f%%;background:%s"></span></span>`, htmlTrack, 100*f, colour)
}

// drawNotebook updates the notebook block with the current state.
func (p *Progress) drawNotebook() {
	now := p.now()
	var b strings.Builder
	b.WriteString(htmlBox)
	if p.title != "" {
		b.WriteString("<b>" + html.EscapeString(p.title) + "</b>")
	}
	if f, ok := p.fraction(); ok {
		b.WriteString(htmlBar(f, "#3b7dd8"))
	} else {
		b.WriteString(" ")
	}
	b.WriteString(html.EscapeString(strings.Join(p.parts(now), " · ")))
	if p.metrics != "" {
		b.WriteString(` · <span style="color:#555">` + html.EscapeString(oneLine(p.metrics)) + "</span>")
	}
	b.WriteString("</div>")
	update(p.id, b.String())
	p.drawn = true
	p.lastDraw = now
}

func (p *Progress) finalHTML(now time.Time, summary string) string {
	var b strings.Builder
	b.WriteString(htmlBox)
	if p.title != "" {
		b.WriteString("<b>" + html.EscapeString(p.title) + "</b>")
	}
	if f, ok := p.fraction(); ok {
		colour := "#2e9d4a" // complete
		if p.done < p.total {
			colour = "#d08a1c" // stopped early
		}
		b.WriteString(htmlBar(f, colour))
	} else {
		b.WriteString(" ")
	}
	b.WriteString(html.EscapeString(p.finalRest(now, summary)))
	b.WriteString("</div>")
	return b.String()
}

func formatRate(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f it/s", r)
	case r >= 1:
		return fmt.Sprintf("%.1f it/s", r)
	case r > 0:
		return fmt.Sprintf("%.1f s/it", 1/r)
	}
	return "0 it/s"
}

func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
