package ot

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
)

func randPoints(r *rand.Rand, n, d int) *mat.Dense {
	data := make([]float64, n*d)
	for i := range data {
		data[i] = r.Float64()
	}
	return mat.NewDense(n, d, data)
}

// bruteForce returns the minimal assignment cost over all permutations.
func bruteForce(c *mat.Dense) float64 {
	n, _ := c.Dims()
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	best := math.Inf(1)
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			s := 0.0
			for i, j := range perm {
				s += c.At(i, j)
			}
			best = min(best, s)
			return
		}
		for i := k; i < n; i++ {
			perm[k], perm[i] = perm[i], perm[k]
			rec(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	rec(0)
	return best
}

func checkPerm(t *testing.T, perm []int, n int) {
	t.Helper()
	if len(perm) != n {
		t.Fatalf("perm has length %d, want %d", len(perm), n)
	}
	seen := make([]bool, n)
	for i, j := range perm {
		if j < 0 || j >= n || seen[j] {
			t.Fatalf("perm is not a permutation: perm[%d] = %d (perm %v)", i, j, perm)
		}
		seen[j] = true
	}
}

func checkSum(t *testing.T, c *mat.Dense, perm []int, total float64) {
	t.Helper()
	s := 0.0
	for i, j := range perm {
		s += c.At(i, j)
	}
	if math.Abs(s-total) > 1e-9*(1+math.Abs(s)) {
		t.Fatalf("total = %v but the matched entries sum to %v", total, s)
	}
}

func TestAssignBruteForce(t *testing.T) {
	gens := []struct {
		name string
		gen  func(r *rand.Rand) float64
	}{
		{"uniform", func(r *rand.Rand) float64 { return r.Float64() }},
		{"negative", func(r *rand.Rand) float64 { return 10*r.Float64() - 7 }},
		{"ties", func(r *rand.Rand) float64 { return float64(r.IntN(3)) }},
		{"ties-negative", func(r *rand.Rand) float64 { return float64(r.IntN(4) - 2) }},
		{"all-equal", func(r *rand.Rand) float64 { return 1.5 }},
		{"binary", func(r *rand.Rand) float64 { return float64(r.IntN(2)) }},
		{"wide-range", func(r *rand.Rand) float64 { return math.Exp(20 * (r.Float64() - 0.5)) }},
	}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			for seed := range uint64(60) {
				r := rand.New(rand.NewPCG(seed, 7))
				n := 1 + int(seed%7)
				data := make([]float64, n*n)
				for i := range data {
					data[i] = g.gen(r)
				}
				c := mat.NewDense(n, n, data)
				before := mat.DenseCopyOf(c)
				perm, total, err := Assign(c)
				if err != nil {
					t.Fatal(err)
				}
				checkPerm(t, perm, n)
				checkSum(t, c, perm, total)
				if want := bruteForce(c); math.Abs(total-want) > 1e-9*(1+math.Abs(want)) {
					t.Fatalf("seed %d n=%d: Assign total %v, brute force %v\n%v", seed, n, total, want, mat.Formatted(c))
				}
				if !mat.Equal(c, before) {
					t.Fatal("Assign modified its input")
				}
			}
		})
	}
}

func TestAssignGeometricBruteForce(t *testing.T) {
	// Squared Euclidean costs, the use case: compare with brute force.
	for seed := range uint64(100) {
		r := rand.New(rand.NewPCG(seed, 11))
		n := 2 + int(seed%6)
		a, b := randPoints(r, n, 2), randPoints(r, n, 2)
		perm, total, err := Match(a, b)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := SqEuclidean(a, b)
		checkPerm(t, perm, n)
		if want := bruteForce(c); math.Abs(total-want) > 1e-12 {
			t.Fatalf("seed %d: Match total %v, brute force %v", seed, total, want)
		}
	}
}

