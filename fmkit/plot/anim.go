package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"path/filepath"
	"strings"
	"time"

	"github.com/flowmatching/gofm/fmkit/internal/fsutil"
	"github.com/flowmatching/gofm/fmkit/nb"
)

// Bounds on an animation, so that a notebook that shows a few of them
// stays small: at most MaxFrames frames of at most MaxFramePixels pixels
// each, and at most MaxAnimationBytes (1.5 MB) once encoded. Animate
// rejects more frames or larger frames before it renders anything, and
// returns an error (saying what to reduce) when the encoded GIF is larger
// than the byte bound. A notebook stores an animation in base64, 4/3 of
// its size: an animation of 1.5 MB adds 2 MB to the .ipynb file. A Flow
// at the default size (384 x 384 pixels) with 60 frames and 2000 dots that
// all move on every frame is about 0.25 MB (TestFlowDefaultSize logs it).
const (
	MaxFrames         = 60
	MaxFramePixels    = 1200 * 800
	MaxAnimationBytes = 1_500_000
)

// Default timing of an animation.
const (
	DefaultFrameDelay = 100 * time.Millisecond  // between frames
	DefaultHold       = 1500 * time.Millisecond // extra time on the last frame
)

// AnimOptions are the timing and size limit of an animation; the zero
// value gives the defaults.
type AnimOptions struct {
	// Delay is how long each frame is shown (DefaultFrameDelay when
	// zero). GIF counts in hundredths of a second: Delay is rounded to
	// 10 ms, and is at least 20 ms (browsers slow down faster frames).
	Delay time.Duration
	// Hold is added to the delay of the last frame, so that the end
	// state can be read before the animation loops (DefaultHold when
	// zero; negative for none).
	Hold time.Duration
	// MaxBytes lowers the bound on the encoded size (MaxAnimationBytes
	// when zero; it cannot be raised above MaxAnimationBytes).
	MaxBytes int
}

// Animation is an animated GIF made by Animate: it loops forever.
type Animation struct {
	GIF           []byte // the encoded file
	Frames        int    // number of frames
	Width, Height int    // size of a frame in pixels
	Colours       int    // size of the palette shared by the frames
}

// Animate renders the figures frame(0), ..., frame(n-1), all of the same
// size, and encodes them as one animated GIF that loops forever.
//
// The colours: a GIF frame has at most 256 colours. Animate picks one
// palette of at most 255 colours for all the frames (so that a colour
// never flickers from frame to frame) by median cut over the colours of
// every frame, counted in bins of 5 bits per channel: the bin holding the
// most pixels, weighted by the spread of its colours, is split at the
// median of its widest channel until there are 255 bins, and each bin's
// colour is the mean of its pixels. Each pixel is mapped to the nearest
// palette colour, without dithering, so that text and thin lines stay
// sharp. The 256th entry is transparent: each frame after the first
// stores only the rectangle where it differs from the previous one, with
// unchanged pixels transparent, which keeps a moving-dots-on-a-still-
// background animation small.
//
// It returns an error if n is not in 1..MaxFrames, if a frame fails to
// render or has another size than the first, if a frame is larger than
// MaxFramePixels, or if the GIF is larger than the byte bound (see
// MaxAnimationBytes): the message says what to reduce.
func Animate(n int, frame func(k int) (*Figure, error), opt AnimOptions) (*Animation, error) {
	if n < 1 || n > MaxFrames {
		return nil, fmt.Errorf("plot.Animate: %d frames, want 1 to %d (MaxFrames): use fewer time points", n, MaxFrames)
	}
	if frame == nil {
		return nil, errors.New("plot.Animate: frame is nil; give the function that makes the figure of frame k")
	}
	delay, hold, limit, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	frames := make([]*image.RGBA, n)
	for k := range n {
		f, err := frame(k)
		if err != nil {
			return nil, fmt.Errorf("plot.Animate: frame %d: %w", k, err)
		}
		if f == nil {
			return nil, fmt.Errorf("plot.Animate: frame %d is a nil figure", k)
		}
		if w, h, dpi := f.size(); k == 0 {
			cols := max(1, min(f.Cols, len(f.Panels)))
			rows := (len(f.Panels) + cols - 1) / cols
			px := (w.Dots(float64(dpi)) * float64(cols)) * (h.Dots(float64(dpi)) * float64(rows))
			if len(f.Panels) > 0 && px > MaxFramePixels {
				return nil, fmt.Errorf("plot.Animate: a frame of %.0f pixels is over the bound of %d (MaxFramePixels): "+
					"use fewer or smaller panels (Figure.PanelWidth, PanelHeight, DPI)", px, MaxFramePixels)
			}
		}
		img, err := f.rgba()
		if err != nil {
			return nil, fmt.Errorf("plot.Animate: frame %d: %w", k, err)
		}
		if k > 0 && img.Bounds() != frames[0].Bounds() {
			return nil, fmt.Errorf("plot.Animate: frame %d is %v pixels, frame 0 is %v: all frames must have the same size "+
				"(same layout, panel size and DPI)", k, img.Bounds().Size(), frames[0].Bounds().Size())
		}
		frames[k] = img
	}
	data, colours := encodeGIF(frames, delay, hold)
	if len(data) > limit {
		return nil, fmt.Errorf("plot.Animate: the GIF of %d frames of %v pixels is %d bytes, over the bound of %d bytes: "+
			"use fewer frames, smaller panels, or fewer moving points", n, frames[0].Bounds().Size(), len(data), limit)
	}
	b := frames[0].Bounds()
	return &Animation{GIF: data, Frames: n, Width: b.Dx(), Height: b.Dy(), Colours: colours}, nil
}

