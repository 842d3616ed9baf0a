package exercise

import (
	"math"
)

// FDTolerance is the largest difference CheckCurvedPath accepts between u_t
// and the central finite difference of x_t.
const FDTolerance = 1e-4

// CheckCurvedPath grades part 4b: a curved path
//
//	x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0),  R(v1, v2) = (-v2, v1),
//
// and its velocity u_t = dx_t/dt, at 20 random (t, x0, x1), t = 0 and t = 1
// included, with amplitude a. The items are:
//
//   - endpoints: x_0 = x0 and x_1 = x1 (to 1e-12);
//   - the bend b(t) = x_t - ((1-t) x0 + t x1): perpendicular to x1 - x0 and
//     proportional to t(1-t), b(t) = 4 t(1-t) b(1/2). The chapter asks for
//     nothing more, so any such bend passes: R the rotation by +90° as
//     fmkit's path.Curved, by -90°, or another size; the item notes which;
//   - u_t against the central finite difference (x_{t+h} - x_{t-h}) / 2h of
//     the student's own x_t with h = 1e-5, to FDTolerance, so that a path
//     bent either way is graded on its own derivative. A u_t that forgot the
//     bend, or kept t(1-t) instead of differentiating it, gets its own hint.
func CheckCurvedPath(curved CurvedPathFunc, a float64) *Report {
	r := &Report{Title: tr("第 4b 部分的检查：弯曲路径（a = %g）", "Check of part 4b: the curved path (a = %g)", a)}
	defer r.Show()
	checkCurved(r, WithAmplitude(curved, a), a, true)
	return r
}

// checkPathDerivative grades any path p as a path of part 4b: its endpoints
// and u_t = dx_t/dt.
func checkPathDerivative(r *Report, p PathFunc, a float64) { checkCurved(r, p, a, false) }

// curvedCase is a path evaluated on one pair (x0, x1).
type curvedCase struct {
	c              pathCase
	xt, ut         []float64 // at c.t
	start, end     []float64 // x_t at t = 0 and t = 1
	bend, bendHalf []float64 // b(c.t) and b(1/2)
	fd             []float64 // central difference of x_t at c.t (nil at t = 0, 1)
}

func evalCurvedCase(p PathFunc, c pathCase) (cc curvedCase, err error) {
	cc.c = c
	lin := func(t float64) []float64 {
		return []float64{(1-t)*c.x0[0] + t*c.x1[0], (1-t)*c.x0[1] + t*c.x1[1]}
	}
	sub := func(a, b []float64) []float64 { return []float64{a[0] - b[0], a[1] - b[1]} }
	at := func(t float64) []float64 {
		if err != nil {
			return []float64{math.NaN(), math.NaN()}
		}
		var x []float64
		x, _, err = evalPath(p, pathCase{t, c.x0, c.x1})
		return x
	}
	cc.xt, cc.ut, err = evalPath(p, c)
	if err != nil {
		return cc, err
	}
	cc.start, cc.end = at(0), at(1)
	cc.bend = sub(cc.xt, lin(c.t))
	cc.bendHalf = sub(at(0.5), lin(0.5))
	if c.t > 0 && c.t < 1 {
		const h = 1e-5
		xp, xm := at(c.t+h), at(c.t-h)
		cc.fd = []float64{(xp[0] - xm[0]) / (2 * h), (xp[1] - xm[1]) / (2 * h)}
	}
	return cc, err
}

