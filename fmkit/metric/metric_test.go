package metric

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randNormal(r *rand.Rand, n, d int, scale float64) *mat.Dense {
	data := make([]float64, n*d)
	for i := range data {
		data[i] = scale * r.NormFloat64()
	}
	return mat.NewDense(n, d, data)
}

func shuffleRows(r *rand.Rand, a *mat.Dense) *mat.Dense {
	n, d := a.Dims()
	out := mat.NewDense(n, d, nil)
	for i, p := range r.Perm(n) {
		out.SetRow(i, a.RawRowView(p))
	}
	return out
}

func TestW2ShuffledIsZero(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 1))
		n := 1 + r.IntN(200)
		a := randNormal(r, n, 1+int(seed%4), 1)
		w, err := W2(a, shuffleRows(r, a))
		if err != nil {
			t.Fatal(err)
		}
		if w != 0 {
			t.Fatalf("seed %d n=%d: W2(a, shuffled a) = %v, want 0", seed, n, w)
		}
	}
}

// Translating every point by c moves the measure by exactly ||c||: the
// cross term 2<c, sum_i (a_i - a_sigma(i))> vanishes for every sigma, so the
// identity matching stays optimal.
func TestW2Translation(t *testing.T) {
	cases := []struct {
		n int
		c []float64
	}{
		{1, []float64{3, 4}},
		{50, []float64{0.1, -0.2}},
		{300, []float64{2, 0}},
		{100, []float64{1, 2, 2}},
		{64, []float64{1e-3, 0, 0, 0, 0}},
	}
	for k, tc := range cases {
		r := rand.New(rand.NewPCG(uint64(k), 2))
		d := len(tc.c)
		a := randNormal(r, tc.n, d, 1)
		b := mat.NewDense(tc.n, d, nil)
		for i := range tc.n {
			for j := range d {
				b.Set(i, j, a.At(i, j)+tc.c[j])
			}
		}
		want := math.Sqrt(mat.Dot(mat.NewVecDense(d, tc.c), mat.NewVecDense(d, tc.c)))
		got, err := W2(a, shuffleRows(r, b))
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-9*want {
			t.Fatalf("case %d: W2 = %.15g, want ||c|| = %.15g", k, got, want)
		}
	}
}

// In one dimension the optimal matching pairs the sorted samples.
func TestW2OneDimensionSorted(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 3))
		n := 2 + r.IntN(300)
		a := randNormal(r, n, 1, 1)
		b := randNormal(r, n, 1, 2)
		if seed%2 == 0 { // ties and a shifted, skewed distribution
			for i := range n {
				b.Set(i, 0, math.Round(3*math.Exp(b.At(i, 0)))/3)
			}
		}
		sa := slices.Clone(a.RawMatrix().Data)
		sb := slices.Clone(b.RawMatrix().Data)
		slices.Sort(sa)
		slices.Sort(sb)
		s := 0.0
		for i := range n {
			s += (sa[i] - sb[i]) * (sa[i] - sb[i])
		}
		want := math.Sqrt(s / float64(n))
		got, err := W2(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-9*(1+want) {
			t.Fatalf("seed %d n=%d: W2 = %.15g, sorted formula %.15g", seed, n, got, want)
		}
	}
}

