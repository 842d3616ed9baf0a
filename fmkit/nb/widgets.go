package nb

import (
	"time"

	"github.com/janpfeifer/gonb/gonbui/widgets"
)

// gonbSlider is a Slider's page end made of GoNB's widgets.Slider: an
// <input type="range"> whose JavaScript sends each position to the cell's
// program through GoNB's comms (gonbui/comms: a WebSocket from the page to
// the Jupyter server, the kernel's comm messages, and named pipes from
// GoNB to the program).
type gonbSlider struct{}

func (gonbSlider) start(id, parent string, n, pos int, timeout time.Duration) (<-chan int, bool) {
	b := widgets.Slider(0, n-1, pos).WithHtmlId(id).AppendTo(parent)
	// Done shows the slider and waits for the page's first message (the
	// slider's position), with no time limit: without a page that runs the
	// JavaScript it would never return. It runs in a goroutine that is
	// abandoned when no page answers in time (the cell's program ends
	// soon after).
	ready := make(chan struct{})
	go func() {
		b.Done()
		close(ready)
	}()
	select {
	case <-ready:
	case <-time.After(timeout):
		return nil, false
	}
	// Only the latest position counts: a drag sends many, and drawing is slow.
	return b.Listen().LatestOnly().C, true
}
