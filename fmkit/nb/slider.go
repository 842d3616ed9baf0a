package nb

import (
	"fmt"
	"html"
	"math"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// Slider is a live control for a figure: a slider over a few values of one
// parameter (a guidance weight, a number of steps), and a figure that is
// drawn again for the value the reader picks, in place, without running
// the cell again.
//
//	s := nb.Slider{Label: "Euler steps", Values: []float64{1, 2, 4, 8, 16, 32}, Value: 8}
//	nb.Check(s.Show(func(steps float64) ([]byte, error) {
//		res, err := model.Sample(1000, 7, ode.Options{Method: "euler", Steps: int(steps)})
//		if err != nil {
//			return nil, err
//		}
//		p, err := plot.Scatter(fmt.Sprintf("%v Euler steps", steps), plot.Points{X: res.X})
//		if err != nil {
//			return nil, err
//		}
//		return plot.Row(p).PNG()
//	}))
//
// How it works, and how the cell ends. GoNB runs each cell as a program
// that ends when the cell ends; a slider can only redraw while that program
// runs. Show first draws the figure for the default Value and shows it.
// Then, when the cell runs in a JupyterLab (or Notebook) page, it shows the
// slider (GoNB's widgets.Slider, which talks to the program through GoNB's
// comms: a WebSocket that GoNB installs in the page), and keeps the
// program alive: each move of the slider calls draw with the new value and
// replaces the figure. The cell ends Idle (DefaultSliderIdle) after the
// last move, or when the kernel is interrupted (the Stop button); the
// slider is then replaced by a line giving the last value, and the figure
// stays. While the slider listens, the cells below it wait, as for any
// running cell.
//
// Headless runs (nbconvert, nbclient, papermill, scripts/nbrun.py) have no
// page that could run the slider's JavaScript: GoNB's own
// widgets.Slider.Done would wait there forever for the page's first
// message. Show recognises them (the kernel was not started by a Jupyter
// server session: no JPY_SESSION_NAME in its environment, which
// jupyter_server sets for the kernels of the notebooks it opens) and ends
// at once, after showing the figure for the default value and a line
// saying that the slider is live in JupyterLab: a committed notebook reads
// well unrun. When a page was expected but none answers within
// SliderConnectTimeout (a notebook opened without a browser, a front end
// that runs no JavaScript), Show ends the same way. Outside a notebook
// (go test, command-line tools) it only calls draw for the default value,
// so that errors surface.
//
// The figure is an image/png output (with a display id, so that it can be
// replaced); draw returns the bytes of a PNG, e.g. from
// fmkit/plot's Figure.PNG.
type Slider struct {
	// Label names the parameter, e.g. "guidance weight w".
	Label string
	// Values are the positions of the slider, in increasing order, at most
	// MaxSliderValues of them (see SliderSteps for an even grid).
	Values []float64
	// Value is the default, one of Values: the figure of headless runs
	// and the slider's first position.
	Value float64
	// Format is the fmt verb that prints a value ("%g" when empty).
	Format string
	// Idle is how long a live slider waits for a move before the cell
	// ends (DefaultSliderIdle when zero).
	Idle time.Duration
}

const (
	// MaxSliderValues bounds the number of positions of a Slider.
	MaxSliderValues = 1000
	// DefaultSliderIdle is how long a live slider listens after its last
	// move (or after it appeared) before its cell ends.
	DefaultSliderIdle = 30 * time.Second
	// SliderConnectTimeout is how long Show waits for the page to answer
	// when a page is expected, before it ends as in a headless run.
	SliderConnectTimeout = 15 * time.Second
)

// SliderSteps returns the values min, min+step, ..., up to max (included
// when it is on the grid, within rounding), for Slider.Values.
func SliderSteps(min, max, step float64) ([]float64, error) {
	if !isFinite(min) || !isFinite(max) || !isFinite(step) {
		return nil, fmt.Errorf("nb.SliderSteps(%v, %v, %v): the bounds and the step must be finite", min, max, step)
	}
	if step <= 0 || max < min {
		return nil, fmt.Errorf("nb.SliderSteps(%v, %v, %v): want min <= max and a step > 0", min, max, step)
	}
	n := int(math.Floor((max-min)/step+1e-9)) + 1
	if n > MaxSliderValues {
		return nil, fmt.Errorf("nb.SliderSteps(%v, %v, %v): %d values, at most %d: use a larger step", min, max, step, n, MaxSliderValues)
	}
	v := make([]float64, n)
	for k := range v {
		// Rounded to 12 significant digits, so that 0.1 steps print as 0.3, not 0.30000000000000004.
		v[k], _ = roundSig(min+float64(k)*step, 12)
	}
	return v, nil
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func roundSig(x float64, digits int) (float64, error) {
	return strconv.ParseFloat(strconv.FormatFloat(x, 'g', digits, 64), 64)
}

// check validates the slider and returns the index of the default value.
func (s Slider) check() (int, error) {
	fail := func(format string, args ...any) (int, error) {
		return 0, fmt.Errorf("nb.Slider %q: %s", s.Label, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(s.Label) == "" {
		return fail("no Label: name the parameter the slider sets")
	}
	if len(s.Values) == 0 {
		return fail("no Values: give the positions of the slider (nb.SliderSteps makes an even grid)")
	}
	if len(s.Values) > MaxSliderValues {
		return fail("%d values, at most %d", len(s.Values), MaxSliderValues)
	}
	for k, v := range s.Values {
		if !isFinite(v) {
			return fail("value %d is %v; the values must be finite", k, v)
		}
		if k > 0 && v <= s.Values[k-1] {
			return fail("values must increase, but value %d (%v) follows %v", k, v, s.Values[k-1])
		}
	}
	if s.Idle < 0 {
		return fail("Idle is %v; want a duration >= 0 (0: %v)", s.Idle, DefaultSliderIdle)
	}
	for k, v := range s.Values {
		if v == s.Value {
			return k, nil
		}
	}
	return fail("the default Value %v is not one of the Values %v", s.Value, s.Values)
}

func (s Slider) format(v float64) string {
	f := s.Format
	if f == "" {
		f = "%g"
	}
	return fmt.Sprintf(f, v)
}

// Show draws the figure for the default value, shows it, and, when the
// cell runs in a live JupyterLab page, shows the slider and redraws the
// figure for each value the reader picks until the slider has been idle
// for Idle (see Slider). It returns draw's error for the default value, or
// an error if the slider is invalid; errors of later redraws are shown
// under the slider, and the slider keeps listening.
func (s Slider) Show(draw func(v float64) ([]byte, error)) error {
	pos, err := s.check()
	if err != nil {
		return err
	}
	if draw == nil {
		return fmt.Errorf("nb.Slider %q: draw is nil; give the function that draws the figure for a value", s.Label)
	}
	png, err := draw(s.Value)
	if err != nil {
		return err
	}
	if !inNotebook() {
		return nil
	}
	uid := newID()
	ctl, status, fig := "fmkit_slider_ctl_"+uid, "fmkit_slider_status_"+uid, "fmkit_slider_fig_"+uid
	label := html.EscapeString(s.Label)
	static := func(v float64, note string) string {
		return fmt.Sprintf(`<div class="fmkit-slider" data-fmkit-slider="static"><b>%s = %s</b> <small>(%s)</small></div>`,
			label, html.EscapeString(s.format(v)), html.EscapeString(note))
	}

	if !frontEnd() {
		update(ctl, static(s.Value, fmt.Sprintf("the figure for the default value; run this notebook in JupyterLab for a slider over %s to %s",
			s.format(s.Values[0]), s.format(s.Values[len(s.Values)-1]))))
		showImage(fig, png)
		Sync()
		return nil
	}

	// The slider is appended by GoNB's JavaScript to the element holder.
	holder := "fmkit-slider-holder-" + uid
	update(ctl, fmt.Sprintf(`<div class="fmkit-slider" data-fmkit-slider="live">%s (%s to %s): <span id="%s"></span></div>`,
		label, html.EscapeString(s.format(s.Values[0])), html.EscapeString(s.format(s.Values[len(s.Values)-1])), holder))
	update(status, `<small data-fmkit-slider-status="connecting">connecting the slider to the page …</small>`)
	showImage(fig, png)
	Sync()

	idle := s.Idle
	if idle == 0 {
		idle = DefaultSliderIdle
	}
	moves, ok := newWidget().start("fmkit-slider-"+uid, holder, len(s.Values), pos, SliderConnectTimeout)
	if !ok {
		update(ctl, static(s.Value, "the figure for the default value: the page did not answer, so there is no slider"))
		update(status, "")
		Sync()
		return nil
	}
	live := func(v float64, extra string) {
		update(status, fmt.Sprintf(`<small data-fmkit-slider-status="live">%s = %s: the figure below is drawn for this value%s. `+
			`The slider listens until %v without a move (or Stop), then the cell ends.</small>`,
			label, html.EscapeString(s.format(v)), extra, idle))
	}
	live(s.Value, "")
	Sync()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	cur := pos
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for done := false; !done; {
		select {
		case k, open := <-moves:
			if !open {
				done = true
				break
			}
			if k < 0 || k >= len(s.Values) {
				continue // not a position of this slider
			}
			timer.Reset(idle)
			if k == cur {
				continue
			}
			cur = k
			v := s.Values[k]
			png, err := draw(v)
			if err != nil {
				live(v, fmt.Sprintf(`; <b>drawing failed</b>: %s (the figure is the previous one)`, html.EscapeString(err.Error())))
				Sync()
				continue
			}
			showImage(fig, png)
			live(v, "")
			Sync()
		case <-timer.C:
			done = true
		case <-stop:
			done = true
		}
	}
	update(ctl, static(s.Values[cur], "the last value of the slider, which stopped listening; run the cell again to move it"))
	update(status, "")
	Sync()
	return nil
}

// showImage shows a PNG as an image/png output with a display id: the
// first call with an id creates the output, the next ones replace it. It is
// a variable so that tests can watch it.
var showImage = func(id string, png []byte) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMEImagePNG: png}, DisplayID: id})
}

// inNotebook is InNotebook, a variable so that tests can replace it.
var inNotebook = InNotebook

// frontEnd reports whether the cell may have a live page to talk to: it
// runs in GoNB, and GoNB was started by a Jupyter server for a notebook
// that a page opened (jupyter_server sets JPY_SESSION_NAME then; nbclient
// and nbconvert do not). It is a variable so that tests can replace it.
var frontEnd = func() bool { return gonbui.IsNotebook && os.Getenv("JPY_SESSION_NAME") != "" }

// sliderWidget is the page's end of a slider.
type sliderWidget interface {
	// start shows a slider over positions 0 .. n-1 at pos, with the DOM id
	// id, inside the element parent; it returns the positions the reader
	// picks, or false when the page did not answer within timeout.
	start(id, parent string, n, pos int, timeout time.Duration) (<-chan int, bool)
}

// newWidget makes the page's end of a slider (GoNB's widgets.Slider); it
// is a variable so that tests can replace it.
var newWidget = func() sliderWidget { return gonbSlider{} }
