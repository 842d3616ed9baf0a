package exercise

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/plot"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Sizes of a SweepView's figure.
const (
	ViewPairs = 40  // conditional paths drawn
	ViewLines = 200 // learned trajectories drawn (of the sweep's N)
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
// itself (a slider's redraw must take about a second): View fails, saying
// to run the sweep first, when a model is not in the checkpoint cache
// (train.CachePath). The models are loaded when a value is first drawn.
type SweepView struct {
	sweep  PathSweep
	paths  map[float64]path.Path
	cfgs   map[float64]train.Config
	models map[float64]*train.Model
	x0, x1 *mat.Dense // the pairs of the conditional paths
	ref    *mat.Dense // target sample drawn as the density
	box    plot.Bounds
}

// View returns the view of the sweep's models: the models of its Values
// with the training seed Train.Seed (not the seed check's).
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
	v := &SweepView{sweep: s, paths: map[float64]path.Path{}, cfgs: map[float64]train.Config{}, models: map[float64]*train.Model{},
		x0: source.Sample(ViewPairs, data.NewRand(s.Seed+11)), x1: target.Sample(ViewPairs, data.NewRand(s.Seed+12)),
		ref: target.Sample(20000, data.NewRand(s.Seed+13))}
	var all []*mat.Dense
	for _, value := range s.Values {
		p, err := s.Path(value)
		if err != nil {
			return nil, fmt.Errorf("exercise: the path of %s = %g: %w", s.Param, value, err)
		}
		if p == nil {
			return nil, fmt.Errorf("exercise: the path of %s = %g is nil", s.Param, value)
		}
		path.Register(p.Name(), func() path.Path { return p })
		cfg := s.Train
		cfg.Path = p.Name()
		file := train.CachePath(cfg)
		if _, err := os.Stat(file); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("exercise: the model of %s = %g is not trained (no %s in the model cache %s): run the sweep (PathSweep.Run) first; the view never trains",
					s.Param, value, filepath.Base(file), train.CacheDir())
			}
			return nil, fmt.Errorf("exercise: the model of %s = %g: %w", s.Param, value, err)
		}
		traj, err := v.conditional(p)
		if err != nil {
			return nil, fmt.Errorf("exercise: the path of %s = %g: %w", s.Param, value, err)
		}
		v.paths[value], v.cfgs[value] = p, cfg
		all = append(all, traj...)
	}
	// The same axes for every value (the conditional paths of all values), so that moving the slider moves the paths, not the axes.
	v.box = plot.BoundsOf(all...)
	return v, nil
}

// conditional returns x_t of the view's pairs on the path p at t = k/viewSteps.
func (v *SweepView) conditional(p path.Path) ([]*mat.Dense, error) {
	n, d := v.x0.Dims()
	xt, ut := make([]float64, d), make([]float64, d)
	traj := make([]*mat.Dense, viewSteps+1)
	for k := range traj {
		t := float64(k) / viewSteps
		traj[k] = mat.NewDense(n, d, nil)
		for i := range n {
			p.Point(t, v.x0.RawRowView(i), v.x1.RawRowView(i), xt, ut)
			for _, x := range xt {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return nil, fmt.Errorf("x_t = %v at t = %v for pair %d; want finite values", xt, t, i)
				}
			}
			traj[k].SetRow(i, xt)
		}
	}
	return traj, nil
}

// model loads the model of a value from the checkpoint cache (once).
func (v *SweepView) model(value float64) (*train.Model, error) {
	if m, ok := v.models[value]; ok {
		return m, nil
	}
	m, err := train.Load(train.CachePath(v.cfgs[value]))
	if err != nil {
		return nil, fmt.Errorf("exercise: the model of %s = %g: %w", v.sweep.Param, value, err)
	}
	v.models[value] = m
	return m, nil
}

// Figure draws, for one of the sweep's values, three panels: the
// conditional paths x_t of ViewPairs pairs (x0 ~ p0, x1 ~ p1) on the
// value's path; the learned flow of the value's model, the trajectories
// with EnergySteps Euler steps of the first ViewLines of the N points x0
// of the sweep's energy measurement (Seed); and the N points it generates with
// NFE[0] Euler steps from the same x0, over the target's density. The
// first two panels have the same axes for every value.
func (v *SweepView) Figure(value float64) (*plot.Figure, error) {
	s := v.sweep
	if !slices.Contains(s.Values, value) {
		return nil, fmt.Errorf("exercise: %s = %g is not one of the sweep's values %v", s.Param, value, s.Values)
	}
	m, err := v.model(value)
	if err != nil {
		return nil, err
	}
	cond, err := v.conditional(v.paths[value])
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s = %g", s.Param, value)
	pc, err := plot.Trajectories(fmt.Sprintf("%s: conditional paths x_t", name), cond, 0)
	if err != nil {
		return nil, err
	}
	flow, err := m.Sample(s.N, s.Seed, ode.Options{Method: "euler", Steps: s.EnergySteps, Trajectory: true})
	if err != nil {
		return nil, fmt.Errorf("exercise: sampling the model of %s: %w", name, err)
	}
	lines := make([]*mat.Dense, len(flow.Traj)) // the first ViewLines particles, so that the dots do not hide the paths
	for k, x := range flow.Traj {
		n, d := x.Dims()
		lines[k] = mat.DenseCopyOf(x.Slice(0, min(ViewLines, n), 0, d))
	}
	pf, err := plot.Trajectories(fmt.Sprintf("%s: learned flow, %s", name, eulerSteps(s.EnergySteps)), lines, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range []*gplot.Plot{pc, pf} {
		widen(p, v.box)
	}
	few, err := m.Sample(s.N, s.Seed, ode.Options{Method: "euler", Steps: s.NFE[0]})
	if err != nil {
		return nil, fmt.Errorf("exercise: sampling the model of %s: %w", name, err)
	}
	ps, err := plot.ScatterOnDensity(fmt.Sprintf("%s: samples, %s", name, eulerSteps(s.NFE[0])), s.Train.Target, v.ref,
		plot.Points{Name: fmt.Sprintf("generated (%d)", s.N), X: few.X})
	if err != nil {
		return nil, err
	}
	return plot.Row(pc, pf, ps), nil
}

func eulerSteps(n int) string {
	if n == 1 {
		return "1 Euler step"
	}
	return fmt.Sprintf("%d Euler steps", n)
}

// widen extends the axes of p to hold b.
func widen(p *gplot.Plot, b plot.Bounds) {
	p.X.Min, p.X.Max = math.Min(p.X.Min, b.XMin), math.Max(p.X.Max, b.XMax)
	p.Y.Min, p.Y.Max = math.Min(p.Y.Min, b.YMin), math.Max(p.Y.Max, b.YMax)
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
