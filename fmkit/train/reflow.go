package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// ReflowOptions configure one reflow or distillation stage.
type ReflowOptions struct {
	Pairs  int         `json:"pairs"`  // N, the number of (x0, Z_1(x0)) pairs generated (> 0)
	Solver ode.Options `json:"solver"` // fixed-step solver that generates Z_1(x0) from t = 0 to 1, e.g. {Method: "rk4", Steps: 4}
	Steps  int         `json:"steps"`  // Adam steps of the new model (> 0)
	Batch  int         `json:"batch"`  // pairs per step; 0: the parent's Batch
	LR     float64     `json:"lr"`     // peak learning rate; 0: the parent's LR (the parent's decay schedule is kept)
	Seed   uint64      `json:"seed"`   // seeds the x0 of the pairs, the minibatches and t

	// FromScratch starts the new network from random weights instead of
	// the parent's.
	FromScratch bool `json:"from_scratch,omitempty"`

	// Quiet turns the progress display off (not part of the identity).
	Quiet bool `json:"-"`
}

// ReflowCost is the cost of one stage of a rectified model's lineage: the
// training of the base model (Stage "cfm", no pairs) or a reflow or
// distillation stage (pair generation plus training).
type ReflowCost struct {
	Stage        string  `json:"stage"`         // "cfm", "reflow" or "distill"
	TrainSteps   int     `json:"train_steps"`   // Adam steps
	TrainSeconds float64 `json:"train_seconds"` // wall time of the training loop
	Pairs        int     `json:"pairs"`         // pairs generated (0 for "cfm")
	PairNFE      int     `json:"pair_nfe"`      // solver NFE per pair (stages x steps); 0 in a total
	PairEvals    int     `json:"pair_evals"`    // network evaluations of single points spent on pairs, Pairs x PairNFE
	PairSeconds  float64 `json:"pair_seconds"`  // wall time of generating the pairs
}

// Seconds is the stage's wall time, TrainSeconds + PairSeconds.
func (c ReflowCost) Seconds() float64 { return c.TrainSeconds + c.PairSeconds }

// Rectified is a velocity model with its lineage: the base CFM model
// (Kind "cfm", K = 1, from Rectify), a k-rectified flow (Kind "reflow",
// K = k) or a one-step distilled model (Kind "distill", K of the flow it
// was distilled from). It embeds the Model, so it samples and evaluates
// like one.
//
// Its stages are reflow (k-rectified flow) and one-step distillation, after
// Liu, Gong and Liu, "Flow straight and fast: learning to generate and transfer data with
// rectified flow" (ICLR 2023, arXiv:2209.03003).
//
// A trained velocity model v defines a deterministic coupling of p0 and its
// learned p1: draw x0 ~ p0 and integrate dx/dt = v(t, x) from x(0) = x0 to
// Z_1(x0) = x(1). Call the CFM model (independent pairs, linear path) the
// 1-rectified flow Z^1. Reflow trains the next flow on the pairs the current
// flow makes:
//
//	Z^{k+1} = argmin_v  E_{x0 ~ p0, t ~ U[0, 1]} || v(t, x_t) - (x1 - x0) ||^2,
//	          x1 = Z^k_1(x0),   x_t = (1 - t) x0 + t x1,
//
// that is, conditional flow matching on the linear path with the coupling
// (X0, Z^k_1(X0)) instead of independent pairs. Because that coupling is
// deterministic and already "untangled" (the ODE's trajectories do not
// cross), the straight lines between its pairs cross far less than those of
// independent pairs, so the new marginal field averages fewer directions
// and its trajectories are straighter; Liu et al. prove that the exact
// reflow keeps the marginals and does not increase the transport cost
// E c(x1 - x0) for any convex c. Straighter flows integrate accurately in
// fewer steps (one Euler step for a perfectly straight one).
//
// In practice (what Reflow does): N pairs (x0_i, Z^k_1(x0_i)) are generated
// once with a fixed-step solver (ReflowOptions.Solver, run by the compiled
// Sampler), so the pairs carry the first model's errors and the solver's;
// then each Adam step draws B pair indices uniformly with replacement and
// t_i ~ U[0, 1] and takes one CFM step on (t_i, x0_i, x1_i) (Trainer.StepOn).
// The new network starts from the parent's weights (as Liu et al. do)
// unless FromScratch is set.
//
// One-step distillation (Distill) keeps only t = 0:
//
//	min_v  E_{x0 ~ p0} || v(0, x0) - (x1 - x0) ||^2,   x1 = Z^k_1(x0),
//
// whose minimiser for a deterministic coupling is v(0, x0) = Z^k_1(x0) - x0,
// so that one Euler step x0 + 1 * v(0, x0) lands on the parent flow's
// endpoint. It is the same CFM step with every t_i = 0 (at t = 0 the linear
// path gives x_t = x0 and u = x1 - x0). The distilled model is meant for
// exactly one Euler step: its field at t > 0 is not trained.
type Rectified struct {
	*Model
	Kind    string        // "cfm", "reflow" or "distill"
	K       int           // k of the k-rectified flow (a distilled model keeps its parent's)
	Key     string        // identity of the lineage: the base's config hash and every stage's options
	Options ReflowOptions // the last stage's options (zero for the base)
	Costs   []ReflowCost  // every stage from the base model to this one
}

