package exercise

import (
	"fmt"

	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// Sizes of AnimateCurvedPath: AnimationPairs pairs (x0, x1), moved along
// their conditional paths in AnimationSteps steps of t, one frame per
// step (AnimationSteps + 1 frames).
const (
	AnimationPairs = 2000
	AnimationSteps = 40
)

// animationBounds is the region AnimateCurvedPath shows: the moons, the
// gap, and all but the farthest points of p0 and of the bent paths.
var animationBounds = plot.Bounds{XMin: -2.75, XMax: 3.25, YMin: -2.75, YMax: 2.75}

// AnimateCurvedPath animates the probability path p_t of the student's
// curved path (part 4b) with amplitude a. AnimationPairs independent pairs
// (x0 ~ p0 = N(0, I), x1 ~ the moons, drawn with fixed seeds) each move
// along their own conditional path x_t = curved(a, t, x0, x1), at t = 0,
// 1/AnimationSteps, ..., 1 (plot.PathFlow): as the pairs are drawn from the
// coupling, the particles at t are samples of the marginal path p_t, which
// every frame shows as the histogram of all of them behind the first 300
// as dots, with the gap G between the moons outlined (see Gap). This p_t is
// what a flow trained on the curved path must reproduce at every t.
//
// It first grades part 4b again, silently, and shows the one-item
// checklist: a path that still has its TODO stub, or that fails by an
// error or a NaN, is not animated; a path that computes wrong values is
// animated all the same (to see what it does), under a caution. In a
// notebook it shows the animation (image/gif) and a line with its frames
// and size. It returns the animation (nil when there is none) and the
// checklist.
func AnimateCurvedPath(curved CurvedPathFunc, a float64) (*plot.Animation, *Report) {
	r := &Report{Title: tr("问题 4b：弯曲路径上的概率路径 p_t（a = %g，动画）", "Question 4b: the probability path p_t of the curved path (a = %g), animated", a)}
	p := WithAmplitude(curved, a)
	v := silently(Part4b, func(r *Report) { checkCurved(r, p, a, true) })
	partItem(r, "4b/animated", v)
	r.Show()
	if !v.ok() && v.crashes() {
		return nil, r
	}
	anim, err := animatePath(p, a)
	if err != nil {
		e := &Report{Title: r.Title}
		e.err("4b/animated", Part4b, err, nil, tr("画动画出错", "animating it failed"))
		e.Show()
		return nil, r
	}
	if !trusted(r) {
		markdown(caution(r))
	}
	if !nb.InNotebook() {
		return anim, r
	}
	if err := anim.Show(); err != nil {
		fmt.Println("animation not shown:", firstLine(err.Error()))
		return nil, r
	}
	fmt.Println(tr("%d 帧，每帧 %d × %d 像素，GIF 共 %.0f kB", "%d frames of %d x %d pixels, a GIF of %.0f kB",
		anim.Frames, anim.Width, anim.Height, float64(len(anim.GIF))/1e3))
	return anim, r
}

// animatePath makes the animation of AnimateCurvedPath for the path p.
func animatePath(p PathFunc, a float64) (*plot.Animation, error) {
	x0 := data.Gaussian{D: 2}.Sample(AnimationPairs, data.NewRand(31))
	x1 := data.Moons{}.Sample(AnimationPairs, data.NewRand(32))
	var f plot.Flow
	err := try(func() error {
		var err error
		f, err = plot.PathFlow(fmt.Sprintf("curved path, a = %g", a), p, x0, x1, AnimationSteps)
		return err
	})
	if err != nil {
		return nil, err
	}
	f.Bounds, f.Frames = animationBounds, AnimationSteps+1
	f.DensityLabel = "histogram of x_t (p_t)"
	f.Decorate = func(p *gplot.Plot) error {
		addGapOutline(p, DefaultGap, gapColour)
		return nil
	}
	return f.Animate(plot.AnimOptions{})
}