// hungarian is an independent O(n^3) reference: the classical Hungarian
// method with row and column potentials, adding one row at a time.
func hungarian(c *mat.Dense) float64 {
	n, _ := c.Dims()
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1) // p[j]: row (1-based) matched to column j, 0 = none
	way := make([]int, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for p[j0] != 0 {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if !used[j] {
					cur := c.At(i0-1, j-1) - u[i0] - v[j]
					if cur < minv[j] {
						minv[j], way[j] = cur, j0
					}
					if minv[j] < delta {
						delta, j1 = minv[j], j
					}
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	total := 0.0
	for j := 1; j <= n; j++ {
		total += c.At(p[j]-1, j-1)
	}
	return total
}

// Medium sizes against the reference, including heavy ties (small
// integer costs), where the tie-handling paths of Assign are exercised.
func TestAssignVsHungarian(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 13))
		n := 8 + r.IntN(120)
		data := make([]float64, n*n)
		switch seed % 4 {
		case 0:
			for i := range data {
				data[i] = float64(r.IntN(5) - 2)
			}
		case 1:
			for i := range data {
				data[i] = r.NormFloat64() * 100
			}
		case 2:
			a, b := randPoints(r, n, 2), randPoints(r, n, 2)
			c, _ := SqEuclidean(a, b)
			copy(data, c.RawMatrix().Data)
		case 3: // clustered points: many near-equal costs
			for i := range data {
				data[i] = float64(r.IntN(3)) + 1e-9*r.Float64()
			}
		}
		c := mat.NewDense(n, n, data)
		perm, total, err := Assign(c)
		if err != nil {
			t.Fatal(err)
		}
		checkPerm(t, perm, n)
		checkSum(t, c, perm, total)
		if want := hungarian(c); math.Abs(total-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("seed %d n=%d: Assign %v, Hungarian %v", seed, n, total, want)
		}
	}
}

// A known instance: the optimum is the anti-diagonal, not the greedy choice.
func TestAssignKnown(t *testing.T) {
	c := mat.NewDense(3, 3, []float64{
		1, 2, 3,
		2, 4, 6,
		3, 6, 9,
	})
	perm, total, err := Assign(c)
	if err != nil {
		t.Fatal(err)
	}
	if total != 10 || perm[0] != 2 || perm[1] != 1 || perm[2] != 0 {
		t.Fatalf("got perm %v total %v, want [2 1 0] and 10", perm, total)
	}
}

func TestAssignLarge(t *testing.T) {
	for _, n := range []int{256, 1000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		a, b := randPoints(r, n, 2), randPoints(r, n, 2)
		c, err := SqEuclidean(a, b)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		perm, total, err := Assign(c)
		el := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("Assign n=%d: %v, total %.6g", n, el, total)
		// Measured ~0.1-0.2 s at n=1000 on one core; 10x slack for busy
		// machines still catches an accidental O(n^4).
		if n == 1000 && el > 3*time.Second && !testing.Short() {
			t.Errorf("Assign n=1000 took %v, expected well under 1 s", el)
		}
		checkPerm(t, perm, n)
		checkSum(t, c, perm, total)
		// Optimality: no improvement by swapping partners of two rows
		// (a necessary condition, checked for all pairs).
		for i := range n {
			for k := i + 1; k < n; k++ {
				d := c.At(i, perm[k]) + c.At(k, perm[i]) - c.At(i, perm[i]) - c.At(k, perm[k])
				if d < -1e-12 {
					t.Fatalf("swapping rows %d and %d improves the cost by %v", i, k, -d)
				}
			}
		}
		// The identity is a feasible assignment, so it cannot be cheaper.
		id := 0.0
		for i := range n {
			id += c.At(i, i)
		}
		if id < total {
			t.Fatalf("identity cost %v < Assign cost %v", id, total)
		}
	}
}

// Sinkhorn at small eps approaches the exact OT cost from above:
// OT <= <P_eps, C> <= OT + eps log n (see the package doc), up to the
// marginal error, which changes <P, C> by at most MarginalErr * max(C).
func TestSinkhornVsExact(t *testing.T) {
	const n = 50
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 3))
		a, b := randPoints(r, n, 2), randPoints(r, n, 2)
		c, _ := SqEuclidean(a, b)
		_, total, err := Assign(c)
		if err != nil {
			t.Fatal(err)
		}
		exact := total / n
		prev := math.Inf(1)
		for _, eps := range []float64{3e-2, 1e-2, 3e-3} {
			plan, err := Sinkhorn(c, eps, 100000, 1e-7)
			if err != nil {
				t.Fatal(err)
			}
			if !plan.Converged {
				t.Fatalf("eps=%v: not converged after %d iterations, error %v", eps, plan.Iter, plan.MarginalErr)
			}
			slack := plan.MarginalErr * mat.Max(c)
			if plan.Cost < exact-slack-1e-12 || plan.Cost > exact+eps*math.Log(n)+slack {
				t.Fatalf("seed %d eps=%v: Sinkhorn cost %v outside [OT, OT + eps log n] = [%v, %v]",
					seed, eps, plan.Cost, exact, exact+eps*math.Log(n))
			}
			// <P_eps, C> is non-decreasing in eps.
			if plan.Cost > prev+1e-9 {
				t.Fatalf("seed %d: cost %v at eps=%v exceeds %v at a larger eps", seed, plan.Cost, eps, prev)
			}
			prev = plan.Cost
			t.Logf("seed %d eps=%g: exact %.6f sinkhorn %.6f (bound +%.4f) iters %d", seed, eps, exact, plan.Cost, eps*math.Log(n), plan.Iter)
		}
	}
}

