package exercise

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Sizes of a SweepView's figure.
const (
	ViewPairs = 40  // conditional paths drawn
	ViewLines = 200 // learned trajectories drawn (the first of the sweep's N particles)
	viewSteps = 40  // steps of t along a conditional path
)

// SweepView draws the models of a path sweep one value at a time, for a
// slider over the swept parameter (nb.Slider):
//
//	view, err := sweep.View()
//	...
//	s := nb.Slider{Label: "a", Values: sweep.Values, Value: 1}
//	nb.Check(s.Show(view.PNG))
//
// It uses the models that PathSweep.Run trained and never trains one
// itself: View fails, saying to run the sweep first, when a model is not
// in the checkpoint cache (train.CachePath). View loads every model and
// integrates what the figures show once (about a second for five models
// of the exercise's size), so that the figures of all values share their
// axes, and a redraw only renders (a few tenths of a second).
type SweepView struct {
	sweep  PathSweep
	values map[float64]viewValue
	ref    *mat.Dense  // target sample drawn as the density
	paths  plot.Bounds // axes of the paths and the learned flow, for every value
	points plot.Bounds // axes of the samples, for every value
}

// viewValue is what the figure of one value shows.
type viewValue struct {
	cond []*mat.Dense // x_t of the pairs on the value's path, t = k/viewSteps (plot.PathFlow)
	flow []*mat.Dense // Euler trajectories of the first ViewLines particles
	few  *mat.Dense   // the N points after NFE[0] Euler steps
}

// View loads the sweep's models (those of its Values with the training
// seed Train.Seed, not the seed check's) and integrates what SweepView's
// figures show.
func (s PathSweep) View() (*SweepView, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	target, err := data.Lookup(s.Train.Target)
	if err != nil {
		return nil, fmt.Errorf("exercise: path sweep view: %w", err)
	}
	source, err := data.Lookup(s.Train.Source)
	if err != nil {
		return nil, fmt.Errorf("exercise: path sweep view: %w", err)
	}
	v := &SweepView{sweep: s, values: map[float64]viewValue{}, ref: target.Sample(20000, data.NewRand(s.Seed+13))}
	pairs0, pairs1 := source.Sample(ViewPairs, data.NewRand(s.Seed+11)), target.Sample(ViewPairs, data.NewRand(s.Seed+12))
	// The particles of the sweep's energy measurement (Model.Sample with Seed draws them so).
	x0 := source.Sample(s.N, data.NewRand(s.Seed))
	first := mat.DenseCopyOf(x0.Slice(0, min(ViewLines, s.N), 0, source.Dim()))
	var paths []*mat.Dense
	for _, value := range s.Values {
		p, cfg, err := s.config(value, s.Train.Seed)
		if err != nil {
			return nil, err
		}
		file := train.CachePath(cfg)
		if _, err := os.Stat(file); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("exercise: the model of %s = %g is not trained (no %s in the model cache %s): run the sweep (PathSweep.Run) first; the view never trains",
					s.Param, value, filepath.Base(file), train.CacheDir())
			}
			return nil, fmt.Errorf("exercise: the model of %s = %g: %w", s.Param, value, err)
		}
		m, err := train.Load(file)
		if err != nil {
			return nil, fmt.Errorf("exercise: the model of %s = %g: %w", s.Param, value, err)
		}
		var vv viewValue
		cond, err := plot.PathFlow("", p.Point, pairs0, pairs1, viewSteps)
		if err != nil {
			return nil, fmt.Errorf("exercise: the path of %s = %g: %w", s.Param, value, err)
		}
		vv.cond = cond.Particles
		flow, err := ode.Solve(m, first, ode.Options{Method: "euler", Steps: s.EnergySteps, Trajectory: true})
		if err != nil {
			return nil, fmt.Errorf("exercise: the learned flow of %s = %g: %w", s.Param, value, err)
		}
		few, err := ode.Solve(m, x0, ode.Options{Method: "euler", Steps: s.NFE[0]})
		if err != nil {
			return nil, fmt.Errorf("exercise: sampling the model of %s = %g: %w", s.Param, value, err)
		}
		vv.flow, vv.few = flow.Traj, few.X
		v.values[value] = vv
		paths = append(append(paths, vv.cond...), vv.flow...)
	}
	// The same axes for every value, so that moving the slider moves the paths and the points, not the axes.
	// The samples' frame is the target's with a margin of half its larger side (points outside are counted, not drawn).
	v.paths, v.points = plot.BoundsOf(paths...), plot.BoundsOf(v.ref)
	b := &v.points
	m := max(b.XMax-b.XMin, b.YMax-b.YMin) / 2
	b.XMin, b.XMax, b.YMin, b.YMax = b.XMin-m, b.XMax+m, b.YMin-m, b.YMax+m
	return v, nil
}

