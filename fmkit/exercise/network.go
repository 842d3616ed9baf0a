package exercise

import (
	"errors"
	"fmt"
	"math"
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
)

// Part labels, as the stubs of the exercise notebook name them.
const (
	Part1a = "part 1a (timeEmbedding)"
	Part1b = "part 1b (vTheta)"
	Part2a = "part 2a (linearPath)"
	Part2b = "part 2b (cfmLoss)"
	Part2c = "part 2c (trainCFM)"
	Part3a = "part 3a (eulerSample)"
	Part4b = "part 4b (curvedPath)"
)

// embeddingGrid is the number of times in [0, 1] at which CheckNetwork
// evaluates the time embedding (fine enough to unwrap the phase of
// frequencies up to ~800 rad per unit of t).
const embeddingGrid = 256

// evalEmbedding runs embed on t (shape [len(t)]) and returns its output as a
// matrix, or an error saying what is wrong with it.
func evalEmbedding(embed TimeEmbedding, t []float64) (*mat.Dense, error) {
	var out *mat.Dense
	err := try(func() error {
		backend, err := fmkit.Backend()
		if err != nil {
			return err
		}
		exec, err := NewExec(backend, func(t *Node) *Node { return embed(t) })
		if err != nil {
			return err
		}
		defer exec.Finalize()
		outs, err := exec.Exec(Vector(t))
		if err != nil {
			return err
		}
		dims := outs[0].Shape().Dimensions
		if len(dims) != 2 || dims[0] != len(t) {
			return &shapeError{fmt.Sprintf("for t of shape [%d] it returned shape %s; return one row of features per time, shape [%d, E]",
				len(t), outs[0].Shape(), len(t))}
		}
		out, err = gx.Dense(outs[0])
		return err
	})
	return out, err
}

// sinCosPairs finds pairs of columns (i, j) of emb with emb_i^2 + emb_j^2 = 1
// on every row, each column used once, and estimates the angular frequency
// of each pair from its unwrapped phase over t.
func sinCosPairs(emb *mat.Dense, t []float64) (freqs []float64) {
	n, e := emb.Dims()
	used := make([]bool, e)
	for i := range e {
		for j := i + 1; j < e && !used[i]; j++ {
			if used[j] {
				continue
			}
			ok := true
			for r := range n {
				a, b := emb.At(r, i), emb.At(r, j)
				if math.Abs(a*a+b*b-1) > 2e-3 {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			used[i], used[j] = true, true
			// Phase theta(t) = atan2(col i, col j), unwrapped.
			prev := math.Atan2(emb.At(0, i), emb.At(0, j))
			total := 0.0
			for r := 1; r < n; r++ {
				cur := math.Atan2(emb.At(r, i), emb.At(r, j))
				d := cur - prev
				d -= 2 * math.Pi * math.Round(d/(2*math.Pi))
				total += d
				prev = cur
			}
			freqs = append(freqs, math.Abs(total/(t[n-1]-t[0])))
		}
	}
	sort.Float64s(freqs)
	return freqs
}

// CheckNetwork grades part 1: the time embedding and the network v_theta.
//
// The time embedding is evaluated at 256 times in [0, 1]: it must return
// shape [B, E], finite values, at least two pairs of columns with
// sin^2 + cos^2 = 1 (the sinusoidal code of several frequencies omega_k) at
// distinct frequencies, and different codes for different times.
//
// v_theta is built with fresh weights (seed 1) on 7 points: it must return
// shape [7, 2], finite values, have trainable weights, depend on t, be
// nonlinear in x, and treat the points of a batch independently (the same
// rows evaluated as a batch of 3 give the same velocities, with the weights
// reused).
func CheckNetwork(embed TimeEmbedding, v Field) *Report {
	r := &Report{Title: "Check of part 1: time embedding and network v_θ(t, x)"}
	checkEmbedding(r, embed)
	checkField(r, v)
	r.Show()
	return r
}

func checkEmbedding(r *Report, embed TimeEmbedding) {
	const name = "1a time embedding"
	t := make([]float64, embeddingGrid)
	for i := range t {
		t[i] = float64(i) / float64(embeddingGrid-1)
	}
	emb, err := evalEmbedding(embed, t)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.Fail(name+": shape", "%s", se.msg)
			return
		}
		r.Error(name, err, "timeEmbedding(t) failed for t of shape [256]")
		return
	}
	n, e := emb.Dims()
	r.Pass(name+": shape", "[%d, %d] for t of shape [%d]", n, e, n)
	if !r.Check(name+": finite", finite(emb), "no NaN or Inf for t in [0, 1]",
		"some features are NaN or Inf for t in [0, 1]: look for a division or a log") {
		return
	}
	freqs := sinCosPairs(emb, t)
	distinct := 0
	for i := range freqs {
		if i == 0 || freqs[i]-freqs[i-1] > 1e-3*freqs[i] {
			distinct++
		}
	}
	switch {
	case distinct >= 2:
		r.Pass(name+": sinusoidal", "%d sin/cos pairs, ω from %.3g to %.3g", len(freqs), freqs[0], freqs[len(freqs)-1])
	case len(freqs) == 0:
		r.Fail(name+": sinusoidal", "no pair of columns (sin(ω t), cos(ω t)) found: for each frequency ω_k add the two features sin(ω_k t) and cos(ω_k t)")
	default:
		r.Fail(name+": sinusoidal", "only one frequency (ω = %.3g): use K >= 2 frequencies, e.g. a geometric ladder ω_k = ω_max^(k/(K-1)), as the Transformer uses a ladder of wavelengths", freqs[0])
	}
	// Different times must get different codes.
	minDist, at := math.Inf(1), [2]float64{}
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := 0.0
			for k := range e {
				x := emb.At(i, k) - emb.At(j, k)
				d += x * x
			}
			if d < minDist {
				minDist, at = d, [2]float64{t[i], t[j]}
			}
		}
	}
	minDist = math.Sqrt(minDist)
	r.Check(name+": tells times apart", minDist > 1e-3,
		fmt.Sprintf("the closest codes of two of the 256 times are %.3g apart", minDist),
		fmt.Sprintf("t = %.3f and t = %.3f get the same code (distance %.2g): with frequencies that are multiples of 2π, t = 0 and t = 1 coincide; include t itself or a frequency below 2π", at[0], at[1], minDist))
}

