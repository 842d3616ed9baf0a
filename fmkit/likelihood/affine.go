package likelihood

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// Affine is the time-independent affine field v(x) = A x + b, the one CNF
// whose density is known in closed form, used to check LogProb. Its flow
// for unit time maps x0 to
//
//	x1 = M x0 + c,   M = exp(A),   c = int_0^1 exp(s A) b ds,
//
// (M and c are read off one matrix exponential, exp([[A, b], [0, 0]]) =
// [[M, c], [0, 1]]), so p0 = N(0, I) becomes p1 = N(c, M M^T), and
// div v = tr(A) everywhere: log p1(x1) = log p0(x0) - tr(A).
type Affine struct {
	A *mat.Dense // d x d
	B []float64  // length d
}

// Field is v(x) = A x + b as a graph function (rows: x A^T + b).
func (a Affine) Field(ctx *context.Context, t, x *Node) *Node {
	d := len(a.B)
	at := mat.DenseCopyOf(a.A.T())
	g := x.Graph()
	w := Reshape(ConstAsDType(g, x.DType(), at.RawMatrix().Data), d, d)
	b := Reshape(ConstAsDType(g, x.DType(), a.B), 1, d)
	return Add(Dot(x, w), b)
}

// Map returns M = exp(A) and c of the unit-time flow x1 = M x0 + c.
func (a Affine) Map() (*mat.Dense, []float64, error) {
	r, c := a.A.Dims()
	d := len(a.B)
	if r != d || c != d {
		return nil, nil, fmt.Errorf("likelihood.Affine: A is %dx%d but b has length %d; A must be d x d", r, c, d)
	}
	aug := mat.NewDense(d+1, d+1, nil)
	aug.Slice(0, d, 0, d).(*mat.Dense).Copy(a.A)
	for i, v := range a.B {
		aug.Set(i, d, v)
	}
	var e mat.Dense
	e.Exp(aug)
	m := mat.DenseCopyOf(e.Slice(0, d, 0, d))
	shift := make([]float64, d)
	for i := range shift {
		shift[i] = e.At(i, d)
	}
	return m, shift, nil
}

// LogProb1 is the closed-form log N(x1; c, M M^T) for every row of x1.
func (a Affine) LogProb1(x1 *mat.Dense) ([]float64, error) {
	m, c, err := a.Map()
	if err != nil {
		return nil, err
	}
	d := len(c)
	if _, cols := x1.Dims(); cols != d {
		return nil, fmt.Errorf("likelihood.Affine: points have %d columns, the field has dimension %d", cols, d)
	}
	var cov mat.SymDense
	cov.SymOuterK(1, m)
	var chol mat.Cholesky
	if !chol.Factorize(&cov) {
		return nil, fmt.Errorf("likelihood.Affine: M M^T is not positive definite")
	}
	logDet := chol.LogDet()
	n, _ := x1.Dims()
	out := make([]float64, n)
	diff := mat.NewVecDense(d, nil)
	var sol mat.VecDense
	for i := range n {
		for j := range d {
			diff.SetVec(j, x1.At(i, j)-c[j])
		}
		if err := chol.SolveVecTo(&sol, diff); err != nil {
			return nil, err
		}
		out[i] = -0.5*float64(d)*math.Log(2*math.Pi) - 0.5*logDet - 0.5*mat.Dot(diff, &sol)
	}
	return out, nil
}
