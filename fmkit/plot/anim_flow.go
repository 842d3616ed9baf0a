package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Defaults of a Flow animation.
const (
	DefaultFlowFrames = 40  // frames, when there are more snapshots
	DefaultFlowDots   = 300 // particles drawn as dots
	DefaultFlowBins   = 60  // density cells along the wider side
)

// Flow is an animation of a flow in the plane: particles moving with time
// over the density p_t that they follow, one frame per time point, for
// instance the particles of a learned ODE dx/dt = v_θ(t, x) (the
// trajectory of ode.Solve or Model.Sample with Trajectory set) over the
// density of all the particles at t, or over a closed-form marginal
// probability path p_t.
//
// Each frame is one panel titled "Title, t = 0.40": the density as a heat
// map (DensityMap: white at 0 to blue at the frame's largest value, the
// colour bar giving that value), the reference points if any, and the
// first Dots particles as dark dots. The axes are the same on every frame
// (Bounds), so that motion on screen is motion in the plane.
type Flow struct {
	// Title starts the title of every frame.
	Title string
	// Times are the times of the snapshots, increasing.
	Times []float64
	// Particles[k] are the particles at Times[k], one row (x, y) each;
	// every snapshot has the same particles in the same rows (as in
	// ode.Result.Traj).
	Particles []*mat.Dense
	// Dots is the number of particles drawn as dots, the first rows
	// (DefaultFlowDots when zero; all of them when there are fewer).
	Dots int
	// Density returns p_t at each point of grid (GridPoints of the
	// frame's grid). When nil, the density is the histogram of all the
	// particles at t: count / (number of particles × cell area), the
	// particles' own marginal density.
	Density func(t float64, grid *mat.Dense) ([]float64, error)
	// LogDensity, instead of Density, returns log p_t at each point of
	// grid (as marginal.Empirical's LogDensity does): the frame shows
	// p_t = exp(log p_t). At most one of Density and LogDensity is set.
	LogDensity func(t float64, grid *mat.Dense) ([]float64, error)
	// DensityLabel names the density on the colour bar ("p_t(x)" when
	// empty, "histogram of the particles" for the histogram).
	DensityLabel string
	// Ref, when set, is drawn on every frame, in red, named RefName in
	// the legend (for instance the data points x1).
	Ref     *mat.Dense
	RefName string
	// Bounds is the region shown; when zero, the smallest rectangle
	// holding every snapshot and Ref, with a 5% margin.
	Bounds Bounds
	// Bins is the number of density cells along the wider side of Bounds
	// (DefaultFlowBins when zero, at most 400).
	Bins int
	// Frames is the number of frames (DefaultFlowFrames when zero): the
	// snapshots are taken evenly over the list, the first and the last
	// always; at most MaxFrames, and at most the number of snapshots.
	Frames int
	// Decorate, when set, draws what does not move on the panel of every
	// frame, over the density and the reference points and under the
	// dots: an outline, a region, the support of the data (for instance
	// AddRects(p, "", nil, squares...)). An error stops Animate.
	Decorate func(p *plot.Plot) error
}

var (
	flowDotColour = color.NRGBA{R: 0x20, G: 0x20, B: 0x20, A: 0xff}
	flowRefColour = color.NRGBA{R: 0xc8, G: 0x10, B: 0x3c, A: 0xff}
)

