package nb

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSliderSteps(t *testing.T) {
	got, err := SliderSteps(0, 3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0.5, 1, 1.5, 2, 2.5, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("SliderSteps(0, 3, 0.5) = %v, want %v", got, want)
	}
	got, err = SliderSteps(0, 1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 11 || got[3] != 0.3 || got[10] != 1 {
		t.Errorf("SliderSteps(0, 1, 0.1) = %v, want 0, 0.1, ..., 1 without rounding noise", got)
	}
	if got, _ := SliderSteps(2, 2, 1); !reflect.DeepEqual(got, []float64{2}) {
		t.Errorf("SliderSteps(2, 2, 1) = %v, want [2]", got)
	}
	for _, c := range []struct {
		min, max, step float64
		want           string
	}{
		{0, 1, 0, "step > 0"},
		{1, 0, 0.1, "min <= max"},
		{0, 1e9, 1, "at most 1000"},
		{0, nan(), 1, "finite"},
	} {
		if _, err := SliderSteps(c.min, c.max, c.step); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SliderSteps(%v, %v, %v): error %v, want one saying %q", c.min, c.max, c.step, err, c.want)
		}
	}
}

func nan() float64 { var z float64; return z / z }

func TestSliderBadInput(t *testing.T) {
	draw := func(float64) ([]byte, error) { return []byte("png"), nil }
	for _, c := range []struct {
		s    Slider
		want string
	}{
		{Slider{Values: []float64{1, 2}, Value: 1}, "no Label"},
		{Slider{Label: "w", Value: 1}, "no Values"},
		{Slider{Label: "w", Values: []float64{1, 1}, Value: 1}, "values must increase"},
		{Slider{Label: "w", Values: []float64{2, 1}, Value: 1}, "values must increase"},
		{Slider{Label: "w", Values: []float64{1, nan()}, Value: 1}, "must be finite"},
		{Slider{Label: "w", Values: []float64{1, 2}, Value: 3}, "default Value 3 is not one of the Values"},
		{Slider{Label: "w", Values: []float64{1, 2}, Value: 1, Idle: -time.Second}, "Idle"},
		{Slider{Label: "w", Values: make([]float64, MaxSliderValues+1)}, "at most 1000"},
	} {
		err := c.s.Show(draw)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.s, err, c.want)
		}
	}
	if err := (Slider{Label: "w", Values: []float64{1}, Value: 1}).Show(nil); err == nil || !strings.Contains(err.Error(), "draw is nil") {
		t.Errorf("nil draw: error %v", err)
	}
}

func TestSliderOutsideNotebook(t *testing.T) {
	var drawn []float64
	s := Slider{Label: "w", Values: []float64{0, 1, 2}, Value: 2}
	err := s.Show(func(v float64) ([]byte, error) { drawn = append(drawn, v); return nil, nil })
	if err != nil || !reflect.DeepEqual(drawn, []float64{2}) {
		t.Errorf("Show outside a notebook: drew %v (err %v), want only the default 2", drawn, err)
	}
	boom := errors.New("boom")
	if err := s.Show(func(float64) ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Show returned %v, want draw's error for the default", err)
	}
}

// fakeNotebook records what a Slider shows, with GoNB replaced.
type fakeNotebook struct {
	mu      sync.Mutex
	blocks  map[string]string // the last HTML of each updatable block
	images  map[string][]string
	ids     int
	started bool
}

func (f *fakeNotebook) install(t *testing.T, page bool, w sliderWidget) {
	t.Helper()
	f.blocks, f.images = map[string]string{}, map[string][]string{}
	oldNB, oldFront, oldUpdate, oldShow, oldID, oldWidget := inNotebook, frontEnd, update, showImage, newID, newWidget
	t.Cleanup(func() {
		inNotebook, frontEnd, update, showImage, newID, newWidget = oldNB, oldFront, oldUpdate, oldShow, oldID, oldWidget
	})
	inNotebook = func() bool { return true }
	frontEnd = func() bool { return page }
	update = func(id, html string) { f.mu.Lock(); f.blocks[id] = html; f.mu.Unlock() }
	showImage = func(id string, png []byte) {
		f.mu.Lock()
		f.images[id] = append(f.images[id], string(png))
		f.mu.Unlock()
	}
	newID = func() string { f.ids++; return fmt.Sprint(f.ids) }
	newWidget = func() sliderWidget { f.started = true; return w }
}

func (f *fakeNotebook) block(prefix string) string {
	for id, h := range f.blocks {
		if strings.HasPrefix(id, prefix) {
			return h
		}
	}
	return ""
}

func (f *fakeNotebook) figures() []string {
	for id, imgs := range f.images {
		if strings.HasPrefix(id, "fmkit_slider_fig_") {
			return imgs
		}
	}
	return nil
}

// fakeWidget plays a reader: it answers (or not) and sends positions.
type fakeWidget struct {
	answer bool
	moves  []int
	gap    time.Duration
	got    struct{ n, pos int }
}

