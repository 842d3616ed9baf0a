package data_test

import (
	"fmt"
	"log"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
)

func ExampleFractionInRects() {
	sq := data.CheckerboardSquares()
	fmt.Println("square 0:", sq[0], "square 2:", sq[2])
	// Two points labelled 0: one inside square 0, one inside square 2.
	x := mat.NewDense(2, 2, []float64{-1.5, -1.5, -0.5, -0.5})
	f, err := data.FractionInRects(x, []int{0, 0}, sq)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("class 0 inside its square:", f[0])
	// Output:
	// square 0: {-2 -1 -2 -1} square 2: {-1 0 -1 0}
	// class 0 inside its square: 0.5
}

func TestCheckerboardSquaresHoldTheirClass(t *testing.T) {
	x, labels, err := data.SampleLabelled("checkerboard", 4000, 3)
	if err != nil {
		t.Fatal(err)
	}
	sq := data.CheckerboardSquares()
	f, err := data.FractionInRects(x, labels, sq)
	if err != nil {
		t.Fatal(err)
	}
	for c, v := range f {
		if v != 1 {
			t.Errorf("class %d: %.4f of its points inside its square, want 1", c, v)
		}
	}
	// The squares do not overlap (they may share corners only).
	for a := range sq {
		for b := a + 1; b < len(sq); b++ {
			ox := min(sq[a].XMax, sq[b].XMax) - max(sq[a].XMin, sq[b].XMin)
			oy := min(sq[a].YMax, sq[b].YMax) - max(sq[a].YMin, sq[b].YMin)
			if ox > 0 && oy > 0 {
				t.Errorf("squares %d and %d overlap", a, b)
			}
		}
	}
	if _, err := data.FractionInRects(x, labels[:10], sq); err == nil {
		t.Error("wrong number of labels accepted")
	}
	bad := append([]int(nil), labels...)
	bad[0] = 8
	if _, err := data.FractionInRects(x, bad, sq); err == nil {
		t.Error("label outside the rectangles accepted")
	}
}
