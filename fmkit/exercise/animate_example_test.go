package exercise_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// The probability path p_t of a curved path, animated: 2000 pairs
// (x0, x1) each moving along its own bent path, over the histogram of all
// of them. In a notebook the animation is shown inline; here it is only
// returned.
func ExampleAnimateCurvedPath() {
	curved := func(a, t float64, x0, x1, xt, ut []float64) {
		dx, dy := x1[0]-x0[0], x1[1]-x0[1]
		xt[0] = (1-t)*x0[0] + t*x1[0] - a*t*(1-t)*dy
		xt[1] = (1-t)*x0[1] + t*x1[1] + a*t*(1-t)*dx
		ut[0] = dx - a*(1-2*t)*dy
		ut[1] = dy + a*(1-2*t)*dx
	}
	anim, r := exercise.AnimateCurvedPath(curved, 1)
	fmt.Println(r.Passed(), anim.Frames, "frames within the bound:", len(anim.GIF) <= plot.MaxAnimationBytes)
	// Output:
	// Question 4b: the probability path p_t of the curved path (a = 1), animated: 1 of 1 passed
	//   [ok]      4b the animated curved path: passes the check of part 4b (curvedPath)
	// true 41 frames within the bound: true
}
