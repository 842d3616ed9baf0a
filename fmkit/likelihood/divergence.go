package likelihood

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Field is a vector field v_t(x) built inside a GoMLX graph: t is a scalar
// (or has shape [B]), x has shape [B, d] and the result has shape [B, d],
// row i depending only on row i of x. A trained model's VelocityGraph
// (train.Model) is a Field; so is any hand-written graph function.
type Field func(ctx *context.Context, t, x *Node) *Node

// Divergence returns v = f(t, x) and its exact divergence, one number per
// row of x (shape [B]):
//
//	div v_t(x) = sum_{j=1..d} d v_j / d x_j = sum_j e_j^T J e_j,   J = dv/dx.
//
// Each term is one reverse-mode pass: the gradient of sum_i <v_i, e_j> with
// respect to x is, row by row, the j-th row of the Jacobian J^T e_j (rows
// are independent), and its j-th entry is dv_j/dx_j. So the exact
// divergence costs d backward passes, which is what makes it unaffordable
// in high dimension (section 6.1.2). Columns are picked by multiplying with
// one-hot constants, never by slicing, so the result can itself be
// differentiated (maximum-likelihood training) on every backend.
func Divergence(ctx *context.Context, f Field, t, x *Node) (v, div *Node) {
	checkX("Divergence", x)
	v = f(ctx, t, x)
	checkV("Divergence", x, v)
	d := x.Shape().Dimensions[1]
	g := x.Graph()
	for j := range d {
		e := basis(g, x, j) // [1, d]
		grad := Gradient(ReduceAllSum(Mul(v, e)), x)[0]
		term := ReduceSum(Mul(grad, e), -1)
		if div == nil {
			div = term
		} else {
			div = Add(div, term)
		}
	}
	return v, div
}

// Jacobian returns v = f(t, x) and the Jacobians J_i = dv(x_i)/dx_i of
// every row, shape [B, d, d] with J[i, j, k] = d v_ij / d x_ik: row j of
// each J_i is the gradient of sum_i v_ij with respect to x (d reverse
// passes, as for Divergence, whose value is the trace of J_i).
func Jacobian(ctx *context.Context, f Field, t, x *Node) (v, jac *Node) {
	checkX("Jacobian", x)
	v = f(ctx, t, x)
	checkV("Jacobian", x, v)
	d := x.Shape().Dimensions[1]
	rows := make([]*Node, d)
	for j := range d {
		rows[j] = InsertAxes(Gradient(ReduceAllSum(Mul(v, basis(x.Graph(), x, j))), x)[0], 1)
	}
	return v, Concatenate(rows, 1)
}

// Hutchinson returns v = f(t, x) and the K single-probe Hutchinson
// estimates of the divergence (shape [K, B]) for the probes eps of shape
// [K, B, d]:
//
//	est_k = eps_k^T J eps_k,   E[est_k] = tr(J) = div v   when E[eps eps^T] = I,
//
// which holds for Rademacher (+-1) and standard Gaussian probes. The mean
// over k is the K-probe estimator, with variance Var(est_1)/K. Each
// estimate needs one vector-Jacobian product eps_k^T J whatever d is; all K
// are computed in one reverse pass over the K copies of x stacked into a
// batch of K*B rows. f is built twice (on x and on the stacked copies), so
// ctx must allow reusing variables (ctx.Checked(false) or ctx.Reuse()).
func Hutchinson(ctx *context.Context, f Field, t, x, eps *Node) (v, est *Node) {
	checkX("Hutchinson", x)
	b, d := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	if eps.Rank() != 3 || eps.Shape().Dimensions[1] != b || eps.Shape().Dimensions[2] != d {
		panic(fmt.Sprintf("likelihood.Hutchinson: probes must have shape [K, %d, %d] for x of shape %s, got %s", b, d, x.Shape(), eps.Shape()))
	}
	k := eps.Shape().Dimensions[0]
	v = f(ctx, t, x)
	checkV("Hutchinson", x, v)
	xs := Reshape(BroadcastToDims(InsertAxes(x, 0), k, b, d), k*b, d)
	ts := t
	if t.Rank() == 1 {
		ts = Reshape(BroadcastToDims(InsertAxes(t, 0), k, b), k*b)
	}
	e := Reshape(eps, k*b, d)
	vs := f(ctx, ts, xs)
	grad := Gradient(ReduceAllSum(Mul(vs, e)), xs)[0]
	est = Reshape(ReduceSum(Mul(grad, e), -1), k, b)
	return v, est
}

// basis is the one-hot row e_j of shape [1, d] in x's dtype.
func basis(g *Graph, x *Node, j int) *Node {
	d := x.Shape().Dimensions[1]
	row := make([]float64, d)
	row[j] = 1
	return Reshape(ConstAsDType(g, x.DType(), row), 1, d)
}

func checkX(fn string, x *Node) {
	if x.Rank() != 2 {
		panic(fmt.Sprintf("likelihood.%s: x must have shape [batch, d], got %s", fn, x.Shape()))
	}
}

func checkV(fn string, x, v *Node) {
	if !v.Shape().Equal(x.Shape()) {
		panic(fmt.Sprintf("likelihood.%s: the field returned shape %s for x of shape %s; v_t(x) must have the shape of x", fn, v.Shape(), x.Shape()))
	}
}
