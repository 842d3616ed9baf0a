package exercise

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/train"
)

// PathSweep studies a family of conditional paths indexed by one number,
// such as the amplitude a of the curved path x_t = (1-t) x0 + t x1 +
// a t(1-t) R(x1 - x0) (a = 0 is the linear path): it trains one
// flow-matching model per value with train.Cached and measures each model
// with its noise, against the model of the Baseline value:
//
//   - W2 to the target after k Euler steps, for each k in NFE: exact W2
//     between N generated points and N fresh target points, mean ± sd over
//     Draws draws (metric.W2Draws). Every model gets the same seeds, hence
//     the same x0 and the same target samples on draw k, so each value is
//     compared with the baseline draw by draw (metric.PairedTest).
//   - kinetic energy KE = mean_i E_i, E_i = sum_k ||Dx_ik||^2 / dt_k, of the
//     EnergySteps-step Euler trajectories of N particles; their mean squared
//     displacement D = mean_i D_i, D_i = ||x_i(1) - x_i(0)||^2; the excess
//     energy KE - D = mean_i (E_i - D_i), which on [0, 1] is
//     int_0^1 E||v_t - (x(1) - x(0))||^2 dt, the mean squared deviation of
//     the velocity from the chord's (Liu et al.'s rectified-flow
//     "straightness", 0 for straight paths at constant speed: what a coarse
//     Euler step gets wrong); and the normalised straightness
//     S = mean_i D_i / E_i (see metric.KineticEnergy, metric.Straightness):
//     means over the particles with their standard errors. All models start
//     from the same N points x0, so particle i of a model is compared with
//     particle i of the baseline (paired test over the particles).
//   - with SeedCheck, the baseline trained a second time with the next
//     training seed, and measured the same way: the difference between two
//     models that differ only by their seed is the yardstick of the
//     training noise, which the draws above do not contain.
//
// Benamou–Brenier gives the floor of every energy: any flow from p0 to p1
// has KE >= E||x(1) - x(0)||^2 >= W2^2(p0, p1).
//
// Path returns the path of a value; PathSweep registers it under its Name
// (path.Register) and trains on that name, so a path.FormulaPath (whose name
// changes with its formula) or a path.Curved{A: a} both work.
type PathSweep struct {
	Param       string                             // the swept parameter's name in tables and figures, e.g. "a"
	Values      []float64                          // one model per value
	Path        func(v float64) (path.Path, error) // the conditional path of a value
	Baseline    float64                            // the value the others are compared with (one of Values)
	Train       train.Config                       // the training configuration; its Path is set for each value
	NFE         []int                              // Euler steps at which W2 is measured
	EnergySteps int                                // Euler steps of the trajectories of KE and straightness
	N, Draws    int                                // points per W2 draw (and particles), and W2 draws (>= metric.MinDraws)
	Seed        uint64                             // seeds the draws and the particles
	SeedCheck   bool                               // also train the baseline with seed Train.Seed + 1
}

// SweepPoint is what PathSweep measured for one value (or, for SeedCheck,
// the baseline's second seed).
type SweepPoint struct {
	Value        float64
	Path         string              // the path name trained on (train.Config.Path)
	Seed         uint64              // the training seed
	TrainSeconds float64             // training wall time, as recorded when the model was trained (also when loaded from the cache)
	W2           []metric.Estimate   // at each NFE: mean ± sd over the draws
	W2VsBaseline []metric.Comparison // at each NFE: this model − the baseline's, paired by draw
	// Over the N particles: the mean and SD over particles (SE = SD/sqrt(N)).
	Energy, Displacement, Excess, Straightness metric.Estimate
	// This model − the baseline's, paired by particle.
	EnergyVsBaseline, StraightnessVsBaseline metric.Comparison
}

// SweepResult is the outcome of PathSweep.Run: one point per value, in the
// order of Values, then the seed check if asked for.
type SweepResult struct {
	Sweep     PathSweep
	Points    []SweepPoint
	SeedCheck *SweepPoint     // the baseline with the next training seed, or nil
	Noise     metric.Estimate // W2 between two independent target samples of size N (metric.NoiseBand)
}

// Validate reports a sweep that cannot run and says what to change.
func (s PathSweep) Validate() error {
	switch {
	case len(s.Values) < 2:
		return fmt.Errorf("exercise: a path sweep needs at least 2 values of %s, got %d", s.Param, len(s.Values))
	case s.Path == nil:
		return fmt.Errorf("exercise: the path sweep has no Path function: give func(v float64) (path.Path, error)")
	case !slices.Contains(s.Values, s.Baseline):
		return fmt.Errorf("exercise: the baseline %s = %g is not one of the values %v: add it, the others are compared with it", s.Param, s.Baseline, s.Values)
	case len(s.NFE) == 0 || slices.Min(s.NFE) <= 0:
		return fmt.Errorf("exercise: the path sweep's NFE %v must list positive Euler step counts, e.g. []int{2, 8}", s.NFE)
	case s.EnergySteps < 2:
		return fmt.Errorf("exercise: EnergySteps = %d: kinetic energy needs a trajectory of at least 2 steps (100 is usual)", s.EnergySteps)
	case s.N < 2 || s.Draws < metric.MinDraws:
		return fmt.Errorf("exercise: N = %d points and %d draws: use N >= 2 (1000 for W2) and at least %d draws", s.N, s.Draws, metric.MinDraws)
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) || slices.Contains(s.Values[:i], v) {
			return fmt.Errorf("exercise: value %v of %s appears twice or is not a number; give distinct values", v, s.Param)
		}
	}
	return nil
}

