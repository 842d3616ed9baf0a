package field

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// Evaluator is v_theta(t, x) prepared for many evaluations inside one graph,
// as a sampler that compiles several solver steps into one executable needs.
// The work that does not depend on (t, x) is done once per graph instead of
// once per evaluation:
//
//   - each layer's W and b are read once (cut out of theta, or read from the
//     per-layer variables) and W is stored transposed, [out, in], the layout
//     the matrix kernels read without copying;
//   - the first layer is split into the rows that multiply x and the rows
//     that multiply the time features, W_0 = [W_x; W_t], so that for a scalar
//     t (one time for the whole batch, as in a solver step) the time part
//     emb(t) W_t + b_0 is one row instead of a [B, 1+2K] embedding and its
//     product: v_theta's first layer is x W_x + (emb(t) W_t + b_0);
//   - biases broadcast to a batch size are kept for the next evaluation.
//
// The values are those of MLP.Build up to float rounding. An Evaluator
// belongs to the graph it was made for.
type Evaluator struct {
	m      MLP
	act    activations.Type
	layers []evalLayer
}

type evalLayer struct {
	wT   *Node         // [out, in]
	b    *Node         // [out]
	wxT  *Node         // first layer only: [out, d], the rows of W_0 that multiply x
	wtT  *Node         // first layer only: [out, 1+2K], the rows that multiply emb(t)
	bias map[int]*Node // b broadcast to [B, out], by B
}

// Evaluator reads the network's weights from ctx (the scope given to Build)
// into g. It panics, GoMLX style, if ctx has no weights for this MLP.
func (m MLP) Evaluator(ctx *context.Context, g *Graph) *Evaluator {
	e := &Evaluator{m: m, act: activationByName[strings.ToLower(m.Activation)]}
	layers, size := m.ThetaLayout()
	var theta *Node
	if v := ctx.GetVariable(ThetaName); v != nil && ctx.In("output").GetVariable("weights") == nil {
		if v.Shape().Size() != size {
			panic(fmt.Sprintf("field.MLP: %s has %d values, %s needs %d", ThetaName, v.Shape().Size(), m, size))
		}
		theta = v.ValueGraph(g)
	}
	for l, ly := range layers {
		var w, b *Node
		if theta != nil {
			w = Reshape(Slice(theta, AxisRange(ly.W, ly.W+ly.In*ly.Out)), ly.In, ly.Out)
			b = Slice(theta, AxisRange(ly.B, ly.B+ly.Out))
		} else {
			scope := ctx.In("output")
			if l < m.Depth {
				scope = ctx.Inf("hidden_%d", l)
			}
			wv, bv := scope.GetVariable("weights"), scope.GetVariable("biases")
			if wv == nil || bv == nil {
				panic(fmt.Sprintf("field.MLP: no weights for layer %d in scope %q: build or load the network first", l, scope.Scope()))
			}
			w, b = wv.ValueGraph(g), bv.ValueGraph(g)
		}
		el := evalLayer{wT: Transpose(w, 0, 1), b: b, bias: map[int]*Node{}}
		if l == 0 {
			el.wxT = Transpose(Slice(w, AxisRange(0, m.Dim)), 0, 1)
			el.wtT = Transpose(Slice(w, AxisRange(m.Dim, ly.In)), 0, 1)
		}
		e.layers = append(e.layers, el)
	}
	return e
}

// Velocity is v_theta(t, x) for x [B, d] and t a scalar or of shape [B].
func (e *Evaluator) Velocity(t, x *Node) *Node {
	m := e.m
	if x.Rank() != 2 || x.Shape().Dimensions[1] != m.Dim {
		panic(fmt.Sprintf("field.MLP: x must have shape [batch, %d], got %s", m.Dim, x.Shape()))
	}
	batch := x.Shape().Dimensions[0]
	if t.DType() != x.DType() {
		t = ConvertDType(t, x.DType())
	}
	first := &e.layers[0]
	var h *Node
	if t.IsScalar() {
		emb := m.TimeEmbedding(Reshape(t, 1)) // [1, 1+2K]
		c := Add(matMulNT(emb, first.wtT), InsertAxes(first.b, 0))
		h = Add(matMulNT(x, first.wxT), BroadcastToDims(c, batch, c.Shape().Dimensions[1]))
	} else {
		in := Concatenate([]*Node{x, m.TimeEmbedding(t)}, -1)
		h = Add(matMulNT(in, first.wT), first.broadcast(batch))
	}
	for l := 1; l < len(e.layers); l++ {
		h = forwardActivation(e.act, h)
		ly := &e.layers[l]
		h = Add(matMulNT(h, ly.wT), ly.broadcast(batch))
	}
	return h
}

// broadcast returns b as [batch, out], made once per batch size.
func (l *evalLayer) broadcast(batch int) *Node {
	if b, ok := l.bias[batch]; ok {
		return b
	}
	b := BroadcastToDims(InsertAxes(l.b, 0), batch, l.b.Shape().Dimensions[0])
	l.bias[batch] = b
	return b
}