// Animate renders the flow as an animated GIF (see Animate for the
// palette, the bounds and opt). It returns an error, before rendering,
// when the snapshots are missing or disagree (times not increasing, a
// snapshot with other rows or a non-finite value), or when Frames, Dots
// or Bins are out of range.
func (f Flow) Animate(opt AnimOptions) (*Animation, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.Flow %q: %s", f.Title, fmt.Sprintf(format, args...))
	}
	if len(f.Particles) == 0 {
		return nil, fail("no snapshots: give the particles at each time (e.g. ode.Result.Traj, with Options.Trajectory set)")
	}
	if len(f.Times) != len(f.Particles) {
		return nil, fail("%d times for %d snapshots; give one time per snapshot (e.g. ode.Result.Times)", len(f.Times), len(f.Particles))
	}
	n := -1
	for k, x := range f.Particles {
		rows, err := checkPoints(fmt.Sprintf("snapshot %d", k), x)
		if err != nil {
			return nil, fail("%v", err)
		}
		if n >= 0 && rows != n {
			return nil, fail("snapshot %d has %d particles, snapshot 0 has %d; every snapshot must hold the same particles", k, rows, n)
		}
		n = rows
		if !finite(f.Times[k]) || (k > 0 && f.Times[k] <= f.Times[k-1]) {
			return nil, fail("time %d is %v after %v; the times must be finite and increasing", k, f.Times[k], f.Times[max(k-1, 0)])
		}
	}
	if f.Ref != nil {
		if _, err := checkPoints("reference points", f.Ref); err != nil {
			return nil, fail("%v", err)
		}
	}
	density := f.Density
	if f.LogDensity != nil {
		if density != nil {
			return nil, fail("both Density and LogDensity are set; give one of them")
		}
		density = func(t float64, grid *mat.Dense) ([]float64, error) {
			v, err := f.LogDensity(t, grid)
			for i := range v {
				v[i] = math.Exp(v[i])
			}
			return v, err
		}
	}
	frames := f.Frames
	if frames == 0 {
		frames = min(DefaultFlowFrames, len(f.Times))
	}
	if frames < 1 || frames > MaxFrames {
		return nil, fail("Frames = %d, want 1 to %d (MaxFrames)", frames, MaxFrames)
	}
	if frames > len(f.Times) {
		return nil, fail("Frames = %d but there are only %d snapshots", frames, len(f.Times))
	}
	dots := f.Dots
	if dots == 0 {
		dots = DefaultFlowDots
	}
	if dots < 0 {
		return nil, fail("Dots = %d, want >= 0 (0: %d)", dots, DefaultFlowDots)
	}
	dots = min(dots, n)
	bins := f.Bins
	if bins == 0 {
		bins = DefaultFlowBins
	}
	if bins < 1 || bins > 400 {
		return nil, fail("Bins = %d, want 1 to 400", bins)
	}
	b := f.Bounds
	if b == (Bounds{}) {
		b = BoundsOf(append([]*mat.Dense{f.Ref}, f.Particles...)...)
	}
	if err := b.check(); err != nil {
		return nil, fail("%v", err)
	}
	// Square cells, bins along the wider side (as Density's).
	_, nx, ny, _ := histogram(f.Particles[0], 0, b, bins)
	grid := GridPoints(b, nx, ny)
	area := (b.XMax - b.XMin) / float64(nx) * (b.YMax - b.YMin) / float64(ny)
	label := f.DensityLabel
	switch {
	case label == "" && density == nil:
		label = "histogram of the particles"
	case label == "":
		label = "p_t(x)"
	}

	pick := make([]int, frames) // snapshot of each frame
	for k := range pick {
		if frames > 1 {
			pick[k] = int(math.Round(float64(k) * float64(len(f.Times)-1) / float64(frames-1)))
		}
	}
	a, err := Animate(frames, func(k int) (*Figure, error) {
		s := pick[k]
		t, x := f.Times[s], f.Particles[s]
		var values []float64
		var err error
		if density != nil {
			if values, err = density(t, grid); err != nil {
				return nil, fmt.Errorf("density at t = %v: %w", t, err)
			}
			if len(values) != nx*ny {
				return nil, fmt.Errorf("density at t = %v: %d values for %d grid points", t, len(values), nx*ny)
			}
		} else {
			values, _, _, _ = histogram(x, n, b, bins)
			for c := range values {
				values[c] /= float64(n) * area
			}
		}
		p, err := DensityMap(fmt.Sprintf("%s, t = %.2f", f.Title, t), label, b, nx, ny, values)
		if err != nil {
			return nil, err
		}
		if f.Ref != nil {
			if err := AddPoints(p, f.RefName, f.Ref, flowRefColour, 1.6); err != nil {
				return nil, err
			}
		}
		if f.Decorate != nil {
			if err := f.Decorate(p); err != nil {
				return nil, fmt.Errorf("decorating the frame at t = %v: %w", t, err)
			}
		}
		if dots > 0 {
			name := fmt.Sprintf("%d particles", dots)
			if err := AddPoints(p, name, mat.DenseCopyOf(x.Slice(0, dots, 0, 2)), flowDotColour, vg.Length(1.4)); err != nil {
				return nil, err
			}
		}
		return Row(p), nil
	}, opt)
	if err != nil {
		return nil, fmt.Errorf("plot.Flow %q: %w", f.Title, err)
	}
	return a, nil
}
