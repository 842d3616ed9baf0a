package train

import (
	"fmt"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// FlowMeasure describes how straight a model's flow is, each quantity as
// mean ± sd over independent draws of the starting points x0 (see
// package metric for the formulas):
//
//	Straightness   S = mean_i ||x_i(1) - x_i(0)||^2 / E_i   (1: straight at constant speed)
//	KineticEnergy  KE = mean_i E_i,  E_i = sum_k ||x_i(t_{k+1}) - x_i(t_k)||^2 / dt_k
//	Transport      C = mean_i ||x_i(1) - x_i(0)||^2, the cost of the coupling (x0, Z_1(x0))
//
// with KE >= C >= W2^2(p0, p1): reflow lowers C and brings KE down to C.
type FlowMeasure struct {
	Straightness  metric.Estimate
	KineticEnergy metric.Estimate
	Transport     metric.Estimate
}

// MeasureFlow integrates n points x0 ~ p0 with the compiled Sampler and
// the fixed-step solver opt (keeping the trajectory), on draws draws
// (draw k seeds x0 with seed + k, so two models measured with the same
// seed start from the same points), and returns the Straightness,
// KineticEnergy and Transport of the trajectories. The Riemann sums see
// only the solver's states: use enough steps (e.g. 8 RK4 steps) to follow
// a curved flow. It fails for a score or conditional model, n <= 0 or
// fewer than metric.MinDraws draws.
func MeasureFlow(m *Model, opt ode.Options, n, draws int, seed uint64) (FlowMeasure, error) {
	if m == nil {
		return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: no model")
	}
	if n <= 0 {
		return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: number of points must be positive, got %d", n)
	}
	if draws < metric.MinDraws {
		return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: needs at least %d draws to give a spread, got %d", metric.MinDraws, draws)
	}
	s := m.Sampler()
	defer s.Close()
	opt.Trajectory = true
	var straight, energy, cost []float64
	for k := range draws {
		res, err := s.Sample(n, seed+uint64(k), opt)
		if err != nil {
			return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: draw %d: %w", k, err)
		}
		st, err := metric.Straightness(res.Traj, res.Times)
		if err != nil {
			return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: %w", err)
		}
		e, sq, err := metric.ParticleEnergies(res.Traj, res.Times)
		if err != nil {
			return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: %w", err)
		}
		straight = append(straight, st)
		energy = append(energy, mean(e))
		cost = append(cost, mean(sq))
	}
	var out FlowMeasure
	var err error
	if out.Straightness, err = metric.Summarize(straight); err == nil {
		if out.KineticEnergy, err = metric.Summarize(energy); err == nil {
			out.Transport, err = metric.Summarize(cost)
		}
	}
	if err != nil {
		return FlowMeasure{}, fmt.Errorf("train.MeasureFlow: %w", err)
	}
	return out, nil
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// W2AgainstSteps measures each model with the fixed-step solver method at
// each number of steps (NFE = stages x steps): est[i][j] is
// metric.W2Draws(models[i].SampleFunc({method, steps[j]}), ref, n, draws,
// seed), the exact W2 of n model points against n fresh reference points,
// mean ± sd over draws. The draws are those of W2Draws with that seed, so
// draw k gives every model and every step count the same x0 and the same
// reference sample: compare any two entries with
// metric.PairedTest(a.Values, b.Values). The samples are drawn in order
// (Model.Sample: one compiled network, one call per stage, which for a few
// steps is cheaper than compiling the Sampler's multi-step graphs); the
// exact W2 of the draws (an O(n^3) assignment each, slowest for samples far
// from the data) are computed on runtime.GOMAXPROCS workers. It fails on
// the inputs W2Draws rejects, for no models, a nil model or a step count
// <= 0.
func W2AgainstSteps(models []*Model, method string, steps []int, ref metric.Sampler, n, draws int, seed uint64) ([][]metric.Estimate, error) {
	const fn = "train.W2AgainstSteps"
	if len(models) == 0 || len(steps) == 0 {
		return nil, fmt.Errorf("%s: needs at least one model and one step count, got %d and %d", fn, len(models), len(steps))
	}
	if _, err := ode.Method(method); err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	for i, m := range models {
		if m == nil {
			return nil, fmt.Errorf("%s: model %d is nil", fn, i)
		}
	}
	for _, s := range steps {
		if s <= 0 {
			return nil, fmt.Errorf("%s: step counts must be positive, got %d", fn, s)
		}
	}
	// Record the draws of W2Draws (metric.Draws with a distance that keeps
	// the two samples), then compute their W2 side by side.
	type pair struct {
		i, j, k int
		a, b    *mat.Dense
	}
	var pairs []pair
	for i, m := range models {
		for j, s := range steps {
			k := 0
			keep := func(a, b *mat.Dense) (float64, error) {
				pairs = append(pairs, pair{i, j, k, a, b})
				k++
				return 0, nil
			}
			if _, err := metric.Draws(keep, m.SampleFunc(ode.Options{Method: method, Steps: s}), ref, n, draws, seed); err != nil {
				return nil, fmt.Errorf("%s: model %d, %d %s steps: %w", fn, i, s, method, err)
			}
		}
	}
	vals := make([][][]float64, len(models))
	for i := range vals {
		vals[i] = make([][]float64, len(steps))
		for j := range vals[i] {
			vals[i][j] = make([]float64, draws)
		}
	}
	errs := make([]error, len(pairs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(pairs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				q := pairs[p]
				vals[q.i][q.j][q.k], errs[p] = metric.W2(q.a, q.b)
			}
		}()
	}
	for p := range pairs {
		next <- p
	}
	close(next)
	wg.Wait()
	est := make([][]metric.Estimate, len(models))
	for p, err := range errs {
		if err != nil {
			q := pairs[p]
			return nil, fmt.Errorf("%s: model %d, %d %s steps, draw %d: %w", fn, q.i, steps[q.j], method, q.k, err)
		}
	}
	for i := range models {
		est[i] = make([]metric.Estimate, len(steps))
		for j := range steps {
			e, err := metric.Summarize(vals[i][j])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			est[i][j] = e
		}
	}
	return est, nil
}