func checkCurved(r *Report, p PathFunc, a float64, withBend bool) {
	var cases []curvedCase
	for _, c := range pathCases(20, 11) {
		cc, err := evalCurvedCase(p, c)
		if err != nil {
			r.err("4b/run", Part4b, err, nil, tr("curvedPath 出错", "curvedPath failed"))
			return
		}
		cases = append(cases, cc)
	}
	var endErr, perp, prop, bendSize, fdErr, straightErr, keptErr float64
	kMin, kMax := math.Inf(1), math.Inf(-1)
	for _, cc := range cases {
		c := cc.c
		endErr = nanMax(endErr, dist2(cc.start, c.x0))
		endErr = nanMax(endErr, dist2(cc.end, c.x1))
		d := []float64{c.x1[0] - c.x0[0], c.x1[1] - c.x0[1]}
		dn := math.Hypot(d[0], d[1])
		perp = nanMax(perp, math.Abs(cc.bend[0]*d[0]+cc.bend[1]*d[1])/math.Max(dn, 1e-12))
		perp = nanMax(perp, math.Abs(cc.bendHalf[0]*d[0]+cc.bendHalf[1]*d[1])/math.Max(dn, 1e-12))
		s := 4 * c.t * (1 - c.t)
		prop = nanMax(prop, dist2(cc.bend, []float64{s * cc.bendHalf[0], s * cc.bendHalf[1]}))
		bendSize = nanMax(bendSize, math.Hypot(cc.bendHalf[0], cc.bendHalf[1]))
		if a != 0 && dn > 1e-6 {
			// b(1/2) = k (a/4) R(x1 - x0): k = 1 for path.Curved, -1 for the other direction.
			k := (cc.bendHalf[0]*(-d[1]) + cc.bendHalf[1]*d[0]) / (a / 4 * dn * dn)
			kMin, kMax = math.Min(kMin, k), math.Max(kMax, k)
		}
		if cc.fd != nil {
			fdErr = nanMax(fdErr, dist2(cc.ut, cc.fd))
			straightErr = nanMax(straightErr, dist2(cc.ut, d))
			keptErr = nanMax(keptErr, dist2(cc.ut, []float64{d[0] + cc.bend[0], d[1] + cc.bend[1]}))
		}
	}
	r.check("4b/endpoints", endErr < 1e-12, tr("x_0 = x0，x_1 = x1", "x_0 = x0 and x_1 = x1"),
		tr("路径必须在 t = 0 时从 x0 出发、在 t = 1 时到达 x1，现在差了 %.3g：弯曲项 a t(1-t) R(x1 - x0) 在两端都为零",
			"the path must start at x0 (t = 0) and end at x1 (t = 1); off by %.3g: the bend a t(1-t) R(x1 - x0) vanishes at both ends", endErr))
	if withBend {
		checkBend(r, a, perp, prop, bendSize, kMin, kMax)
	}
	bent := bendSize > 1e-9
	switch {
	case fdErr <= FDTolerance:
		r.pass("4b/ut", tr("u_t 与你的 x_t 的中心差分一致，误差 %.1e（≤ %.0e）", "u_t matches the central finite difference of your x_t to %.1e (<= %.0e)", fdErr, FDTolerance))
	case bent && straightErr < 1e-9:
		r.fail("4b/ut", tr("你的 u_t = x1 - x0 是直线的速度，但你的 x_t 是弯的：还要加上弯曲项的导数 d/dt [a t(1-t)] R(x1 - x0) = a (1-2t) R(x1 - x0)",
			"your u_t = x1 - x0 is the velocity of the straight line, but your x_t bends: add the derivative of the bend, d/dt [a t(1-t)] R(x1 - x0) = a (1-2t) R(x1 - x0)"))
	case bent && keptErr < 1e-9:
		r.fail("4b/ut", tr("你的 u_t 里保留了 t(1-t)，没有对它求导：d/dt t(1-t) = 1 - 2t，所以 u_t = x1 - x0 + a (1-2t) R(x1 - x0)",
			"your u_t keeps t(1-t) instead of differentiating it: d/dt t(1-t) = 1 - 2t, so u_t = x1 - x0 + a (1-2t) R(x1 - x0)"))
	default:
		r.fail("4b/ut", tr("u_t 与你的 x_t 的有限差分 (x_{t+h} - x_{t-h})/2h 最多相差 %.3g：对每个依赖 t 的系数求导，d/dt (1-t) = -1，d/dt t = 1，d/dt t(1-t) = 1 - 2t",
			"u_t differs from the finite difference (x_{t+h} - x_{t-h})/2h of your x_t by up to %.3g: differentiate each coefficient that depends on t, d/dt (1-t) = -1, d/dt t = 1, d/dt t(1-t) = 1 - 2t", fdErr))
	}
}