func TestW2Sinkhorn(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	a := randNormal(r, 60, 2, 0.5)
	b := randNormal(r, 60, 2, 0.5)
	exact, err := W2(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, eps := range []float64{0.3, 0.1, 0.03} {
		got, err := W2Sinkhorn(a, b, eps)
		if err != nil {
			t.Fatal(err)
		}
		// W2^2 <= got^2 <= W2^2 + eps log n, with 1e-6 * max cost of slack
		// for the marginal tolerance (max cost < 50 here).
		lo, hi := exact*exact-5e-5, exact*exact+eps*math.Log(60)+5e-5
		if got*got < lo || got*got > hi {
			t.Fatalf("eps=%v: W2Sinkhorn^2 = %v outside [%v, %v]", eps, got*got, lo, hi)
		}
		t.Logf("eps=%v: W2 %.5f W2Sinkhorn %.5f", eps, exact, got)
	}
	// Different sizes are allowed; a far translated copy is dominated by
	// the translation.
	c := randNormal(r, 40, 2, 0.5)
	for i := range 40 {
		c.Set(i, 0, c.At(i, 0)+10)
	}
	got, err := W2Sinkhorn(a, c, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if got < 9.5 || got > 10.5 {
		t.Fatalf("W2Sinkhorn to a cloud shifted by 10 = %v", got)
	}
}

// line returns n particles moving on straight lines x0 + s(t) (x1 - x0),
// sampled at the given times, where s is the progress function.
func line(x0, x1 *mat.Dense, times []float64, s func(t float64) float64) []*mat.Dense {
	n, d := x0.Dims()
	out := make([]*mat.Dense, len(times))
	for k, t := range times {
		m := mat.NewDense(n, d, nil)
		for i := range n {
			for j := range d {
				m.Set(i, j, x0.At(i, j)+s(t)*(x1.At(i, j)-x0.At(i, j)))
			}
		}
		out[k] = m
	}
	return out
}

func meanSqDisp(x0, x1 *mat.Dense) float64 {
	n, d := x0.Dims()
	s := 0.0
	for i := range n {
		for j := range d {
			t := x1.At(i, j) - x0.At(i, j)
			s += t * t
		}
	}
	return s / float64(n)
}

func TestStraightPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	x0 := randNormal(r, 30, 3, 1)
	x1 := randNormal(r, 30, 3, 1)
	want := meanSqDisp(x0, x1)
	id := func(t float64) float64 { return t }
	cases := []struct {
		name         string
		times        []float64
		s            func(float64) float64
		wantKE, want float64
	}{
		{"two points", []float64{0, 1}, id, want, 1},
		{"uniform steps", []float64{0, 0.25, 0.5, 0.75, 1}, id, want, 1},
		{"uneven steps", []float64{0, 0.1, 0.35, 0.7, 0.72, 1}, id, want, 1},
		// Time interval [0, 2]: speed halves, energy halves, S unchanged.
		{"interval 0..2", []float64{0, 0.5, 2}, func(t float64) float64 { return t / 2 }, want / 2, 1},
		// Straight but not constant speed: 90% of the way in the first
		// half, E = (0.81 + 0.01)/0.5 ||D||^2 = 1.64 ||D||^2, S = 1/1.64.
		{"uneven speed", []float64{0, 0.5, 1}, func(t float64) float64 {
			return map[float64]float64{0: 0, 0.5: 0.9, 1: 1}[t]
		}, 1.64 * want, 1 / 1.64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			traj := line(x0, x1, tc.times, tc.s)
			ke, err := KineticEnergy(traj, tc.times)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ke-tc.wantKE) > 1e-12*tc.wantKE {
				t.Fatalf("KineticEnergy = %.15g, want %.15g", ke, tc.wantKE)
			}
			s, err := Straightness(traj, tc.times)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(s-tc.want) > 1e-12 {
				t.Fatalf("Straightness = %.15g, want %.15g", s, tc.want)
			}
		})
	}
}

// semicircle returns one particle per radius, each running at constant
// speed along the upper half circle of that radius centred at the origin,
// from (r, 0) to (-r, 0), sampled at K+1 equally spaced times in [0, 1].
func semicircle(radii []float64, K int) ([]*mat.Dense, []float64) {
	traj := make([]*mat.Dense, K+1)
	times := make([]float64, K+1)
	for k := range K + 1 {
		t := float64(k) / float64(K)
		times[k] = t
		m := mat.NewDense(len(radii), 2, nil)
		for i, r := range radii {
			m.Set(i, 0, r*math.Cos(math.Pi*t))
			m.Set(i, 1, r*math.Sin(math.Pi*t))
		}
		traj[k] = m
	}
	return traj, times
}

