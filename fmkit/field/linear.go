package field

import (
	"runtime"

	"github.com/flowmatching/gofm/fmkit/internal/backendinfo"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Linear is a dense layer y = x W + b with x of shape [B, in], W of shape
// [in, out] and b of shape [out], created in ctx (variables "weights" and
// "biases", He-initialised weights, zero biases).
//
// Its reverse-mode gradient is written with two matrix products,
//
//	dL/dx = (dL/dy) W^T,    dL/dW = x^T (dL/dy),    dL/db = sum_rows dL/dy,
//
// instead of GoMLX v0.26's generic Dot/DotGeneral gradient, which
// materialises a [B, in, out] broadcast product and reduces it. The values
// and gradients are the same (see the tests); on the pure-Go backend a
// training step of a 3x64 MLP is several times faster.
func Linear(ctx *context.Context, x *Node, out int) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[x.Rank()-1]
	dtype := x.DType()
	w := ctx.VariableWithShape("weights", shapes.Make(dtype, in, out)).ValueGraph(g)
	b := ctx.VariableWithShape("biases", shapes.Make(dtype, out)).ValueGraph(g)
	return addBias(MatMulFastGrad(x, w), b)
}

// addBias returns y + b for y [B, n] and b [n]. The bias is broadcast to
// y's shape explicitly: on the pure-Go backend an Add of [B, n] and [1, n]
// walks a generic broadcast iterator per element and costs several times
// more than a broadcast followed by an Add of equal shapes.
func addBias(y, b *Node) *Node {
	return Add(y, BroadcastToDims(InsertAxes(b, 0), y.Shape().Dimensions...))
}

// MatMulFastGrad returns x w for rank-2 x [B, in] and w [in, out], with the
// gradient dL/dx = adj w^T and dL/dw = x^T adj computed by matrix products,
// where adj = dL/d(x w) is the adjoint of the output.
//
// How: the product is computed with Dot on gradient-carrying identities of x
// and w. An identity on the output captures the adjoint during the backward
// pass; the custom gradients of the two input identities then use it and
// ignore what GoMLX's own Dot gradient produced, whose nodes are left unused
// and are never executed.
//
// On the pure-Go backend each product is laid out for the faster of
// GoMLX's two matrix kernels (see matMul).
func MatMulFastGrad(x, w *Node) *Node {
	var adj *Node
	xg := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		return matMulNT(adj, w)
	})
	wg := IdentityWithCustomGradient(w, func(_, _ *Node) *Node {
		return matMulTN(x, adj)
	})
	y := matMul(xg, wg)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		adj = v
		return v
	})
}

// MaxParts caps the number of row blocks a small product is split into so
// that the pure-Go backend runs them on separate cores (its small-matrix
// kernel parallelises DotGeneral over batch axes only). Products are split
// only on a pure-Go backend where an op may use the worker pool while other
// ops hold it: fmkit.DefaultGoConfig (unbounded pool) or "go:ops_sequential";
// 1 disables splitting everywhere.
var MaxParts = runtime.NumCPU()

// GoMLX v0.26's pure-Go backend has two DotGeneral kernels: for a product
// with at most blockedMin(dtype) output elements (per batch item) it runs a
// dot product per output element, whose single accumulator chain makes it
// latency bound; above that it copies the operands into 32x32 blocks (padded
// with zeros) and runs a register-blocked kernel (four accumulators) that is
// ~1.4x faster per multiply-add on one core and splits itself over the cores.
// The functions below pick, per product, the layout that runs the better
// kernel: the blocked one for large products, row blocks on the small one
// (in parallel) for small or thin ones.

// isGo reports whether g is built for GoMLX's pure-Go backend.
func isGo(g *Graph) bool {
	_, ok := g.Backend().(*simplego.Backend)
	return ok
}

// blockedMin is the number of output elements above which the pure-Go
// backend uses its blocked kernel: 16 blocks of the block size it chose for
// dtype.
func blockedMin(dtype dtypes.DType) int {
	bd := 1 << simplego.DotGeneralTargetBlockLog2Dim[dtype]
	return 16 * bd * bd
}