// Figure draws, for one of the sweep's values, three panels: the
// conditional paths x_t of ViewPairs pairs (x0 ~ p0, x1 ~ p1, the same
// pairs for every value) on the value's path; the learned flow of the
// value's model, the trajectories with EnergySteps Euler steps of the
// first ViewLines of the N particles of the sweep's energy measurement
// (Seed); and the N points the model generates from those particles with
// NFE[0] Euler steps, over the target's density, in the target's frame
// widened by half its larger side on each side (the legend counts the
// points outside it). Every value's figure has the same axes.
func (v *SweepView) Figure(value float64) (*plot.Figure, error) {
	s := v.sweep
	vv, ok := v.values[value]
	if !ok || !slices.Contains(s.Values, value) {
		return nil, fmt.Errorf("exercise: %s = %g is not one of the sweep's values %v", s.Param, value, s.Values)
	}
	name := fmt.Sprintf("%s = %g", s.Param, value)
	pc, err := plot.Trajectories(fmt.Sprintf("%s: conditional paths x_t", name), vv.cond, 0)
	if err != nil {
		return nil, err
	}
	pf, err := plot.Trajectories(fmt.Sprintf("%s: learned flow, %s", name, eulerSteps(s.EnergySteps)), vv.flow, 0)
	if err != nil {
		return nil, err
	}
	inside, out := within(vv.few, v.points)
	label := fmt.Sprintf("generated (%d)", s.N)
	if out > 0 {
		label = fmt.Sprintf("generated (%d; %d outside)", s.N, out)
	}
	ps, err := plot.ScatterOnDensity(fmt.Sprintf("%s: samples, %s", name, eulerSteps(s.NFE[0])), s.Train.Target, v.ref,
		plot.Points{Name: label, X: inside})
	if err != nil {
		return nil, err
	}
	setAxes(pc, v.paths)
	setAxes(pf, v.paths)
	setAxes(ps, v.points)
	return plot.Row(pc, pf, ps), nil
}

// within returns the rows of x inside b, and the number of the others.
func within(x *mat.Dense, b plot.Bounds) (*mat.Dense, int) {
	n, d := x.Dims()
	var keep []float64
	for i := range n {
		if r := x.RawRowView(i); b.Contains(r[0], r[1]) {
			keep = append(keep, r...)
		}
	}
	if len(keep) == 0 {
		return mat.NewDense(1, d, []float64{b.XMin, b.YMin}), n // a point in the corner: ScatterOnDensity needs one
	}
	return mat.NewDense(len(keep)/d, d, keep), n - len(keep)/d
}

func eulerSteps(n int) string {
	if n == 1 {
		return "1 Euler step"
	}
	return fmt.Sprintf("%d Euler steps", n)
}

// setAxes sets the axes of p to b (which holds everything p draws).
func setAxes(p *gplot.Plot, b plot.Bounds) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = b.XMin, b.XMax, b.YMin, b.YMax
}

// PNG is Figure as the bytes of a PNG image: the draw function of a slider
// (nb.Slider.Show).
func (v *SweepView) PNG(value float64) ([]byte, error) {
	f, err := v.Figure(value)
	if err != nil {
		return nil, err
	}
	return f.PNG()
}