// fieldPoints are the 7 points of CheckField.
var fieldPoints = mat.NewDense(7, 2, []float64{
	0, 0, 1, 0, -0.5, 0.8, 1.5, -1, -1.2, -0.3, 0.3, 2, 2, 0.5,
})

func checkField(r *Report, v Field) {
	const name = "1b v_θ"
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(1)
	m := NewModel("fresh", v, ctx)
	n, _ := fieldPoints.Dims()
	tMid := make([]float64, n)
	for i := range tMid {
		tMid[i] = 0.1 + 0.8*float64(i)/float64(n-1)
	}
	out, err := m.eval(tMid, fieldPoints)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.Fail(name+": shape", "%s (end with a dense layer of 2 units)", se.msg)
			return
		}
		r.Error(name, err, "vTheta(ctx, t, x) failed for t of shape [7] and x of shape [7, 2]")
		return
	}
	r.Pass(name+": shape", "[7, 2] for t of shape [7] and x of shape [7, 2]")
	if !r.Check(name+": finite", finite(out), "no NaN or Inf", "the velocity has NaN or Inf values: look at divisions, logs and the initialisation of the weights") {
		return
	}
	params := numParams(m.ctx)
	if !r.Check(name+": has weights", params > 0, fmt.Sprintf("%d trainable weights", params),
		"no trainable variables in ctx: create the layers with field.Linear(ctx.In(\"...\"), h, units) (or layers.Dense) so that training has something to fit") {
		return
	}
	// Depends on t.
	t1, t9 := make([]float64, n), make([]float64, n)
	for i := range n {
		t1[i], t9[i] = 0.1, 0.9
	}
	v1, err1 := m.eval(t1, fieldPoints)
	v9, err9 := m.eval(t9, fieldPoints)
	if err := errors.Join(err1, err9); err != nil {
		r.Error(name+": uses t", err, "evaluating v_θ at t = 0.1 and t = 0.9 failed")
		return
	}
	dt := maxAbsDiff(v1, v9)
	r.Check(name+": uses t", dt > 1e-5, fmt.Sprintf("v_θ(0.1, x) and v_θ(0.9, x) differ by up to %.3g", dt),
		"v_θ(t, x) does not change with t: concatenate timeEmbedding(t) to x before the first layer")
	// Nonlinear in x: v((x+y)/2) != (v(x) + v(y))/2.
	a := mat.DenseCopyOf(fieldPoints)
	b := mat.NewDense(n, 2, nil)
	for i := range n {
		b.Set(i, 0, -fieldPoints.At(n-1-i, 1))
		b.Set(i, 1, fieldPoints.At(n-1-i, 0)*1.3)
	}
	mid := mat.NewDense(n, 2, nil)
	mid.Add(a, b)
	mid.Scale(0.5, mid)
	va, errA := m.eval(tMid, a)
	vb, errB := m.eval(tMid, b)
	vm, errM := m.eval(tMid, mid)
	if err := errors.Join(errA, errB, errM); err != nil {
		r.Error(name+": nonlinear", err, "")
		return
	}
	avg := mat.NewDense(n, 2, nil)
	avg.Add(va, vb)
	avg.Scale(0.5, avg)
	nl := maxAbsDiff(vm, avg)
	r.Check(name+": nonlinear in x", nl > 1e-4, fmt.Sprintf("v_θ((x+y)/2) differs from (v_θ(x)+v_θ(y))/2 by up to %.3g", nl),
		"v_θ is affine in x: put a nonlinear activation (e.g. activations.Swish) after each hidden layer")
	// Points are independent and the weights are reused: rows 0..2 alone.
	sub := mat.DenseCopyOf(fieldPoints.Slice(0, 3, 0, 2))
	vs, err := m.eval(tMid[:3], sub)
	if err != nil {
		r.Error(name+": batch of 3", err, "v_θ failed on a batch of 3 points with the same weights (does it hard-code the batch size, or create new variables when called again?)")
		return
	}
	d := maxAbsDiff(vs, mat.DenseCopyOf(out.Slice(0, 3, 0, 2)))
	r.Check(name+": points independent", d < 1e-4, fmt.Sprintf("the first 3 points give the same velocities alone (diff %.2g)", d),
		fmt.Sprintf("the first 3 points get other velocities when evaluated alone (diff %.3g): v_θ must not mix the points of a batch (no reduction over axis 0)", d))
}