// Rectify wraps a trained unconditional velocity model as the 1-rectified
// flow, the start of a reflow lineage. Its cost is its own training
// (Model.Seconds, the steps in its History).
func Rectify(m *Model) (*Rectified, error) {
	if err := checkReflowParent(m); err != nil {
		return nil, err
	}
	return &Rectified{
		Model: m, Kind: "cfm", K: 1, Key: "cfm-" + m.Config.Hash(),
		Costs: []ReflowCost{{Stage: "cfm", TrainSteps: len(m.History), TrainSeconds: m.Seconds}},
	}, nil
}

// TotalCost sums the costs of the lineage (Stage "total"; PairNFE, a per
// stage quantity, is left 0).
func (r *Rectified) TotalCost() ReflowCost {
	t := ReflowCost{Stage: "total"}
	for _, c := range r.Costs {
		t.TrainSteps += c.TrainSteps
		t.TrainSeconds += c.TrainSeconds
		t.Pairs += c.Pairs
		t.PairEvals += c.PairEvals
		t.PairSeconds += c.PairSeconds
	}
	return t
}

// Reflow trains the (K+1)-rectified flow on N pairs (x0, Z^K_1(x0)) of this
// flow (see the formula at the top of this file) and returns it with the
// cost of the pairs and of the training appended to the lineage.
func (r *Rectified) Reflow(opt ReflowOptions) (*Rectified, error) {
	return r.stage("reflow", opt, false)
}

// Distill trains a one-step model on N pairs (x0, Z^K_1(x0)) of this flow:
// v(0, x0) regressed onto x1 - x0 at t = 0 only, so that one Euler step
// x0 + v(0, x0) approximates Z^K_1(x0). Sample it with
// ode.Options{Method: "euler", Steps: 1}.
func (r *Rectified) Distill(opt ReflowOptions) (*Rectified, error) {
	return r.stage("distill", opt, false)
}

// CachedReflow is Reflow through the checkpoint cache (CacheDir): the
// model is keyed by this lineage's Key and the options, trained once and
// loaded afterwards with its recorded costs.
func (r *Rectified) CachedReflow(opt ReflowOptions) (*Rectified, error) {
	return r.stage("reflow", opt, true)
}

// CachedDistill is Distill through the checkpoint cache, as CachedReflow.
func (r *Rectified) CachedDistill(opt ReflowOptions) (*Rectified, error) {
	return r.stage("distill", opt, true)
}

// checkReflowParent says why a model cannot start or continue a lineage.
func checkReflowParent(m *Model) error {
	switch {
	case m == nil:
		return fmt.Errorf("reflow: no parent model")
	case m.Config.Classes > 0:
		return fmt.Errorf("reflow: the parent model is conditional (%d classes); reflow needs an unconditional velocity model (Classes = 0)", m.Config.Classes)
	case m.Config.Output() != path.Velocity:
		return fmt.Errorf("reflow: the parent model predicts %s (objective %q); reflow needs a velocity model (the CFM objective) to warm-start from and to integrate with the compiled sampler", m.Config.Output(), m.Config.Objective)
	}
	return nil
}

