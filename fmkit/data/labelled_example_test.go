package data_test

import (
	"fmt"
	"strings"

	"github.com/flowmatching/gofm/fmkit/data"
)

// Labelled data for conditional generation: each point comes with the
// component it was drawn from.
func ExampleSampleLabelled() {
	x, c, err := data.SampleLabelled("8gaussians", 4, 1)
	if err != nil {
		panic(err)
	}
	for i, label := range c {
		fmt.Printf("class %d: (%5.2f, %5.2f)\n", label, x.At(i, 0), x.At(i, 1))
	}
	fmt.Println(data.LabelledNames())
	// Output:
	// class 7: ( 1.28, -1.53)
	// class 6: ( 0.17, -1.82)
	// class 2: ( 0.13,  2.14)
	// class 2: ( 0.01,  1.91)
	// [8gaussians checkerboard circles digits moons spirals]
}

// The digits: 1797 images of 8x8 pixels scaled to [-1, 1], labelled 0..9.
// Print the first one (a zero) with one character per pixel.
func ExampleLoadDigits() {
	x, labels, err := data.LoadDigits()
	if err != nil {
		panic(err)
	}
	n, d := x.Dims()
	fmt.Printf("%d images of %d pixels; the first is a %d:\n", n, d, labels[0])
	for r := range data.DigitSide {
		var b strings.Builder
		for c := range data.DigitSide {
			b.WriteByte(" .:#"[min(3, int((x.At(0, r*8+c)+1)*2))])
		}
		fmt.Printf("|%s|\n", b.String())
	}
	// Output:
	// 1797 images of 64 pixels; the first is a 0:
	// |  .#:   |
	// |  ##:#. |
	// |  #  :: |
	// | .#  :: |
	// | .:  :: |
	// | .:  #. |
	// |  #.:#  |
	// |  .#:   |
}
