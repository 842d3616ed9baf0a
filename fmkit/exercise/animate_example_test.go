package exercise_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// The probability path p_t of a curved path, animated: 2000 pairs
// (x0, x1) each moving along its own bent path, over the histogram of all
// of them. In a notebook the animation is shown inline; here it is only
// returned.
func ExampleAnimateCurvedPath() {
	// A correct answer to part 4b: fmkit's own curved path.
	curved := func(a, t float64, x0, x1, xt, ut []float64) { path.Curved{A: a}.Point(t, x0, x1, xt, ut) }
	anim, r := exercise.AnimateCurvedPath(curved, 1)
	fmt.Println(r.Passed(), anim.Frames, "frames within the bound:", len(anim.GIF) <= plot.MaxAnimationBytes)
	// Output:
	// Question 4b: the probability path p_t of the curved path (a = 1), animated: 1 of 1 passed
	//   [ok]      4b the animated curved path: passes the check of part 4b (curvedPath)
	// true 41 frames within the bound: true
}
