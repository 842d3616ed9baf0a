// Package train fits a vector field v_theta(t, x) by conditional flow
// matching (CFM), the four-step recipe of section 6.1.4:
//
//  1. sample t ~ U[0, 1];
//
//  2. sample a pair (x0, x1) ~ q(x0, x1): x0 ~ p0 (the source, e.g. a standard
//     Gaussian) and x1 ~ p1 (the data), independently or coupled by
//     minibatch optimal transport;
//
//  3. compute x_t and u_t(x_t | x0, x1) on the conditional path (for the
//     linear path x_t = (1-t) x0 + t x1 and u_t = x1 - x0);
//
//  4. take an Adam step on the Monte Carlo estimate of
//
//     L_CFM(theta) = E || v_theta(t, x_t) - u_t(x_t | x0, x1) ||^2
//
//     over a batch of B triples (t_i, x_t,i, u_t,i): (1/B) sum_i ||v_i - u_i||^2.
//
// No ODE is solved and no likelihood is computed during training.
//
// The same loop trains two other models (see objective.go and
// conditional.go): a score model by denoising score matching
// (Objective "score": the network predicts the noise x0, and Model.Velocity
// converts it into the probability-flow velocity), and a class-conditional
// model v_theta(t, x, c) with label dropout for classifier-free guidance
// (Classes > 0; Model.Guided, Model.SampleGuided).
//
// Train runs the loop with a progress display (in place in GoNB, a text bar
// in a terminal) and returns a Model, which is an ode.Field: integrate it from
// samples of p0 to get samples of p1. Cached trains once per configuration and
// afterwards loads the checkpoint, so a notebook cell (a new process each
// time) can reuse a model trained in an earlier cell.
package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flowmatching/gofm/fmkit/coupling"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/path"
)

// Config is everything that determines a trained model. Its hash names the
// model in the checkpoint cache.
type Config struct {
	Source   string    `json:"source"`   // p0: a data.Lookup name, usually "gaussian"
	Target   string    `json:"target"`   // p1: a data.Lookup name, e.g. "moons"
	Path     string    `json:"path"`     // conditional path: a path.Lookup name, e.g. "linear"
	Coupling string    `json:"coupling"` // "independent", "ot" (exact minibatch OT) or "sinkhorn" (entropic OT, needs SinkhornEps)
	Field    field.MLP `json:"field"`    // the network v_theta
	Steps    int       `json:"steps"`    // Adam steps
	Batch    int       `json:"batch"`    // pairs per step
	LR       float64   `json:"lr"`       // Adam learning rate (peak)
	// LRDecay: "none" keeps LR constant; "cosine" anneals it from LR to
	// LR*MinLRFraction over the run: lr_k = lr_min + (LR - lr_min)(1 + cos(pi k / Steps))/2.
	LRDecay       string  `json:"lr_decay"`
	MinLRFraction float64 `json:"min_lr_fraction"`
	Seed          uint64  `json:"seed"` // seeds the data stream, t, and the initial weights

	// SinkhornEps is the entropic regularisation of the "sinkhorn" coupling
	// (squared-distance units, > 0; see coupling.Sinkhorn). Left out of the
	// hash when zero, so that existing configurations keep their checkpoints.
	SinkhornEps float64 `json:"sinkhorn_eps,omitempty"`

	// Objective, Classes and LabelDrop select the score model and the
	// conditional model (see objective.go); their zero values are the CFM
	// velocity model, and are left out of the hash so that existing
	// configurations keep their checkpoints.
	Objective string  `json:"objective,omitempty"`  // "" or "velocity": CFM; "score": denoising score matching
	Classes   int     `json:"classes,omitempty"`    // > 0: conditional v_theta(t, x, c) on a labelled target
	LabelDrop float64 `json:"label_drop,omitempty"` // probability that a label is replaced by ∅ in training (classifier-free guidance)

	// Quiet turns the progress display off (not part of the model's identity).
	Quiet bool `json:"-"`
}

// Couplings lists the accepted Coupling names.
var Couplings = []string{"independent", "ot", "sinkhorn"}

// DefaultConfig learns Gaussian -> two moons with the linear path:
// MLP 3x64 Swish, batch 256, 3000 Adam steps at lr 1e-2 with cosine decay.
func DefaultConfig() Config {
	return Config{
		Source: "gaussian", Target: "moons", Path: "linear", Coupling: "independent",
		Field: field.DefaultMLP(2),
		Steps: 3000, Batch: 256, LR: 1e-2, LRDecay: "cosine", MinLRFraction: 0.01, Seed: 1,
	}
}

// Validate checks every field and says what to change.
func (c Config) Validate() error {
	src, err := data.Lookup(c.Source)
	if err != nil {
		return fmt.Errorf("train: source: %w", err)
	}
	tgt, err := data.Lookup(c.Target)
	if err != nil {
		return fmt.Errorf("train: target: %w", err)
	}
	if src.Dim() != tgt.Dim() {
		return fmt.Errorf("train: source %q has dimension %d but target %q has %d", c.Source, src.Dim(), c.Target, tgt.Dim())
	}
	if _, err := path.Lookup(c.Path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if !slices.Contains(Couplings, strings.ToLower(c.Coupling)) {
		return fmt.Errorf("train: unknown coupling %q: use one of %s", c.Coupling, strings.Join(Couplings, ", "))
	}
	if _, err := coupling.Lookup(c.Coupling, c.SinkhornEps); err != nil {
		return fmt.Errorf("train: %w (set SinkhornEps)", err)
	}
	if err := c.Field.Validate(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if c.Field.Dim != tgt.Dim() {
		return fmt.Errorf("train: the field's Dim is %d but the data has dimension %d; set Field.Dim = %d", c.Field.Dim, tgt.Dim(), tgt.Dim())
	}
	if c.Steps <= 0 {
		return fmt.Errorf("train: Steps must be positive, got %d", c.Steps)
	}
	if c.Batch <= 0 {
		return fmt.Errorf("train: Batch must be positive, got %d", c.Batch)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("train: learning rate must be a positive number, got %v", c.LR)
	}
	switch strings.ToLower(c.LRDecay) {
	case "", "none":
	case "cosine":
		if c.MinLRFraction < 0 || c.MinLRFraction > 1 {
			return fmt.Errorf("train: MinLRFraction must be in [0, 1], got %v", c.MinLRFraction)
		}
	default:
		return fmt.Errorf("train: unknown LRDecay %q: use \"none\" or \"cosine\"", c.LRDecay)
	}
	return c.validateModel()
}

// LearningRate is the learning rate used at step k (0-based).
func (c Config) LearningRate(k int) float64 {
	if strings.ToLower(c.LRDecay) != "cosine" {
		return c.LR
	}
	lo := c.LR * c.MinLRFraction
	return lo + (c.LR-lo)*(1+math.Cos(math.Pi*float64(k)/float64(c.Steps)))/2
}

// Hash identifies the configuration: the SHA-256 of its canonical JSON
// (with the checkpoint format version), as 16 hex digits.
func (c Config) Hash() string {
	b, _ := json.Marshal(struct {
		Format int
		C      Config
	}{checkpointFormat, c})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// String is a one-line summary.
func (c Config) String() string {
	return fmt.Sprintf("%s -> %s, %s path, %s coupling, %s, %d steps x batch %d, lr %g (%s)",
		c.Source, c.Target, c.Path, c.Coupling, c.Field, c.Steps, c.Batch, c.LR, orNone(c.LRDecay)) + c.modelSummary()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
