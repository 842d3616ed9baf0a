package coupling

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
)

// bruteForce is the minimum over all permutations of the mean squared
// pair length, by enumeration (Heap's algorithm).
func bruteForce(x0, x1 *mat.Dense) float64 {
	n, _ := x0.Dims()
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	cost := func() float64 {
		s := 0.0
		for i, j := range perm {
			a, b := x1.RawRowView(i), x0.RawRowView(j)
			for k := range a {
				s += (a[k] - b[k]) * (a[k] - b[k])
			}
		}
		return s / float64(n)
	}
	best := cost()
	c := make([]int, n)
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				perm[0], perm[i] = perm[i], perm[0]
			} else {
				perm[c[i]], perm[i] = perm[i], perm[c[i]]
			}
			best = min(best, cost())
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return best
}

// Exact minibatch OT has the cost of the brute-force optimum on every
// small instance, and is a permutation of x0.
func TestExactOTMatchesBruteForce(t *testing.T) {
	rng := data.NewRand(1)
	for n := 1; n <= 8; n++ {
		for trial := range 25 {
			x0 := data.Gaussian{D: 2}.Sample(n, rng)
			x1 := data.Moons{}.Sample(n, rng)
			if trial%5 == 0 {
				// Ties: integer points.
				for i := range n {
					for j := range 2 {
						x0.Set(i, j, math.Round(2*x0.At(i, j)))
						x1.Set(i, j, math.Round(2*x1.At(i, j)))
					}
				}
			}
			paired, err := ExactOT{}.Pair(x0, x1, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Cost(paired, x1)
			want := bruteForce(x0, x1)
			if math.Abs(got-want) > 1e-12*(1+want) {
				t.Fatalf("n=%d trial %d: OT cost %.15g, brute force %.15g", n, trial, got, want)
			}
			assertPermutation(t, x0, paired)
		}
	}
}

func assertPermutation(t *testing.T, x0, paired *mat.Dense) {
	t.Helper()
	n, _ := x0.Dims()
	used := make([]bool, n)
	for i := range n {
		found := false
		for j := range n {
			if !used[j] && mat.Equal(x0.RowView(j), paired.RowView(i)) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			t.Fatalf("row %d of the pairing is not a distinct row of x0", i)
		}
	}
}

// On minibatches of 256, exact OT never costs more than the independent
// pairing. The expected pair cost of the Sinkhorn plan <P_eps, C> lies
// between the two and grows with eps (near OT for small eps, near the
// independent mean for large eps); a pairing sampled from it keeps x1 and
// draws partners among the rows of x0 (with replacement, so one sampled
// pairing can even cost less than the best permutation).
func TestCostOrdering(t *testing.T) {
	rng := data.NewRand(2)
	for trial := range 50 {
		x0 := data.Gaussian{D: 2}.Sample(256, rng)
		x1 := data.Moons{}.Sample(256, rng)
		ind, _ := Cost(x0, x1)
		p, err := ExactOT{}.Pair(x0, x1, nil)
		if err != nil {
			t.Fatal(err)
		}
		otc, _ := Cost(p, x1)
		if otc > ind {
			t.Errorf("trial %d: OT cost %.4f > independent %.4f", trial, otc, ind)
		}
		if trial >= 2 {
			continue // Sinkhorn is slower: two trials
		}
		// The mean over all pairs is the cost of the product plan.
		all := 0.0
		for i := range 256 {
			for j := range 256 {
				a, b := x0.RawRowView(j), x1.RawRowView(i)
				all += ((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1])) / (256 * 256)
			}
		}
		prev := otc
		for k, eps := range []float64{0.1, 1, 1000} {
			s := Sinkhorn{Eps: eps}
			plan, err := s.Plan(x0, x1)
			if err != nil {
				t.Fatalf("eps %g: %v", eps, err)
			}
			if plan.Cost < prev-1e-6 {
				t.Errorf("eps %g: plan cost %.4f below %.4f (OT optimum or smaller eps)", eps, plan.Cost, prev)
			}
			if k == 0 && plan.Cost > otc*1.25 {
				t.Errorf("eps %g: plan cost %.4f is not near the OT cost %.4f", eps, plan.Cost, otc)
			}
			prev = plan.Cost
			ps, err := s.Pair(x0, x1, rng)
			if err != nil {
				t.Fatal(err)
			}
			rows := map[[2]float64]bool{}
			for j := range 256 {
				rows[[2]float64{x0.At(j, 0), x0.At(j, 1)}] = true
			}
			for i := range 256 {
				if !rows[[2]float64{ps.At(i, 0), ps.At(i, 1)}] {
					t.Fatalf("eps %g: sampled partner %d is not a row of x0", eps, i)
				}
			}
		}
		if math.Abs(prev-all) > 0.01*all {
			t.Errorf("eps 1000: plan cost %.4f is not near the product-plan cost %.4f", prev, all)
		}
		t.Logf("trial %d: OT %.3f <= independent %.3f; Sinkhorn plan at eps=1000 %.3f ~ product plan %.3f", trial, otc, ind, prev, all)
	}
}

func TestBadInput(t *testing.T) {
	x0, _ := data.Sample("gaussian", 5, 1)
	x1, _ := data.Sample("moons", 4, 1)
	for _, c := range []Coupling{Independent{}, ExactOT{}, Sinkhorn{Eps: 0.1}} {
		if _, err := c.Pair(x0, x1, data.NewRand(1)); err == nil || !strings.Contains(err.Error(), "same size") {
			t.Errorf("%s: different sizes: got %v", c.Name(), err)
		}
	}
	x1, _ = data.Sample("moons", 5, 1)
	for _, eps := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := (Sinkhorn{Eps: eps}).Pair(x0, x1, data.NewRand(1)); err == nil || !strings.Contains(err.Error(), "Eps must be") {
			t.Errorf("eps %v: got %v", eps, err)
		}
		if _, err := Lookup("sinkhorn", eps); err == nil {
			t.Errorf("Lookup sinkhorn eps %v accepted", eps)
		}
	}
	if _, err := Lookup("greedy", 0); err == nil || !strings.Contains(err.Error(), "independent, ot, sinkhorn") {
		t.Errorf("unknown name: got %v", err)
	}
	bad := mat.DenseCopyOf(x0)
	bad.Set(2, 0, math.NaN())
	if _, err := (ExactOT{}).Pair(bad, x1, nil); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN: got %v", err)
	}
	if _, err := (Sinkhorn{Eps: 1e-3, MaxIter: 10}).Pair(x0, x1, data.NewRand(1)); err == nil || !strings.Contains(err.Error(), "larger Eps") {
		t.Errorf("no convergence: got %v", err)
	}
}