func TestSemicircle(t *testing.T) {
	radii := []float64{0.5, 1, 2}
	meanR2 := (0.25 + 1 + 4) / 3.0
	for _, K := range []int{2, 10, 1000} {
		traj, times := semicircle(radii, K)
		ke, err := KineticEnergy(traj, times)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Straightness(traj, times)
		if err != nil {
			t.Fatal(err)
		}
		// Exact values for the inscribed polygon: K chords of length
		// 2 r sin(pi/(2K)), each in time 1/K.
		chord := float64(K) * math.Sin(math.Pi/(2*float64(K)))
		wantKE := 4 * chord * chord * meanR2
		wantS := 1 / (chord * chord)
		if math.Abs(ke-wantKE) > 1e-12*wantKE || math.Abs(s-wantS) > 1e-12 {
			t.Fatalf("K=%d: KE %.15g S %.15g, want %.15g and %.15g", K, ke, s, wantKE, wantS)
		}
		if K == 1000 {
			// The continuous values: energy (pi r)^2, S = 4/pi^2.
			if math.Abs(ke-math.Pi*math.Pi*meanR2) > 1e-5*ke || math.Abs(s-4/(math.Pi*math.Pi)) > 1e-5 {
				t.Fatalf("K=1000: KE %v S %v, want %v and %v", ke, s, math.Pi*math.Pi*meanR2, 4/(math.Pi*math.Pi))
			}
		}
	}
}

func TestStraightnessSpecialParticles(t *testing.T) {
	// Particle 0 stays put (S = 1 by convention), particle 1 goes out and
	// comes back (S = 0), particle 2 is straight (S = 1): mean 2/3.
	times := []float64{0, 0.5, 1}
	traj := []*mat.Dense{
		mat.NewDense(3, 2, []float64{1, 1, 0, 0, 0, 0}),
		mat.NewDense(3, 2, []float64{1, 1, 1, 0, 1, 1}),
		mat.NewDense(3, 2, []float64{1, 1, 0, 0, 2, 2}),
	}
	s, err := Straightness(traj, times)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s-2.0/3) > 1e-15 {
		t.Fatalf("Straightness = %v, want 2/3", s)
	}
	ke, err := KineticEnergy(traj, times)
	if err != nil {
		t.Fatal(err)
	}
	// Particle 1: 2 steps of length 1 in 0.5 -> 4; particle 2: 2 steps of
	// squared length 2 in 0.5 -> 8. Mean (0 + 4 + 8)/3.
	if math.Abs(ke-4) > 1e-15 {
		t.Fatalf("KineticEnergy = %v, want 4", ke)
	}
}

// KE >= E||x(1) - x(0)||^2 >= W2^2 for any flow (random wiggly paths).
func TestEnergyBounds(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 6))
		n, d, K := 40, 2, 8
		times := make([]float64, K+1)
		traj := make([]*mat.Dense, K+1)
		for k := range K + 1 {
			times[k] = float64(k) / float64(K)
			traj[k] = randNormal(r, n, d, 1)
		}
		ke, err := KineticEnergy(traj, times)
		if err != nil {
			t.Fatal(err)
		}
		disp := meanSqDisp(traj[0], traj[K])
		w, err := W2(traj[0], traj[K])
		if err != nil {
			t.Fatal(err)
		}
		if !(ke >= disp && disp >= w*w-1e-12) {
			t.Fatalf("seed %d: want KE %v >= E|x1-x0|^2 %v >= W2^2 %v", seed, ke, disp, w*w)
		}
		s, _ := Straightness(traj, times)
		if s <= 0 || s >= 1 {
			t.Fatalf("seed %d: straightness %v of random paths not in (0, 1)", seed, s)
		}
	}
}