// validate checks the options against the parent and fills the defaults.
func (opt ReflowOptions) validate(parent *Model) (ReflowOptions, error) {
	if opt.Pairs <= 0 {
		return opt, fmt.Errorf("reflow: Pairs must be positive, got %d (the number of (x0, Z_1(x0)) pairs to generate, e.g. 2000)", opt.Pairs)
	}
	if opt.Steps <= 0 {
		return opt, fmt.Errorf("reflow: Steps must be positive, got %d (Adam steps of the new model)", opt.Steps)
	}
	if opt.Batch < 0 {
		return opt, fmt.Errorf("reflow: Batch must be positive (or 0 for the parent's %d), got %d", parent.Config.Batch, opt.Batch)
	}
	if opt.Batch == 0 {
		opt.Batch = parent.Config.Batch
	}
	if math.IsNaN(opt.LR) || math.IsInf(opt.LR, 0) || opt.LR < 0 {
		return opt, fmt.Errorf("reflow: LR must be a positive number (or 0 for the parent's %g), got %v", parent.Config.LR, opt.LR)
	}
	if opt.LR == 0 {
		opt.LR = parent.Config.LR
	}
	s := opt.Solver
	if _, err := ode.Method(s.Method); err != nil {
		return opt, fmt.Errorf("reflow: Solver: %w", err)
	}
	if s.Steps <= 0 {
		return opt, fmt.Errorf("reflow: Solver.Steps must be positive, got %d", s.Steps)
	}
	if !(s.T0 == 0 && (s.T1 == 0 || s.T1 == 1)) {
		return opt, fmt.Errorf("reflow: the pairs are integrated from t = 0 to 1; leave Solver.T0 and T1 at zero (got [%v, %v])", s.T0, s.T1)
	}
	opt.Solver = ode.Options{Method: strings.ToLower(s.Method), Steps: s.Steps}
	return opt, nil
}

// stageConfig is the configuration of the model trained by a stage: the
// parent's network, data and schedule on the linear path with the stage's
// steps, batch, learning rate and seed.
func stageConfig(parent Config, opt ReflowOptions) Config {
	c := parent
	c.Path, c.Coupling, c.SinkhornEps = "linear", "independent", 0
	c.Steps, c.Batch, c.LR, c.Seed = opt.Steps, opt.Batch, opt.LR, opt.Seed
	c.Quiet = opt.Quiet
	return c
}

