package coupling_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/coupling"
	"github.com/flowmatching/gofm/fmkit/data"
)

func ExampleExactOT() {
	// Two x0 drawn in the "wrong" order: the independent pairs cross, the
	// OT pairing swaps them.
	x0 := mat.NewDense(2, 2, []float64{1, 0, 0, 0})
	x1 := mat.NewDense(2, 2, []float64{0, 1, 1, 1})
	ind, _ := coupling.Cost(x0, x1)
	paired, err := coupling.ExactOT{}.Pair(x0, x1, nil)
	if err != nil {
		panic(err)
	}
	otCost, _ := coupling.Cost(paired, x1)
	fmt.Printf("independent cost %.1f, OT cost %.1f\n", ind, otCost)
	for i := range 2 {
		fmt.Println(paired.RawRowView(i), "->", x1.RawRowView(i))
	}
	// Output:
	// independent cost 2.0, OT cost 1.0
	// [0 0] -> [0 1]
	// [1 0] -> [1 1]
}

func ExampleLookup() {
	rng := data.NewRand(1)
	x0 := data.Gaussian{D: 2}.Sample(256, rng)
	x1 := data.Moons{}.Sample(256, rng)
	for _, name := range coupling.Names() {
		c, err := coupling.Lookup(name, 0.1)
		if err != nil {
			panic(err)
		}
		p, err := c.Pair(x0, x1, rng)
		if err != nil {
			panic(err)
		}
		cost, _ := coupling.Cost(p, x1)
		fmt.Printf("%-11s mean squared pair length %.2f\n", name, cost)
	}
	_, err := coupling.Lookup("sinkhorn", 0)
	fmt.Println(err)
	// Output:
	// independent mean squared pair length 3.27
	// ot          mean squared pair length 0.86
	// sinkhorn    mean squared pair length 0.85
	// coupling sinkhorn: the regularisation Eps must be a finite number > 0 (in squared-distance units, e.g. 0.05), got 0
}