// Run trains (or loads) the models and measures them; see PathSweep.
func (s PathSweep) Run() (*SweepResult, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if _, err := data.Lookup(s.Train.Target); err != nil {
		return nil, fmt.Errorf("exercise: path sweep: %w", err)
	}
	ref := func(n int, seed uint64) (*mat.Dense, error) { return data.Sample(s.Train.Target, n, seed) }
	var err error
	res := &SweepResult{Sweep: s}
	if res.Noise, err = metric.NoiseBand(ref, s.N, s.Draws, s.Seed+1); err != nil {
		return nil, err
	}
	type job struct {
		value float64
		seed  uint64
	}
	jobs := make([]job, 0, len(s.Values)+1)
	for _, v := range s.Values {
		jobs = append(jobs, job{v, s.Train.Seed})
	}
	if s.SeedCheck {
		jobs = append(jobs, job{s.Baseline, s.Train.Seed + 1})
	}
	points := make([]SweepPoint, len(jobs))
	var particles [][2][]float64 // energies and straightness of each particle, per job
	for i, j := range jobs {
		pt, per, err := s.measure(j.value, j.seed, ref)
		if err != nil {
			return nil, err
		}
		points[i] = pt
		particles = append(particles, per)
	}
	base := slices.Index(s.Values, s.Baseline)
	for i := range points {
		p, b := &points[i], points[base]
		for k := range s.NFE {
			c, err := metric.PairedTest(p.W2[k].Values, b.W2[k].Values)
			if err != nil {
				return nil, err
			}
			p.W2VsBaseline = append(p.W2VsBaseline, c)
		}
		if p.EnergyVsBaseline, err = metric.PairedTest(particles[i][0], particles[base][0]); err != nil {
			return nil, err
		}
		if p.StraightnessVsBaseline, err = metric.PairedTest(particles[i][1], particles[base][1]); err != nil {
			return nil, err
		}
	}
	res.Points = points[:len(s.Values)]
	if s.SeedCheck {
		res.SeedCheck = &points[len(s.Values)]
	}
	return res, nil
}

// config returns the path of value v, registered under its name (so that
// a training configuration can name it), and the training configuration of
// its model with the given training seed.
func (s PathSweep) config(v float64, seed uint64) (path.Path, train.Config, error) {
	p, err := s.Path(v)
	if err != nil {
		return nil, train.Config{}, fmt.Errorf("exercise: the path of %s = %g: %w", s.Param, v, err)
	}
	if p == nil {
		return nil, train.Config{}, fmt.Errorf("exercise: the path of %s = %g is nil", s.Param, v)
	}
	path.Register(p.Name(), func() path.Path { return p })
	cfg := s.Train
	cfg.Path, cfg.Seed = p.Name(), seed
	return p, cfg, nil
}

// measure trains the model of value v with the given training seed and
// measures it; it also returns the per-particle energies and straightness.
func (s PathSweep) measure(v float64, seed uint64, ref metric.Sampler) (SweepPoint, [2][]float64, error) {
	var none [2][]float64
	p, cfg, err := s.config(v, seed)
	if err != nil {
		return SweepPoint{}, none, err
	}
	m, err := train.Cached(cfg)
	if err != nil {
		return SweepPoint{}, none, fmt.Errorf("exercise: training on the path of %s = %g: %w", s.Param, v, err)
	}
	pt := SweepPoint{Value: v, Path: p.Name(), Seed: seed, TrainSeconds: m.Seconds}
	smp := m.Sampler()
	defer smp.Close()
	for _, k := range s.NFE {
		opt := ode.Options{Method: "euler", Steps: k}
		w, err := metric.W2Draws(func(n int, sd uint64) (*mat.Dense, error) {
			r, err := smp.Sample(n, sd, opt)
			if err != nil {
				return nil, err
			}
			return r.X, nil
		}, ref, s.N, s.Draws, s.Seed)
		if err != nil {
			return SweepPoint{}, none, fmt.Errorf("exercise: W2 of %s = %g at %d Euler steps: %w", s.Param, v, k, err)
		}
		pt.W2 = append(pt.W2, w)
	}
	r, err := smp.Sample(s.N, s.Seed, ode.Options{Method: "euler", Steps: s.EnergySteps, Trajectory: true})
	if err != nil {
		return SweepPoint{}, none, fmt.Errorf("exercise: trajectories of %s = %g: %w", s.Param, v, err)
	}
	energy, disp, err := metric.ParticleEnergies(r.Traj, r.Times)
	if err != nil {
		return SweepPoint{}, none, err
	}
	straight, excess := make([]float64, len(energy)), make([]float64, len(energy))
	for i, e := range energy {
		excess[i] = e - disp[i]
		straight[i] = 1 // a particle that does not move (metric.Straightness)
		if e > 0 {
			straight[i] = disp[i] / ((r.Times[len(r.Times)-1] - r.Times[0]) * e)
		}
	}
	if pt.Energy, err = metric.Summarize(energy); err != nil {
		return SweepPoint{}, none, err
	}
	if pt.Displacement, err = metric.Summarize(disp); err != nil {
		return SweepPoint{}, none, err
	}
	if pt.Excess, err = metric.Summarize(excess); err != nil {
		return SweepPoint{}, none, err
	}
	if pt.Straightness, err = metric.Summarize(straight); err != nil {
		return SweepPoint{}, none, err
	}
	return pt, [2][]float64{energy, straight}, nil
}