// blocked reports whether a product of rows x k by k x n (per batch item)
// runs the pure-Go backend's blocked kernel.
func blocked(g *Graph, dtype dtypes.DType, rows, n int) bool {
	return isGo(g) && rows*n > blockedMin(dtype)
}

// wasteful reports whether the blocked kernel would waste much of its work
// on a rows x k by k x n product: it pads every dimension to a multiple of
// its block size (32), so a thin product (k or n much below 32, like a
// layer's 19 inputs or 2 outputs) runs several times the multiply-adds it
// needs.
func wasteful(dtype dtypes.DType, rows, k, n int) bool {
	bd := 1 << simplego.DotGeneralTargetBlockLog2Dim[dtype]
	pad := func(d int) float64 { return float64((d+bd-1)/bd*bd) / float64(d) }
	return pad(rows)*pad(k)*pad(n) > 1.5
}

// parts is the number of row blocks a small product over rows rows is split
// into so that the blocks run on separate cores: 1 unless the backend lets
// ops nest their work in the worker pool (backendinfo.Splittable).
func parts(g *Graph, rows int) int {
	if !backendinfo.Splittable(g.Backend()) {
		return 1
	}
	p := min(MaxParts, 8)
	for p > 1 && (rows%p != 0 || rows/p < 16) {
		p--
	}
	return max(p, 1)
}

// rowBlocks is the number of row blocks to split a product of rows x k by
// k x n into on the pure-Go backend: 1 to let the blocked kernel run it (it
// uses every core itself); otherwise enough blocks for the cores (where
// splitting is safe, see parts) and, when the product is large but
// thin, enough to keep every block below the blocked kernel's threshold.
func rowBlocks(g *Graph, dtype dtypes.DType, rows, k, n int) int {
	if !isGo(g) {
		return 1
	}
	p := parts(g, rows)
	if !blocked(g, dtype, rows, n) {
		return p
	}
	if !wasteful(dtype, rows, k, n) || !backendinfo.Splittable(g.Backend()) {
		return 1
	}
	for q := max(p, 2); q <= rows; q++ {
		if rows%q == 0 && (rows/q)*n <= blockedMin(dtype) {
			return q
		}
	}
	return 1
}

// matMul is x w with x [B, k] and w [k, n]: one DotGeneral, or a batched
// DotGeneral over row blocks of x (see rowBlocks).
func matMul(x, w *Node) *Node {
	b, k := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	n := w.Shape().Dimensions[1]
	p := rowBlocks(x.Graph(), x.DType(), b, k, n)
	if p == 1 {
		return Dot(x, w)
	}
	xs := Reshape(x, p, b/p, k)
	ws := BroadcastToDims(InsertAxes(w, 0), p, k, n)
	return Reshape(DotGeneral(xs, []int{2}, []int{0}, ws, []int{1}, []int{0}), b, n)
}

// matMulNT is a w^T with a [B, n] and w [k, n], as matMul.
func matMulNT(a, w *Node) *Node {
	b, n := a.Shape().Dimensions[0], a.Shape().Dimensions[1]
	k := w.Shape().Dimensions[0]
	p := rowBlocks(a.Graph(), a.DType(), b, n, k)
	if p == 1 {
		return DotGeneral(a, []int{1}, nil, w, []int{1}, nil)
	}
	as := Reshape(a, p, b/p, n)
	ws := BroadcastToDims(InsertAxes(w, 0), p, k, n)
	return Reshape(DotGeneral(as, []int{2}, []int{0}, ws, []int{2}, []int{0}), b, k)
}

// matMulTN is x^T a with x [B, k] and a [B, n]: the contraction over the
// rows is split in p blocks whose [k, n] partial products are summed (p from
// parts; 1 when the [k, n] product runs the blocked kernel well).
func matMulTN(x, a *Node) *Node {
	b, k := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	n := a.Shape().Dimensions[1]
	g := x.Graph()
	p := parts(g, b)
	if p == 1 || (blocked(g, x.DType(), k, n) && !wasteful(x.DType(), k, b, n)) {
		return DotGeneral(x, []int{0}, nil, a, []int{0}, nil)
	}
	xs := Reshape(x, p, b/p, k)
	as := Reshape(a, p, b/p, n)
	return ReduceSum(DotGeneral(xs, []int{1}, []int{0}, as, []int{1}, []int{0}), 0)
}