func (o AnimOptions) resolve() (delay, hold time.Duration, limit int, err error) {
	delay, hold, limit = o.Delay, o.Hold, o.MaxBytes
	if delay == 0 {
		delay = DefaultFrameDelay
	}
	if delay < 20*time.Millisecond || delay > time.Minute {
		return 0, 0, 0, fmt.Errorf("plot.Animate: frame delay %v, want 20ms to 1m", delay)
	}
	switch {
	case hold == 0:
		hold = DefaultHold
	case hold < 0:
		hold = 0
	case hold > time.Minute:
		return 0, 0, 0, fmt.Errorf("plot.Animate: hold %v, want at most 1m", hold)
	}
	if limit == 0 {
		limit = MaxAnimationBytes
	}
	if limit < 0 || limit > MaxAnimationBytes {
		return 0, 0, 0, fmt.Errorf("plot.Animate: MaxBytes %d, want 1 to %d (MaxAnimationBytes; 0 for the bound itself)", limit, MaxAnimationBytes)
	}
	return delay, hold, limit, nil
}

// rgba renders the figure as an RGBA image (through its PNG, the same
// pixels as Show).
func (f *Figure) rgba() (*image.RGBA, error) {
	data, err := f.PNG()
	if err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding the rendered figure: %w", err)
	}
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba, nil
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	return rgba, nil
}

// Show shows the animation as an image/gif output of the current notebook
// cell (see nb.GIF); it does nothing outside a notebook.
func (a *Animation) Show() error {
	if a == nil || len(a.GIF) == 0 {
		return errors.New("plot: Show of an empty animation; make it with plot.Animate")
	}
	nb.GIF(a.GIF)
	return nil
}

// Save writes the animation to path, which must end in .gif, atomically
// (a temporary file in the same directory renamed to path), creating
// missing parent directories.
func (a *Animation) Save(path string) error {
	if a == nil || len(a.GIF) == 0 {
		return errors.New("plot: Save of an empty animation; make it with plot.Animate")
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".gif" {
		return fmt.Errorf("plot: an animation is saved as .gif, not %q (%s)", ext, path)
	}
	if err := fsutil.WriteFileAtomic(path, a.GIF); err != nil {
		return fmt.Errorf("plot: saving the animation: %w", err)
	}
	return nil
}
