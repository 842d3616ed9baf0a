package exercise

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// The student's functions, one type per part of the exercise.
type (
	// TimeEmbedding (part 1a) maps times t of shape [B] to features of
	// shape [B, E]: a sinusoidal code of t, as the Transformer encodes
	// positions.
	TimeEmbedding func(t *Node) *Node

	// Field (part 1b) is the network v_theta(t, x): t of shape [B] and x of
	// shape [B, 2] give the velocity, shape [B, 2]. Its weights live in ctx.
	Field func(ctx *context.Context, t, x *Node) *Node

	// Loss (part 2b) is the CFM loss of a batch, a scalar:
	// (1/B) sum_i ||v(t_i, x_t,i) - u_t,i||^2 for t [B], xt and ut [B, 2].
	Loss func(ctx *context.Context, v Field, t, xt, ut *Node) *Node

	// PathFunc (part 2a, and 4b through WithAmplitude) writes the point x_t of
	// a conditional path between x0 and x1 at time t, and its velocity
	// u_t(x_t | x0, x1), into xt and ut. It is the Point method of
	// fmkit/path's Path interface.
	PathFunc func(t float64, x0, x1, xt, ut []float64)

	// CurvedPathFunc (part 4b) is a PathFunc with an amplitude a.
	CurvedPathFunc func(a, t float64, x0, x1, xt, ut []float64)

	// TrainFunc (part 2c) trains v_theta by CFM on the path p for the given
	// number of Adam steps, and returns the context holding the trained
	// weights (scoped as the network expects it) and the loss at every step.
	TrainFunc func(p PathFunc, steps int) (ctx *context.Context, losses []float64, err error)

	// Sampler (part 3a) integrates dx/dt = v(t, x) from t = 0 to 1 with the
	// given number of Euler steps, starting at x0 (n x d; not modified), and
	// returns the states at t_k = k/steps, k = 0..steps (traj[0] = x0).
	Sampler func(v ode.Field, x0 *mat.Dense, steps int) (traj []*mat.Dense, err error)
)

// WithAmplitude fixes the amplitude of a curved path: the PathFunc it returns
// calls curved(a, t, x0, x1, xt, ut).
func WithAmplitude(curved CurvedPathFunc, a float64) PathFunc {
	return func(t float64, x0, x1, xt, ut []float64) { curved(a, t, x0, x1, xt, ut) }
}

// Tensor returns the rows of m as a float32 GoMLX tensor of shape [rows, cols],
// ready to pass to an executable (for x_t and u_t of a training batch).
func Tensor(m *mat.Dense) *tensors.Tensor { return gx.Tensor(m) }

// Vector returns v as a float32 GoMLX tensor of shape [len(v)] (for the
// times t of a batch).
func Vector(v []float64) *tensors.Tensor {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, len(v))
}

// Float returns the value of a scalar float32 or float64 tensor, such as a
// loss returned by an executable.
func Float(t *tensors.Tensor) (float64, error) {
	if t == nil || t.Rank() != 0 {
		shape := "nil"
		if t != nil {
			shape = t.Shape().String()
		}
		return 0, fmt.Errorf("expected a scalar tensor, got shape %s; reduce the loss to a scalar (e.g. ReduceAllMean)", shape)
	}
	switch v := t.Value().(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	default:
		return 0, fmt.Errorf("expected a float scalar, got %s", t.DType())
	}
}

// finite reports whether every value of m is finite.
func finite(m *mat.Dense) bool {
	raw := m.RawMatrix()
	for i := range raw.Rows {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}

// maxAbsDiff is max |a_ij - b_ij| for matrices of the same shape.
func maxAbsDiff(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	m := 0.0
	for i := range r {
		for j := range c {
			m = math.Max(m, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return m
}

func shapeOf(m *mat.Dense) string {
	r, c := m.Dims()
	return fmt.Sprintf("[%d, %d]", r, c)
}