// stage runs one reflow or distillation stage, through the cache if asked.
func (r *Rectified) stage(kind string, opt ReflowOptions, cached bool) (*Rectified, error) {
	if r == nil {
		return nil, fmt.Errorf("%s: no parent: start a lineage with train.Rectify(model)", kind)
	}
	if err := checkReflowParent(r.Model); err != nil {
		return nil, err
	}
	if r.Kind == "distill" {
		return nil, fmt.Errorf("%s: the parent is a distilled model, trained at t = 0 only, so its ODE is not a flow to take pairs from; %s its parent instead", kind, kind)
	}
	opt, err := opt.validate(r.Model)
	if err != nil {
		return nil, err
	}
	k := r.K
	if kind == "reflow" {
		k++
	}
	out := &Rectified{Kind: kind, K: k, Key: stageKey(r.Key, kind, opt), Options: opt}
	if cached {
		if m, costs, ok := loadStage(out.Key, stageConfig(r.Config, opt), opt.Quiet); ok {
			out.Model, out.Costs = m, append(append([]ReflowCost(nil), r.Costs...), costs)
			return out, nil
		}
	}
	m, cost, err := r.trainStage(kind, k, opt)
	if err != nil {
		return nil, err
	}
	out.Model, out.Costs = m, append(append([]ReflowCost(nil), r.Costs...), cost)
	if cached {
		if err := saveStage(out, cost); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Pairs generates n pairs (x0, Z_1(x0)) of the model's flow: x0 ~ p0
// seeded with seed, Z_1(x0) by the compiled Sampler with the fixed-step
// solver opt. It returns the pairs, the solver's NFE per pair and the wall
// time.
func (r *Rectified) Pairs(n int, seed uint64, opt ode.Options) (x0, x1 *mat.Dense, nfe int, seconds float64, err error) {
	if n <= 0 {
		return nil, nil, 0, 0, fmt.Errorf("reflow: number of pairs must be positive, got %d", n)
	}
	return r.pairs(n, data.NewRand(seed), opt)
}

func (r *Rectified) pairs(n int, rng *rand.Rand, opt ode.Options) (x0, x1 *mat.Dense, nfe int, seconds float64, err error) {
	start := time.Now()
	x0 = r.Source().Sample(n, rng)
	s := r.Sampler()
	defer s.Close()
	opt.Trajectory = false
	res, err := s.Solve(x0, opt)
	if err != nil {
		return nil, nil, 0, 0, fmt.Errorf("reflow: generating the pairs: %w", err)
	}
	return x0, res.X, res.NFE, time.Since(start).Seconds(), nil
}

// trainStage generates the stage's pairs and trains the new model on them.
func (r *Rectified) trainStage(kind string, k int, opt ReflowOptions) (*Model, ReflowCost, error) {
	rng := data.NewRand(opt.Seed)
	x0, x1, nfe, pairSeconds, err := r.pairs(opt.Pairs, rng, opt.Solver)
	if err != nil {
		return nil, ReflowCost{}, err
	}
	cfg := stageConfig(r.Config, opt)
	var init *Model
	if !opt.FromScratch {
		init = r.Model
	}
	tr, err := newTrainerFrom(cfg, init)
	if err != nil {
		return nil, ReflowCost{}, err
	}
	defer tr.Close()
	title := fmt.Sprintf("reflow to the %d-rectified flow: %s -> %s", k, cfg.Source, cfg.Target)
	if kind == "distill" {
		title = fmt.Sprintf("one-step distillation of the %d-rectified flow: %s -> %s", k, cfg.Source, cfg.Target)
	}
	var prog *nb.Progress
	if !opt.Quiet {
		prog = nb.NewProgress(title, opt.Steps)
	}
	start := time.Now()
	b, d := opt.Batch, cfg.Field.Dim
	t := make([]float64, b)
	b0, b1 := mat.NewDense(b, d, nil), mat.NewDense(b, d, nil)
	for step := range opt.Steps {
		for i := range b {
			j := rng.IntN(opt.Pairs)
			copy(b0.RawRowView(i), x0.RawRowView(j))
			copy(b1.RawRowView(i), x1.RawRowView(j))
			if kind == "reflow" {
				t[i] = rng.Float64()
			}
		}
		loss, err := tr.StepOn(t, b0, b1, cfg.LearningRate(step))
		if err != nil {
			if prog != nil {
				prog.Done(fmt.Sprintf("stopped at step %d: %v", step+1, err))
			}
			return nil, ReflowCost{}, fmt.Errorf("%s: %w", kind, err)
		}
		if prog != nil {
			prog.Update(step+1, fmt.Sprintf("loss %.4f", loss))
		}
	}
	m := tr.Model()
	m.Seconds = time.Since(start).Seconds()
	cost := ReflowCost{Stage: kind, TrainSteps: opt.Steps, TrainSeconds: m.Seconds,
		Pairs: opt.Pairs, PairNFE: nfe, PairEvals: opt.Pairs * nfe, PairSeconds: pairSeconds}
	if prog != nil {
		prog.Done(fmt.Sprintf("loss (mean of the last 100 steps) %.4f | %d pairs by %d %s steps (NFE %d) in %.1fs",
			tailMean(m.History, 100), opt.Pairs, opt.Solver.Steps, opt.Solver.Method, nfe, pairSeconds))
	}
	return m, cost, nil
}

// newTrainerFrom is NewTrainer whose network starts from init's weights
// (copied; init is not changed) instead of a random initialisation; init
// nil gives NewTrainer's trainer. The training step is NewTrainer's CFM
// step (LossGraph and Adam with fresh moments), compiled on a context that
// already holds the copied weights.
func newTrainerFrom(cfg Config, init *Model) (*Trainer, error) {
	if init == nil {
		return NewTrainer(cfg)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if init.Config.Field != cfg.Field {
		return nil, fmt.Errorf("reflow: cannot warm-start a %s network from a %s one", cfg.Field, init.Config.Field)
	}
	// Unchecked: the training graph creates the network's variables as new
	// ones (Context.Unique), and must find the copies instead.
	ctx := context.New().Checked(false)
	if err := ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	copied := 0
	for v := range init.ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/"+fieldScope) {
			continue
		}
		val, err := v.Value()
		if err == nil {
			val, err = val.LocalClone()
		}
		if err != nil {
			return nil, fmt.Errorf("reflow: copying the parent's weight %s: %w", v.ScopeAndName(), err)
		}
		ctx.InAbsPath(v.Scope()).VariableWithValue(v.Name(), val)
		copied++
	}
	if copied == 0 {
		return nil, fmt.Errorf("reflow: the parent model has no network weights to start from")
	}
	tr, err := newTrainerIn(cfg, ctx)
	if err != nil {
		return nil, fmt.Errorf("reflow: %w", err)
	}
	return tr, nil
}
