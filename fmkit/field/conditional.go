package field

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// Conditional is the configuration of a class-conditional vector field
// v_theta(t, x, c) (section 6.5.3): the MLP of v_theta(t, x) whose input
// also holds the label c, one-hot encoded over Classes + 1 values. The last
// value, c = Classes (see Null), is "no label", written ∅: a network trained
// with label dropout (the label replaced by ∅ with some probability) learns
// the conditional field v_theta(t, x, c) and the unconditional field
// v_theta(t, x, ∅) at once, which classifier-free guidance combines (see
// Guided). A one-hot input into the first linear layer is the same as adding
// a learned embedding of c to its pre-activations.
type Conditional struct {
	MLP
	Classes int // number of classes K; labels are 0..K-1, and K is ∅
}

// Null is the label of "no class", ∅, used for label dropout and for the
// unconditional half of classifier-free guidance.
func (c Conditional) Null() int { return c.Classes }

// Validate reports the first invalid field.
func (c Conditional) Validate() error {
	if err := c.MLP.Validate(); err != nil {
		return err
	}
	if c.Classes <= 0 {
		return fmt.Errorf("field.Conditional: Classes must be positive, got %d", c.Classes)
	}
	return nil
}

// String is a compact description.
func (c Conditional) String() string {
	return fmt.Sprintf("%s, %d classes + ∅", c.MLP, c.Classes)
}

// CheckLabels reports the first label outside 0..classes (classes itself is
// ∅ and allowed only when allowNull is set).
func CheckLabels(labels []int, classes int, allowNull bool) error {
	hi := classes - 1
	if allowNull {
		hi = classes
	}
	for i, l := range labels {
		if l < 0 || l > hi {
			if l == classes {
				return fmt.Errorf("field: label %d (row %d) is ∅, \"no class\": pass a class 0..%d, and get the unconditional field with guidance weight w = -1", l, i, classes-1)
			}
			return fmt.Errorf("field: label %d (row %d) is outside the model's classes 0..%d", l, i, classes-1)
		}
	}
	return nil
}

// CheckGuidance reports a guidance weight that is NaN or infinite.
func CheckGuidance(w float64) error {
	if math.IsNaN(w) || math.IsInf(w, 0) {
		return fmt.Errorf("field: guidance weight w = %v: use a finite number (0: the conditional field, no guidance; 1-4: typical guidance; -1: unconditional)", w)
	}
	return nil
}

// Build returns v_theta(t, x, c) of shape [B, d] for t of shape [B] (or a
// scalar), x of shape [B, d] and integer labels c of shape [B] with values
// in 0..Classes (Classes being ∅). The variables live in ctx.
func (c Conditional) Build(ctx *context.Context, t, x, labels *Node) *Node {
	if x.Rank() != 2 || x.Shape().Dimensions[1] != c.Dim {
		panic(fmt.Sprintf("field.Conditional: x must have shape [batch, %d], got %s", c.Dim, x.Shape()))
	}
	batch := x.Shape().Dimensions[0]
	if labels.Rank() != 1 || labels.Shape().Dimensions[0] != batch {
		panic(fmt.Sprintf("field.Conditional: labels must have shape [%d], got %s", batch, labels.Shape()))
	}
	if t.IsScalar() {
		t = BroadcastToDims(t, batch)
	}
	if t.DType() != x.DType() {
		t = ConvertDType(t, x.DType())
	}
	if !labels.DType().IsInt() {
		panic(fmt.Sprintf("field.Conditional: labels must be integers, got %s", labels.DType()))
	}
	onehot := OneHot(labels, c.Classes+1, x.DType())
	act := activationByName[strings.ToLower(c.Activation)]
	h := Concatenate([]*Node{x, c.TimeEmbedding(t), onehot}, -1)
	for i := range c.Depth {
		h = activations.Apply(act, Linear(ctx.Inf("hidden_%d", i), h, c.Width))
	}
	return Linear(ctx.In("output"), h, c.Dim)
}

// Guided returns the classifier-free guided field (Ho and Salimans 2022)
//
//	v_w(t, x, c) = (1 + w) v_theta(t, x, c) - w v_theta(t, x, ∅)
//	             = v_theta(t, x, c) + w [v_theta(t, x, c) - v_theta(t, x, ∅)],
//
// for a scalar guidance weight w: w = 0 is the conditional field (no
// guidance), w > 0 pushes samples further towards what distinguishes class
// c from the rest, and w = -1 is the unconditional field. For a score, the
// same combination is the score of p(x | c) p(c | x)^w. Both fields are
// evaluated in one pass over a batch of 2B rows.
func (c Conditional) Guided(ctx *context.Context, t, x, labels, w *Node) *Node {
	g := x.Graph()
	batch := x.Shape().Dimensions[0]
	if t.IsScalar() {
		t = BroadcastToDims(t, batch)
	}
	null := BroadcastToDims(Scalar(g, labels.DType(), c.Null()), batch)
	v := c.Build(ctx,
		Concatenate([]*Node{t, t}, 0),
		Concatenate([]*Node{x, x}, 0),
		Concatenate([]*Node{labels, null}, 0))
	vc := Slice(v, AxisRange(0, batch))
	vu := Slice(v, AxisRange(batch, 2*batch))
	w = ConvertDType(w, x.DType())
	return Sub(Mul(OnePlus(w), vc), Mul(w, vu))
}

// LabelDType is the dtype of the label input of Build and Guided.
const LabelDType = dtypes.Int32
