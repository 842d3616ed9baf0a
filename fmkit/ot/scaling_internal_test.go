package ot

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The scaling form and the log domain compute the same iterates: the same
// number of iterations and the same plan up to rounding.
func TestSinkhornScalingMatchesLogDomain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a, b := mat.NewDense(60, 2, nil), mat.NewDense(50, 2, nil)
	for i := range 60 {
		a.Set(i, 0, rng.NormFloat64())
		a.Set(i, 1, rng.NormFloat64())
	}
	for i := range 50 {
		b.Set(i, 0, 2+0.5*rng.NormFloat64())
		b.Set(i, 1, rng.Float64())
	}
	c, err := SqEuclidean(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, eps := range []float64{0.05, 0.1, 0.5, 2} {
		fast, err := Sinkhorn(c, eps, 5000, 1e-9)
		if err != nil {
			t.Fatal(err)
		}
		useScaling = false
		slow, err := Sinkhorn(c, eps, 5000, 1e-9)
		useScaling = true
		if err != nil {
			t.Fatal(err)
		}
		if fast.Iter != slow.Iter || fast.Converged != slow.Converged {
			t.Errorf("eps=%v: scaling %d iterations (converged %v), log domain %d (%v)", eps, fast.Iter, fast.Converged, slow.Iter, slow.Converged)
		}
		if !mat.EqualApprox(fast.P, slow.P, 1e-12) || math.Abs(fast.Cost-slow.Cost) > 1e-10 {
			t.Errorf("eps=%v: plans differ (cost %v vs %v)", eps, fast.Cost, slow.Cost)
		}
	}
	// Beyond the limit the log domain takes over: max C/eps > 600.
	if _, ok := sinkhornScaling(c, []float64{-601}, 1, 1, 10, 0); ok {
		t.Error("the scaling form accepted max C/eps = 601")
	}
}
