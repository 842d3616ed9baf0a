package exercise

import (
	"math"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/path"
)

// pathCase is one (t, x0, x1) at which a path is checked.
type pathCase struct {
	t      float64
	x0, x1 []float64
}

func pathCases(n int, seed uint64) []pathCase {
	rng := data.NewRand(seed)
	cs := make([]pathCase, n)
	for i := range cs {
		cs[i] = pathCase{t: rng.Float64(), x0: []float64{rng.NormFloat64(), rng.NormFloat64()}, x1: []float64{rng.NormFloat64(), rng.NormFloat64()}}
	}
	cs[0].t, cs[1].t = 0, 1
	return cs
}

// evalPath calls p, recovering a panic.
func evalPath(p PathFunc, c pathCase) (xt, ut []float64, err error) {
	xt, ut = []float64{math.NaN(), math.NaN()}, []float64{math.NaN(), math.NaN()}
	err = try(func() error {
		p(c.t, append([]float64(nil), c.x0...), append([]float64(nil), c.x1...), xt, ut)
		return nil
	})
	return xt, ut, err
}

// dist2 is the largest coordinate difference of two 2D points.
func dist2(a, b []float64) float64 {
	return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1]))
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(b) {
		return math.Inf(1)
	}
	return math.Max(a, b)
}

// checkLinearPath grades part 2a against fmkit's path.Linear at 20 random
// (t, x0, x1), t = 0 and t = 1 included.
func checkLinearPath(r *Report, p PathFunc) {
	ref := path.Linear()
	var worstX, worstU float64
	var badX, badU pathCase
	swapped, negated := true, true
	for _, c := range pathCases(20, 3) {
		xt, ut, err := evalPath(p, c)
		if err != nil {
			r.err("2a/run", Part2a, err, nil, tr("linearPath 出错", "linearPath failed"))
			return
		}
		wx, wu := make([]float64, 2), make([]float64, 2)
		ref.Point(c.t, c.x0, c.x1, wx, wu)
		sw := make([]float64, 2)
		ref.Point(1-c.t, c.x0, c.x1, sw, make([]float64, 2))
		if !(dist2(xt, sw) <= 1e-9) {
			swapped = false
		}
		if !(dist2(ut, []float64{-wu[0], -wu[1]}) <= 1e-9) {
			negated = false
		}
		if e := nanMax(0, dist2(xt, wx)); e > worstX || badX.x0 == nil {
			worstX, badX = e, c
		}
		if e := nanMax(0, dist2(ut, wu)); e > worstU || badU.x0 == nil {
			worstU, badU = e, c
		}
	}
	xOK := worstX <= 1e-12
	switch {
	case xOK:
		r.pass("2a/xt", tr("在 20 个点上 x_t = (1-t) x0 + t x1（含 t = 0 和 t = 1）", "x_t = (1-t) x0 + t x1 at 20 points, t = 0 and 1 included"))
	case swapped:
		r.fail("2a/xt", tr("你的 x_t 从 x1 走到 x0，时间反了：路径在 t = 0 时从噪声 x0 出发，在 t = 1 时到达数据 x1，x_t = (1-t) x0 + t x1",
			"x_t runs from x1 to x0, time is reversed: the path starts at the noise x0 at t = 0 and ends at the data x1 at t = 1, x_t = (1-t) x0 + t x1"))
	default:
		wx := make([]float64, 2)
		ref.Point(badX.t, badX.x0, badX.x1, wx, make([]float64, 2))
		got, _, _ := evalPath(p, badX)
		r.fail("2a/xt", tr("在 t=%.3f, x0=%.3f, x1=%.3f 处：应为 x_t = (1-t) x0 + t x1 = %.4f，得到 %.4f",
			"at t=%.3f, x0=%.3f, x1=%.3f: want x_t = (1-t) x0 + t x1 = %.4f, got %.4f", badX.t, badX.x0, badX.x1, wx, got))
	}
	switch {
	case worstU <= 1e-12:
		r.pass("2a/ut", tr("在同样的点上 u_t = x1 - x0", "u_t = x1 - x0 at the same points"))
	case negated && swapped:
		r.wait("2a/ut", tr("你的 u_t = x0 - x1 正是你（时间反了的）x_t 的导数；先改 x_t，再让 u_t = d x_t/dt = x1 - x0",
			"your u_t = x0 - x1 is the derivative of your (reversed) x_t; fix x_t first, then u_t = d x_t/dt = x1 - x0"))
	case negated:
		r.fail("2a/ut", tr("u_t 的符号反了：速度从 x0 指向 x1，u_t = d x_t/dt = x1 - x0", "u_t has the wrong sign: the velocity points from x0 to x1, u_t = d x_t/dt = x1 - x0"))
	default:
		wu := make([]float64, 2)
		ref.Point(badU.t, badU.x0, badU.x1, make([]float64, 2), wu)
		_, got, _ := evalPath(p, badU)
		r.fail("2a/ut", tr("在 t=%.3f, x0=%.3f, x1=%.3f 处：应为 u_t = d x_t/dt = x1 - x0 = %.4f，得到 %.4f",
			"at t=%.3f, x0=%.3f, x1=%.3f: want u_t = d x_t/dt = x1 - x0 = %.4f, got %.4f", badU.t, badU.x0, badU.x1, wu, got))
	}
}

// gradePath grades the path a training check is given, silently: the
// linear path as part 2a, any other as a path of part 4b (endpoints x0 and
// x1, and u_t the derivative of x_t).
func gradePath(name string, p PathFunc) verdict {
	if name == "linear" {
		return silently(Part2a, func(r *Report) { checkLinearPath(r, p) })
	}
	return silently(Part4b, func(r *Report) { checkPathDerivative(r, p, 0) })
}
