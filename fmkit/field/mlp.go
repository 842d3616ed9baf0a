package field

import (
	"fmt"
	"math"
	"strings"

	"github.com/flowmatching/gofm/fmkit/internal/names"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// MLP is the configuration of a vector-field network v_theta(t, x): R x R^d -> R^d.
//
// The input is the point x (d numbers) concatenated with a sinusoidal
// embedding of the time t (see TimeEmbedding); Depth hidden layers of Width
// units with the chosen activation follow, and a final linear layer returns d
// numbers, the velocity. The zero value is not usable: start from
// DefaultMLP(d).
type MLP struct {
	Dim        int     // data dimension d: input and output size
	Width      int     // units per hidden layer
	Depth      int     // number of hidden layers
	Activation string  // one of Activations()
	TimeFreqs  int     // K, the number of sinusoidal frequencies of the time embedding (0: t is fed raw)
	MaxFreq    float64 // omega_max, the highest angular frequency of the time embedding
}

// DefaultMLP is a small network that learns 2D flows well: 3 hidden layers of
// 64 Swish units, K=8 time frequencies up to omega_max=100.
func DefaultMLP(dim int) MLP {
	return MLP{Dim: dim, Width: 64, Depth: 3, Activation: "swish", TimeFreqs: 8, MaxFreq: 100}
}

var activationByName = map[string]activations.Type{
	"swish":       activations.TypeSwish,
	"silu":        activations.TypeSilu,
	"relu":        activations.TypeRelu,
	"tanh":        activations.TypeTanh,
	"sigmoid":     activations.TypeSigmoid,
	"gelu":        activations.TypeGelu,
	"gelu_approx": activations.TypeGeluApprox,
	"leaky_relu":  activations.TypeLeakyRelu,
	"selu":        activations.TypeSelu,
}

// Activations lists the activation names an MLP accepts.
func Activations() []string { return names.Sorted(activationByName) }

// Validate reports the first invalid field, saying what to use instead.
func (m MLP) Validate() error {
	switch {
	case m.Dim <= 0:
		return fmt.Errorf("field.MLP: Dim must be positive (the data dimension d), got %d", m.Dim)
	case m.Width <= 0:
		return fmt.Errorf("field.MLP: Width must be positive, got %d", m.Width)
	case m.Depth < 0:
		return fmt.Errorf("field.MLP: Depth (number of hidden layers) must be >= 0, got %d", m.Depth)
	case m.TimeFreqs < 0:
		return fmt.Errorf("field.MLP: TimeFreqs must be >= 0, got %d", m.TimeFreqs)
	case m.TimeFreqs > 1 && !(m.MaxFreq >= 1):
		return fmt.Errorf("field.MLP: MaxFreq must be >= 1 when TimeFreqs > 1, got %v", m.MaxFreq)
	}
	if _, err := names.Lookup(activationByName, "field.MLP", "activation", m.Activation); err != nil {
		return err
	}
	return nil
}

// String is a compact description, e.g. "MLP 3x64 swish, K=8".
func (m MLP) String() string {
	return fmt.Sprintf("MLP %dx%d %s, d=%d, time K=%d", m.Depth, m.Width, m.Activation, m.Dim, m.TimeFreqs)
}

// Frequencies returns the K angular frequencies omega_k of the time embedding,
// a geometric ladder from 1 to MaxFreq (as the Transformer's positional
// encoding uses a geometric ladder of wavelengths):
//
//	omega_k = MaxFreq^(k/(K-1)),  k = 0..K-1.
func (m MLP) Frequencies() []float64 {
	k := m.TimeFreqs
	f := make([]float64, k)
	for i := range f {
		if k == 1 {
			f[i] = 1
			continue
		}
		f[i] = math.Pow(m.MaxFreq, float64(i)/float64(k-1))
	}
	return f
}

// TimeEmbedding maps t of shape [B] or [B, 1] to [B, 1+2K] features
//
//	emb(t) = [t, sin(omega_0 t), cos(omega_0 t), ..., sin(omega_{K-1} t), cos(omega_{K-1} t)],
//
// the sinusoidal encoding of a continuous "position" t in [0, 1].
func (m MLP) TimeEmbedding(t *Node) *Node {
	if t.Rank() == 1 {
		t = InsertAxes(t, -1)
	}
	if m.TimeFreqs == 0 {
		return t
	}
	g := t.Graph()
	omega := Const(g, toDType(m.Frequencies(), t))
	angles := Mul(t, InsertAxes(omega, 0)) // [B, K]
	return Concatenate([]*Node{t, Sin(angles), Cos(angles)}, -1)
}

// Build returns v_theta(t, x) of shape [B, d] for t of shape [B] or [B, 1]
// (or a scalar, broadcast to the batch) and x of shape [B, d]; the variables
// live in ctx. It panics (GoMLX style) on shape mismatch; call Validate first
// for configuration errors.
func (m MLP) Build(ctx *context.Context, t, x *Node) *Node {
	if x.Rank() != 2 || x.Shape().Dimensions[1] != m.Dim {
		panic(fmt.Sprintf("field.MLP: x must have shape [batch, %d], got %s", m.Dim, x.Shape()))
	}
	batch := x.Shape().Dimensions[0]
	if t.IsScalar() {
		t = BroadcastToDims(t, batch)
	}
	if t.DType() != x.DType() {
		t = ConvertDType(t, x.DType())
	}
	act := activationByName[strings.ToLower(m.Activation)]
	h := Concatenate([]*Node{x, m.TimeEmbedding(t)}, -1)
	if !useLayerVariables(ctx, x.Graph(), m) {
		return m.buildFlat(ctx, h, act) // all weights in one vector (see ThetaName)
	}
	// One pair of variables per layer (see useLayerVariables).
	for i := range m.Depth {
		h = activations.Apply(act, Linear(ctx.Inf("hidden_%d", i), h, m.Width))
	}
	return Linear(ctx.In("output"), h, m.Dim)
}

// toDType returns values as a []float32 or []float64 matching node's dtype.
func toDType(values []float64, like *Node) any {
	if like.DType().Size() == 8 {
		return values
	}
	f := make([]float32, len(values))
	for i, v := range values {
		f[i] = float32(v)
	}
	return f
}