// checkBend grades the shape of the bend and notes its direction.
func checkBend(r *Report, a, perp, prop, size, kMin, kMax float64) {
	const id = "4b/bend"
	switch {
	case a == 0:
		r.check(id, size < 1e-12, tr("a = 0：直线", "a = 0: the straight line"),
			tr("a = 0 时路径应当是直线，弯曲项却有 %.3g：弯曲项要乘上 a", "with a = 0 the path should be the straight line, yet it bends by %.3g: multiply the bend by a", size))
	case size < 1e-12:
		r.fail(id, tr("x_t 是直线：加上弯曲项 a t(1-t) R(x1 - x0)", "x_t is the straight line: add the bend a t(1-t) R(x1 - x0)"))
	case perp > 1e-9:
		r.fail(id, tr("弯曲项 x_t - ((1-t) x0 + t x1) 有沿 x1 - x0 方向的分量（最多 %.3g）：把 x1 - x0 旋转 90 度，R(v1, v2) = (-v2, v1)",
			"the bend x_t - ((1-t) x0 + t x1) has a component along x1 - x0 (up to %.3g): rotate x1 - x0 by 90 degrees, R(v1, v2) = (-v2, v1)", perp))
	case prop > 1e-9:
		r.fail(id, tr("弯曲项不正比于 t(1-t)（与 4 t(1-t) b(1/2) 最多相差 %.3g）：它应在两端为零、在 t = 1/2 处最大",
			"the bend is not proportional to t(1-t) (it differs from 4 t(1-t) b(1/2) by up to %.3g): it must vanish at both ends and peak at t = 1/2", prop))
	case math.Abs(kMin-1) < 1e-9 && math.Abs(kMax-1) < 1e-9:
		r.pass(id, tr("x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0)，R 是 +90° 旋转，与 fmkit 的 path.Curved 相同",
			"x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0) with R the rotation by +90°, as fmkit's path.Curved"))
	case math.Abs(kMin+1) < 1e-9 && math.Abs(kMax+1) < 1e-9:
		r.pass(id, tr("你的弯曲项转向另一侧：R 是 -90° 旋转，(v1, v2) ↦ (v2, -v1)。本章只要求弯曲项垂直于 x1 - x0，所以这样也可以；你的路径是 path.Curved 的镜像，后面训练和比较的就是你的这条",
			"your bend turns the other way: R is the rotation by -90°, (v1, v2) ↦ (v2, -v1). The chapter only asks for a bend perpendicular to x1 - x0, so this is allowed; your path mirrors path.Curved's, and the cells below train and compare yours"))
	case kMax-kMin < 1e-9:
		r.pass(id, tr("垂直于 x1 - x0、正比于 t(1-t) 的弯曲项，大小是 a t(1-t) R(x1 - x0) 的 %.3g 倍（本章允许）",
			"a bend perpendicular to x1 - x0 and proportional to t(1-t), %.3g times a t(1-t) R(x1 - x0) (the chapter allows it)", kMin))
	default:
		r.pass(id, tr("垂直于 x1 - x0、正比于 t(1-t) 的弯曲项，相对 a t(1-t) R(x1 - x0) 的倍数随 (x0, x1) 在 %.3g 到 %.3g 之间变化（本章允许）",
			"a bend perpendicular to x1 - x0 and proportional to t(1-t), between %.3g and %.3g times a t(1-t) R(x1 - x0) depending on (x0, x1) (the chapter allows it)", kMin, kMax))
	}
}
