package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/path"
)

// XLAStepsPerCall is how many training steps a call of StepsOn takes on XLA
// by default (StepsPerCall). Measured with `go run ./cmd/fmbench -backends
// xla:cpu -train-steps-per-call K` (docs/performance.md): a call costs a
// fixed ~0.3-0.4 ms on top of its steps (moving the batch, starting the
// executable, reading the loss back), so that 16 steps per call ran 1.4-1.6x
// faster than one; 32 gained nothing more.
const XLAStepsPerCall = 16

// StepsPerCall is how many training steps one executable call takes on
// backend b at full speed: XLAStepsPerCall on XLA; 1 on GoMLX's pure-Go
// backend, which has no per-call cost worth amortising (it runs every op as
// a Go function either way).
func StepsPerCall(b backends.Backend) int {
	if b != nil && strings.HasPrefix(strings.ToLower(b.Name()), "xla") {
		return XLAStepsPerCall
	}
	return 1
}

// MultiStepMinSteps is the shortest run that Train takes StepsPerCall steps
// per call for. The k-step graph holds k copies of the step, and XLA's CPU
// compiler took 4-10 s for 16 copies (1.3 s for one) on this project's 2-core
// machine, while the call it saves is ~0.3 ms per step: the compilation pays
// for itself after ~15,000-30,000 steps. Shorter runs, all of the course's,
// take one step per call.
const MultiStepMinSteps = 30000

// Batches is k training batches made ready for one call of the k-step
// executable (PrepareBatches, StepsOn): the times t [k, B], the points x_t
// [k, B, d] and the regression targets [k, B, d] (u_t, or the noise of a
// score model), as float32 tensors. The tensors move to the backend on the
// first StepsOn and stay there: calling StepsOn again with the same Batches
// transfers nothing (what a benchmark on fixed batches wants).
type Batches struct {
	K         int
	t, xt, ut *tensors.Tensor
}

// PrepareBatches builds, for batch k of ts, x0s and x1s (each (t, x0, x1)
// as Draw returns them), x_t and its regression target on the configured
// path (as StepOn does) and converts all k batches to float32 in one
// Batches. It fails for a conditional model (StepOnLabelled) and for batches
// of another size than the trainer's.
func (tr *Trainer) PrepareBatches(ts [][]float64, x0s, x1s []*mat.Dense) (*Batches, error) {
	if tr.Config.Classes > 0 {
		return nil, fmt.Errorf("train: the model is conditional (%d classes): StepsOn takes unlabelled batches; use StepOnLabelled", tr.Config.Classes)
	}
	k := len(ts)
	if k == 0 || len(x0s) != k || len(x1s) != k {
		return nil, fmt.Errorf("train: PrepareBatches needs as many t, x0 and x1 as batches (at least one), got %d, %d and %d", len(ts), len(x0s), len(x1s))
	}
	bs, d := tr.Config.Batch, tr.Config.Field.Dim
	tf := make([]float32, k*bs)
	xt := make([]float32, k*bs*d)
	ut := make([]float32, k*bs*d)
	for i := range k {
		s, err := path.Interpolate(tr.path, ts[i], x0s[i], x1s[i])
		if err != nil {
			return nil, err
		}
		if n, _ := s.XT.Dims(); n != bs {
			return nil, fmt.Errorf("train: batch %d has %d pairs, the trainer was configured for %d", i, n, bs)
		}
		for j, v := range ts[i] {
			tf[i*bs+j] = float32(v)
		}
		fill32(xt[i*bs*d:(i+1)*bs*d], s.XT)
		fill32(ut[i*bs*d:(i+1)*bs*d], tr.Config.regressionTarget(s))
	}
	return &Batches{K: k,
		t:  tensors.FromFlatDataAndDimensions(tf, k, bs),
		xt: tensors.FromFlatDataAndDimensions(xt, k, bs, d),
		ut: tensors.FromFlatDataAndDimensions(ut, k, bs, d)}, nil
}

// fill32 copies m (r x c) row-major into dst.
func fill32(dst []float32, m *mat.Dense) {
	raw := m.RawMatrix()
	i := 0
	for r := range raw.Rows {
		for _, v := range raw.Data[r*raw.Stride : r*raw.Stride+raw.Cols] {
			dst[i] = float32(v)
			i++
		}
	}
}

// StepsOn takes b.K Adam steps in one executable call, step k on batch k of
// b at learning rate lrs[k]: the same updates, in the same order, as b.K
// calls of StepOn on those batches (to float32 rounding; the compiled graph
// holds b.K copies of the step, one after the other). It returns the b.K
// batch losses and appends them to History; a NaN or Inf loss is an error
// naming its step.
func (tr *Trainer) StepsOn(b *Batches, lrs []float64) ([]float64, error) {
	if b == nil || len(lrs) != b.K {
		k := 0
		if b != nil {
			k = b.K
		}
		return nil, fmt.Errorf("train: StepsOn needs one learning rate per batch: %d batches, %d rates", k, len(lrs))
	}
	if tr.multi == nil {
		exec, err := context.NewExec(tr.backend, tr.ctx, tr.stepsGraph)
		if err != nil {
			return nil, fmt.Errorf("train: building the %d-step training call: %w", b.K, err)
		}
		tr.multi = exec
	}
	lr := make([]float32, b.K)
	for i, v := range lrs {
		lr[i] = float32(v)
	}
	outs, err := tr.multi.Exec(b.t, b.xt, b.ut, tensors.FromFlatDataAndDimensions(lr, b.K))
	if err != nil {
		return nil, fmt.Errorf("train: steps %d-%d: %w", len(tr.History)+1, len(tr.History)+b.K, err)
	}
	losses := make([]float64, b.K)
	tensors.ConstFlatData(outs[0], func(flat []float32) {
		for i, v := range flat {
			losses[i] = float64(v)
		}
	})
	for i, loss := range losses {
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			tr.History = append(tr.History, losses[:i]...)
			return losses[:i], fmt.Errorf("train: the loss became %v at step %d (lr %g): training diverged; lower the learning rate (LR)", loss, len(tr.History)+1, lrs[i])
		}
	}
	tr.History = append(tr.History, losses...)
	return losses, nil
}

// stepsGraph is the k-step training call: for k = 0..K-1 (K from t's shape
// [K, B]), the CFM loss of batch k (LossGraph) and an Adam update at
// learning rate lr[k], each step reading the weights the previous one
// wrote. It returns the K losses.
func (tr *Trainer) stepsGraph(ctx *context.Context, t, xt, ut, lr *Node) *Node {
	k, bs, d := t.Shape().Dimensions[0], t.Shape().Dimensions[1], xt.Shape().Dimensions[2]
	opt := optimizers.Adam().LearningRate(tr.Config.LR).Done()
	// Checked(false): the variables exist when StepOn ran first, and are
	// created otherwise; either way every step uses the same ones.
	c := ctx.Checked(false)
	losses := make([]*Node, k)
	for i := range k {
		ti := Reshape(Slice(t, AxisElem(i)), bs)
		xi := Reshape(Slice(xt, AxisElem(i)), bs, d)
		ui := Reshape(Slice(ut, AxisElem(i)), bs, d)
		optimizers.LearningRateVar(c, dtypes.Float32, tr.Config.LR).SetValueGraph(Reshape(Slice(lr, AxisElem(i))))
		loss := LossGraph(c, tr.Config, ti, xi, ui)
		opt.UpdateGraph(c, t.Graph(), loss)
		losses[i] = Reshape(loss, 1)
	}
	if k == 1 {
		return losses[0]
	}
	return Concatenate(losses, 0)
}
