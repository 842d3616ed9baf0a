package likelihood

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Geometry holds, for every point x_i, the differential invariants of a
// field v at x_i read off its Jacobian J = dv/dx (exact, from the graph; see
// Flow.Jacobian):
//
//	Div  = tr J = sum_j dv_j/dx_j                       (divergence: local rate of volume change)
//	Curl = dv_2/dx_1 - dv_1/dx_2 = J_21 - J_12          (d = 2: the scalar curl, twice the local angular velocity)
//	Grad = ||J||_F = sqrt(sum_jk J_jk^2)                (size of the whole velocity gradient)
//	Rot  = ||A||_F,   A = (J - J^T)/2                    (size of its rotational, antisymmetric part)
//
// In 2D Rot = |Curl|/sqrt(2). For d != 2 Curl is the magnitude
// sqrt(2) Rot (a curl is then a 2-form, not a number). A gradient field
// v = grad phi has a symmetric Jacobian (the Hessian of phi): Rot = Curl = 0
// everywhere; a divergence-free field has Div = 0 everywhere.
type Geometry struct {
	Div, Curl, Grad, Rot []float64
}

// JacobianGeometry computes the Geometry of the Jacobians jac (one d x d
// matrix per point, J[j][k] = dv_j/dx_k).
func JacobianGeometry(jac []*mat.Dense) (*Geometry, error) {
	if len(jac) == 0 {
		return nil, fmt.Errorf("likelihood: no Jacobians: evaluate them at one or more points (Flow.Jacobian)")
	}
	g := &Geometry{}
	for i, j := range jac {
		r, c := j.Dims()
		if r != c {
			return nil, fmt.Errorf("likelihood: Jacobian %d is %dx%d; a Jacobian of v: R^d -> R^d is square", i, r, c)
		}
		div, grad, rot := 0.0, 0.0, 0.0
		for a := range r {
			div += j.At(a, a)
			for b := range c {
				grad += j.At(a, b) * j.At(a, b)
				s := (j.At(a, b) - j.At(b, a)) / 2
				rot += s * s
			}
		}
		if math.IsNaN(div + grad) {
			return nil, fmt.Errorf("likelihood: Jacobian %d is not finite; the field is not differentiable there", i)
		}
		curl := math.Sqrt(2 * rot)
		if r == 2 {
			curl = j.At(1, 0) - j.At(0, 1)
		}
		g.Div = append(g.Div, div)
		g.Curl = append(g.Curl, curl)
		g.Grad = append(g.Grad, math.Sqrt(grad))
		g.Rot = append(g.Rot, math.Sqrt(rot))
	}
	return g, nil
}

// Geometry evaluates the Jacobian of the flow's field at time t for every
// row of x (exact: d reverse passes of the graph) and returns its Geometry.
func (fl *Flow) Geometry(t float64, x *mat.Dense) (*Geometry, error) {
	jac, err := fl.Jacobian(t, x)
	if err != nil {
		return nil, err
	}
	return JacobianGeometry(jac)
}

// GeometrySummary condenses a Geometry over its points.
type GeometrySummary struct {
	N int
	// Means over the points of |Div|, |Curl| and Grad = ||J||_F.
	MeanAbsDiv, MeanAbsCurl, MeanGrad float64
	// Rotational is the share of the velocity gradient that is rotation,
	//
	//	R = mean_i ||A_i||_F / mean_i ||J_i||_F  in [0, 1],  A = (J - J^T)/2,
	//
	// 0 for a gradient field (the Jacobian is a Hessian, symmetric), 1 for
	// a pure rotation; a Jacobian with independent random entries gives
	// about sqrt(d(d-1)/2 / d^2), 0.5 in 2D. In 2D ||A||_F = |curl|/sqrt 2,
	// so R = mean|curl| / (sqrt 2 mean ||J||_F).
	Rotational float64
	// RotationalSE is R's standard error over the points, by the delta
	// method for a ratio of means: SE = sd_i(a_i - R g_i) / (sqrt(n) mean g).
	RotationalSE float64
}

// Summary condenses g over its points (see GeometrySummary).
func (g *Geometry) Summary() GeometrySummary {
	n := len(g.Div)
	s := GeometrySummary{N: n}
	if n == 0 {
		return s
	}
	mrot := 0.0
	for i := range n {
		s.MeanAbsDiv += math.Abs(g.Div[i]) / float64(n)
		s.MeanAbsCurl += math.Abs(g.Curl[i]) / float64(n)
		s.MeanGrad += g.Grad[i] / float64(n)
		mrot += g.Rot[i] / float64(n)
	}
	if s.MeanGrad == 0 {
		return s
	}
	s.Rotational = mrot / s.MeanGrad
	if n > 1 {
		ss := 0.0
		for i := range n {
			e := g.Rot[i] - s.Rotational*g.Grad[i]
			ss += e * e
		}
		s.RotationalSE = math.Sqrt(ss/float64(n-1)) / (math.Sqrt(float64(n)) * s.MeanGrad)
	}
	return s
}
