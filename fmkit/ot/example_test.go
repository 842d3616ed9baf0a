package ot_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/ot"
	"gonum.org/v1/gonum/mat"
)

func ExampleAssign() {
	// Greedy row by row would take cost[0][0] = 1 first and end at 1+4+9;
	// the optimum is the anti-diagonal 3+4+3.
	cost := mat.NewDense(3, 3, []float64{
		1, 2, 3,
		2, 4, 6,
		3, 6, 9,
	})
	perm, total, err := ot.Assign(cost)
	if err != nil {
		panic(err)
	}
	fmt.Println(perm, total)
	// Output: [2 1 0] 10
}

func ExampleMatch() {
	// Minibatch OT coupling: reorder b so that b[perm[i]] is paired with a[i].
	a := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 2, 0})
	b := mat.NewDense(3, 2, []float64{2, 1, 0, 1, 1, 1})
	perm, total, err := ot.Match(a, b)
	if err != nil {
		panic(err)
	}
	fmt.Println("perm:", perm)
	fmt.Printf("mean squared distance: %.3f\n", total/3)
	// Output:
	// perm: [1 2 0]
	// mean squared distance: 1.000
}

func ExampleSinkhorn() {
	a := mat.NewDense(2, 1, []float64{0, 1})
	b := mat.NewDense(2, 1, []float64{0.1, 1.1})
	cost, _ := ot.SqEuclidean(a, b)
	plan, err := ot.Sinkhorn(cost, 0.01, 1000, 1e-9)
	if err != nil {
		panic(err)
	}
	fmt.Printf("converged=%v cost=%.4f\n", plan.Converged, plan.Cost)
	fmt.Printf("P=\n%.4f\n", mat.Formatted(plan.P))
	// Output:
	// converged=true cost=0.0100
	// P=
	// ⎡0.5000  0.0000⎤
	// ⎣0.0000  0.5000⎦
}
