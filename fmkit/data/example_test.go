package data_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
)

// Draw seeded samples of p1 (two moons) and look at their mean.
func ExampleSample() {
	x1, err := data.Sample("moons", 10000, 42)
	if err != nil {
		panic(err)
	}
	n, d := x1.Dims()
	mean := mat.NewVecDense(d, nil)
	for i := range n {
		mean.AddVec(mean, x1.RowView(i))
	}
	mean.ScaleVec(1/float64(n), mean)
	fmt.Printf("%d points in %d dimensions, mean (%.1f, %.2f)\n", n, d, mean.AtVec(0), mean.AtVec(1))
	fmt.Println(data.Names())
	// Output:
	// 10000 points in 2 dimensions, mean (0.5, 0.25)
	// [8gaussians checkerboard circles digits gaussian gaussian64 moons spirals]
}
