package exercise_test

import (
	"math"
	"testing"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/plot"
)

func TestAnimateCurvedPath(t *testing.T) {
	anim, r := exercise.AnimateCurvedPath(curvedPath, 1)
	if anim == nil || !r.Passed() {
		t.Fatalf("reference solution: animation %v\n%s", anim, r)
	}
	if anim.Frames != exercise.AnimationSteps+1 || len(anim.GIF) > plot.MaxAnimationBytes {
		t.Errorf("%d frames, %d bytes; want %d frames within %d bytes", anim.Frames, len(anim.GIF), exercise.AnimationSteps+1, plot.MaxAnimationBytes)
	}
	t.Logf("%d frames of %d x %d pixels: %d bytes", anim.Frames, anim.Width, anim.Height, len(anim.GIF))

	// The stub: nothing to animate.
	anim, r = exercise.AnimateCurvedPath(stubCurved, 1)
	if anim != nil {
		t.Error("a stub was animated")
	}
	expect(t, r, "4b/animated", exercise.Waiting, exercise.Part4b+" first")

	// A path that computes wrong values (no bend) is animated, with its failure listed.
	straight := func(a, t float64, x0, x1, xt, ut []float64) { linearPath(t, x0, x1, xt, ut) }
	anim, r = exercise.AnimateCurvedPath(straight, 1)
	if anim == nil {
		t.Error("a path with wrong values was not animated")
	}
	expect(t, r, "4b/animated", exercise.Waiting, "straight line")

	// A path that gives NaN is not.
	nan := func(a, t float64, x0, x1, xt, ut []float64) {
		curvedPath(a, t, x0, x1, xt, ut)
		xt[1] = math.NaN()
	}
	if anim, r = exercise.AnimateCurvedPath(nan, 1); anim != nil || r.Passed() {
		t.Errorf("a NaN path: animation %v\n%s", anim, r)
	}
}