func TestSinkhornMarginals(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	// Two far-apart clusters with equal mass in each (n != m): within
	// cluster costs are < 3, across about 300, so exp(-C/eps) underflows
	// to 0 for the cross entries.
	a, b := randPoints(r, 30, 3), randPoints(r, 44, 3)
	for i := range 15 {
		for j := range 3 {
			a.Set(i, j, a.At(i, j)+10)
		}
	}
	for i := range 22 {
		for j := range 3 {
			b.Set(i, j, b.At(i, j)+10)
		}
	}
	c, _ := SqEuclidean(a, b)
	for _, eps := range []float64{1, 0.2, 0.05} {
		plan, err := Sinkhorn(c, eps, 100000, 1e-8)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Converged {
			t.Fatalf("eps=%v not converged: %v after %d", eps, plan.MarginalErr, plan.Iter)
		}
		t.Logf("eps=%v: %d iterations", eps, plan.Iter)
		if eps == 0.05 {
			// Mass stays within its cluster.
			cross := 0.0
			for i := range 30 {
				for j := range 44 {
					if (i < 15) != (j < 22) {
						cross += plan.P.At(i, j)
					}
				}
			}
			if cross > 1e-12 {
				t.Fatalf("cross-cluster mass %v", cross)
			}
		}
		n, m := plan.P.Dims()
		rowErr, colErr, cost := 0.0, 0.0, 0.0
		for i := range n {
			rowErr += math.Abs(mat.Sum(plan.P.RowView(i)) - 1.0/30)
		}
		for j := range m {
			colErr += math.Abs(mat.Sum(plan.P.ColView(j)) - 1.0/44)
		}
		for i := range n {
			for j := range m {
				if p := plan.P.At(i, j); p < 0 || math.IsNaN(p) {
					t.Fatalf("bad plan entry %v", p)
				}
				cost += plan.P.At(i, j) * c.At(i, j)
			}
		}
		if rowErr > 1e-8+1e-14 || math.Abs(rowErr-plan.MarginalErr) > 1e-12 {
			t.Fatalf("eps=%v: row marginal error %v, reported %v", eps, rowErr, plan.MarginalErr)
		}
		if colErr > 1e-12 {
			t.Fatalf("eps=%v: column marginal error %v", eps, colErr)
		}
		if math.Abs(cost-plan.Cost) > 1e-12 {
			t.Fatalf("eps=%v: <P,C> = %v, reported %v", eps, cost, plan.Cost)
		}
	}
}