func (w *fakeWidget) start(id, parent string, n, pos int, timeout time.Duration) (<-chan int, bool) {
	w.got.n, w.got.pos = n, pos
	if !w.answer {
		return nil, false
	}
	c := make(chan int)
	go func() {
		for _, m := range w.moves {
			time.Sleep(w.gap)
			c <- m
		}
		// then the reader stops moving: the slider's idle time ends the cell
	}()
	return c, true
}

func drawValue(v float64) ([]byte, error) { return []byte(fmt.Sprintf("figure for %g", v)), nil }

func TestSliderHeadless(t *testing.T) {
	var f fakeNotebook
	f.install(t, false, nil)
	s := Slider{Label: "guidance w", Values: []float64{0, 1.5, 3}, Value: 1.5}
	if err := s.Show(drawValue); err != nil {
		t.Fatal(err)
	}
	if f.started {
		t.Error("a headless run started the page's widget")
	}
	if got := f.figures(); !reflect.DeepEqual(got, []string{"figure for 1.5"}) {
		t.Errorf("figures shown: %q, want only the default's", got)
	}
	ctl := f.block("fmkit_slider_ctl_")
	for _, want := range []string{"guidance w = 1.5", "run this notebook in JupyterLab", "0 to 3", `data-fmkit-slider="static"`} {
		if !strings.Contains(ctl, want) {
			t.Errorf("control line %q lacks %q", ctl, want)
		}
	}
}

func TestSliderNoPageAnswers(t *testing.T) {
	var f fakeNotebook
	w := &fakeWidget{answer: false}
	f.install(t, true, w)
	s := Slider{Label: "steps", Values: []float64{1, 2, 4, 8}, Value: 4}
	if err := s.Show(drawValue); err != nil {
		t.Fatal(err)
	}
	if w.got.n != 4 || w.got.pos != 2 {
		t.Errorf("widget started with %d positions at %d, want 4 at 2", w.got.n, w.got.pos)
	}
	if ctl := f.block("fmkit_slider_ctl_"); !strings.Contains(ctl, "did not answer") || !strings.Contains(ctl, "steps = 4") {
		t.Errorf("control line %q, want the default value and that the page did not answer", ctl)
	}
	if got := f.figures(); len(got) != 1 {
		t.Errorf("figures shown: %q, want the default's only", got)
	}
}

func TestSliderLive(t *testing.T) {
	var f fakeNotebook
	// Positions: 2 (w = 2), 2 again (no redraw), 99 (not a position:
	// ignored), 0 (w = 0, whose drawing fails), 1 (w = 1).
	w := &fakeWidget{answer: true, moves: []int{2, 2, 99, 0, 1}, gap: 5 * time.Millisecond}
	f.install(t, true, w)
	var mu sync.Mutex
	var drawn []float64
	draw := func(v float64) ([]byte, error) {
		mu.Lock()
		drawn = append(drawn, v)
		mu.Unlock()
		if v == 0 {
			return nil, errors.New("w = 0 is not allowed here")
		}
		return drawValue(v)
	}
	s := Slider{Label: "w", Values: []float64{0, 1, 2}, Value: 1, Idle: 200 * time.Millisecond}
	start := time.Now()
	if err := s.Show(draw); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 5*time.Second {
		t.Errorf("Show returned after %v, want about the idle time (200ms) after the last move", el)
	}
	if want := []float64{1, 2, 0, 1}; !reflect.DeepEqual(drawn, want) {
		t.Errorf("drew %v, want %v (the default, then each new position)", drawn, want)
	}
	if got, want := f.figures(), []string{"figure for 1", "figure for 2", "figure for 1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("figures shown in place: %q, want %q", got, want)
	}
	if ctl := f.block("fmkit_slider_ctl_"); !strings.Contains(ctl, "w = 1") || !strings.Contains(ctl, "stopped listening") {
		t.Errorf("final control line %q, want the last value and that the slider stopped", ctl)
	}
	if st := f.block("fmkit_slider_status_"); st != "" {
		t.Errorf("status line left after the end: %q", st)
	}
}

func TestSliderLiveShowsDrawError(t *testing.T) {
	var f fakeNotebook
	w := &fakeWidget{answer: true, moves: []int{0}, gap: time.Millisecond}
	f.install(t, true, w)
	statuses := make(chan string, 10)
	inner := update
	update = func(id, html string) {
		inner(id, html)
		if strings.HasPrefix(id, "fmkit_slider_status_") {
			statuses <- html
		}
	}
	s := Slider{Label: "a", Values: []float64{0, 1}, Value: 1, Idle: 100 * time.Millisecond}
	err := s.Show(func(v float64) ([]byte, error) {
		if v == 0 {
			return nil, errors.New("a = 0 <breaks> it")
		}
		return drawValue(v)
	})
	if err != nil {
		t.Fatal(err)
	}
	close(statuses)
	found := false
	for h := range statuses {
		if strings.Contains(h, "drawing failed") && strings.Contains(h, "a = 0 &lt;breaks&gt; it") {
			found = true
		}
	}
	if !found {
		t.Error("no status line showed the drawing error (HTML-escaped)")
	}
}