func TestErrors(t *testing.T) {
	a := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, 2})
	b4 := mat.NewDense(4, 2, nil)
	b3d := mat.NewDense(3, 3, nil)
	nanB := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, math.NaN()})
	infA := mat.NewDense(3, 2, []float64{0, 0, math.Inf(1), 1, 2, 2})
	empty := &mat.Dense{}
	times := []float64{0, 1}
	traj := []*mat.Dense{a, a}
	cases := []struct {
		name string
		fn   func() error
		want string
	}{
		{"W2 sizes", func() error { _, err := W2(a, b4); return err }, "W2 needs equal sample sizes, got n=3 and m=4; subsample the larger set"},
		{"W2 dims", func() error { _, err := W2(a, b3d); return err }, "dimension mismatch, a is 3x2 and b is 3x3"},
		{"W2 empty", func() error { _, err := W2(empty, a); return err }, "a is empty"},
		{"W2 nil", func() error { _, err := W2(a, nil); return err }, "b is nil"},
		{"W2 NaN", func() error { _, err := W2(a, nanB); return err }, "b has a non-finite value NaN at row 2"},
		{"W2 Inf", func() error { _, err := W2(infA, a); return err }, "a has a non-finite value +Inf at row 1"},
		{"Sinkhorn dims", func() error { _, err := W2Sinkhorn(a, b3d, 1); return err }, "dimension mismatch"},
		{"Sinkhorn NaN", func() error { _, err := W2Sinkhorn(nanB, a, 1); return err }, "a has a non-finite value NaN at row 2"},
		{"Sinkhorn empty", func() error { _, err := W2Sinkhorn(a, empty, 1); return err }, "b is empty"},
		{"Sinkhorn eps 0", func() error { _, err := W2Sinkhorn(a, a, 0); return err }, "eps = 0"},
		{"Sinkhorn eps neg", func() error { _, err := W2Sinkhorn(a, a, -0.5); return err }, "eps = -0.5"},
		{"Sinkhorn no convergence", func() error {
			r := rand.New(rand.NewPCG(1, 1))
			_, err := W2Sinkhorn(randNormal(r, 12, 2, 1), randNormal(r, 12, 2, 1), 1e-3)
			return err
		}, "did not converge"},
		{"KE one time", func() error { _, err := KineticEnergy([]*mat.Dense{a}, []float64{0}); return err }, "at least 2 time points, got 1"},
		{"KE len mismatch", func() error { _, err := KineticEnergy(traj, []float64{0, 0.5, 1}); return err }, "2 position matrices but 3 times"},
		{"KE shape", func() error { _, err := KineticEnergy([]*mat.Dense{a, b4}, times); return err }, "traj[1] is 4x2 but traj[0] is 3x2"},
		{"KE dims", func() error { _, err := KineticEnergy([]*mat.Dense{a, b3d}, times); return err }, "traj[1] is 3x3 but traj[0] is 3x2"},
		{"KE nil", func() error { _, err := KineticEnergy([]*mat.Dense{a, nil}, times); return err }, "traj[1] is nil"},
		{"KE empty", func() error { _, err := KineticEnergy([]*mat.Dense{empty, a}, times); return err }, "traj[0] is empty"},
		{"KE NaN", func() error { _, err := KineticEnergy([]*mat.Dense{a, nanB}, times); return err }, "traj[1] has a non-finite value NaN at row 2"},
		{"KE times equal", func() error { _, err := KineticEnergy(traj, []float64{0.5, 0.5}); return err }, "strictly increasing, got times[1] = 0.5 after times[0] = 0.5"},
		{"KE times decreasing", func() error { _, err := KineticEnergy(traj, []float64{1, 0}); return err }, "strictly increasing"},
		{"KE times NaN", func() error { _, err := KineticEnergy(traj, []float64{0, math.NaN()}); return err }, "times[1] = NaN is not finite"},
		{"S one time", func() error { _, err := Straightness(nil, nil); return err }, "at least 2 time points, got 0"},
		{"S times", func() error { _, err := Straightness(traj, []float64{0, -1}); return err }, "strictly increasing"},
		{"S shape", func() error { _, err := Straightness([]*mat.Dense{a, b4}, times); return err }, "traj[1] is 4x2"},
		{"S NaN", func() error { _, err := Straightness([]*mat.Dense{infA, a}, times); return err }, "traj[0] has a non-finite value +Inf at row 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}