// Adding a constant to all costs changes neither the entropic plan nor
// the iterations (it cancels in the normalisations). With +1000 and
// eps = 0.5, exp(-C/eps) underflows to 0 for every entry, so a Sinkhorn on
// the scalings exp(f/eps) would produce 0/0; the log domain does not care.
func TestSinkhornShiftInvariance(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	c, _ := SqEuclidean(randPoints(r, 20, 2), randPoints(r, 25, 2))
	shifted := mat.NewDense(20, 25, nil)
	shifted.Apply(func(_, _ int, v float64) float64 { return v + 1000 }, c)
	p1, err := Sinkhorn(c, 0.5, 1000, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Sinkhorn(shifted, 0.5, 1000, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	if !p1.Converged || !p2.Converged {
		t.Fatalf("not converged: %+v %+v", p1.MarginalErr, p2.MarginalErr)
	}
	if !mat.EqualApprox(p1.P, p2.P, 1e-9) {
		t.Fatal("plans differ after shifting the costs by a constant")
	}
	if math.Abs(p2.Cost-p1.Cost-1000) > 1e-6 {
		t.Fatalf("costs %v and %v do not differ by 1000", p1.Cost, p2.Cost)
	}
}

func TestSinkhornLargeEpsIsIndependent(t *testing.T) {
	// eps -> infinity: the plan tends to the product measure.
	c := mat.NewDense(2, 3, []float64{0, 1, 2, 3, 4, 5})
	plan, err := Sinkhorn(c, 1e9, 100, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		for j := range 3 {
			if math.Abs(plan.P.At(i, j)-1.0/6) > 1e-8 {
				t.Fatalf("P[%d,%d] = %v, want 1/6", i, j, plan.P.At(i, j))
			}
		}
	}
}

func TestSinkhornNotConverged(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	c, _ := SqEuclidean(randPoints(r, 20, 2), randPoints(r, 20, 2))
	plan, err := Sinkhorn(c, 1e-4, 1, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Converged || plan.Iter != 1 {
		t.Fatalf("got Converged=%v Iter=%d, want false and 1", plan.Converged, plan.Iter)
	}
}

func TestSqEuclidean(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{0, 0, 1, 2})
	b := mat.NewDense(3, 2, []float64{0, 0, 3, 4, -1, 2})
	c, err := SqEuclidean(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(2, 3, []float64{0, 25, 5, 5, 8, 4})
	if !mat.Equal(c, want) {
		t.Fatalf("got\n%v\nwant\n%v", mat.Formatted(c), mat.Formatted(want))
	}
	// Works on views with a stride.
	big := mat.NewDense(3, 3, []float64{0, 0, 9, 1, 2, 9, 9, 9, 9})
	c2, err := SqEuclidean(big.Slice(0, 2, 0, 2).(*mat.Dense), b)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(c2, want) {
		t.Fatalf("view: got\n%v", mat.Formatted(c2))
	}
}

func TestErrors(t *testing.T) {
	ok := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	nan := mat.NewDense(2, 2, []float64{1, 2, math.NaN(), 4})
	inf := mat.NewDense(2, 2, []float64{1, math.Inf(-1), 3, 4})
	three := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	threeRows := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	empty := &mat.Dense{}
	cases := []struct {
		name string
		fn   func() error
		want string
	}{
		{"sq dim mismatch", func() error { _, err := SqEuclidean(ok, three); return err }, "dimension mismatch"},
		{"sq nil", func() error { _, err := SqEuclidean(nil, ok); return err }, "a is nil"},
		{"sq empty", func() error { _, err := SqEuclidean(ok, empty); return err }, "b is empty"},
		{"sq nan", func() error { _, err := SqEuclidean(nan, ok); return err }, "a has a non-finite value NaN at row 1, column 0"},
		{"sq inf", func() error { _, err := SqEuclidean(ok, inf); return err }, "b has a non-finite value -Inf at row 0, column 1"},
		{"assign rect", func() error { _, _, err := Assign(three); return err }, "must be square"},
		{"assign empty", func() error { _, _, err := Assign(empty); return err }, "nil or empty"},
		{"assign nil", func() error { _, _, err := Assign(nil); return err }, "nil or empty"},
		{"assign nan", func() error { _, _, err := Assign(nan); return err }, "cost[1, 0] = NaN"},
		{"assign inf", func() error { _, _, err := Assign(inf); return err }, "cost[0, 1] = -Inf"},
		{"match sizes", func() error { _, _, err := Match(ok, threeRows); return err }, "same number of points"},
		{"match dims", func() error { _, _, err := Match(ok, mat.NewDense(2, 3, nil)); return err }, "dimension mismatch"},
		{"sinkhorn eps 0", func() error { _, err := Sinkhorn(ok, 0, 10, 1e-6); return err }, "eps = 0"},
		{"sinkhorn eps neg", func() error { _, err := Sinkhorn(ok, -1, 10, 1e-6); return err }, "eps = -1"},
		{"sinkhorn eps nan", func() error { _, err := Sinkhorn(ok, math.NaN(), 10, 1e-6); return err }, "eps = NaN"},
		{"sinkhorn maxIter", func() error { _, err := Sinkhorn(ok, 1, 0, 1e-6); return err }, "maxIter = 0"},
		{"sinkhorn tol", func() error { _, err := Sinkhorn(ok, 1, 10, -1); return err }, "tol = -1"},
		{"sinkhorn nan", func() error { _, err := Sinkhorn(nan, 1, 10, 1e-6); return err }, "cost[1, 0] = NaN"},
		{"sinkhorn empty", func() error { _, err := Sinkhorn(empty, 1, 10, 1e-6); return err }, "nil or empty"},
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

func benchAssign(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	c, _ := SqEuclidean(randPoints(r, n, 2), randPoints(r, n, 2))
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Assign(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssign1000(b *testing.B) { benchAssign(b, 1000) }
func BenchmarkAssign256(b *testing.B)  { benchAssign(b, 256) }
