package likelihood

import (
	"fmt"
	"time"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/nb"
)

// MLRun is the record of a maximum-likelihood training run (Train).
type MLRun struct {
	Target  string
	Steps   int     // steps asked for
	Done    int     // steps completed (len(History) of the trainer)
	Seconds float64 // wall time of the run, compilation included
	// Err is what stopped the run early (for example the NLL becoming NaN
	// or Inf: a diverged run), nil when all Steps were taken.
	Err error
}

// Train takes steps maximum-likelihood steps on fresh batches of the named
// target (seeded by seed), with a progress display when progress is true.
// A step whose NLL is NaN or Inf stops the run: its error is kept in
// MLRun.Err (the returned error is only for bad arguments), and the
// trainer's History holds the NLL of the steps before it, so a diverged run
// can be shown and compared with one that finished. The reported NLL is the
// one of the unrolled solver (Config.Method x Config.Steps), which is what
// the optimiser sees; evaluate ForModel(tr) with an accurate solver to see
// the likelihood of the continuous flow the weights define.
func (tr *MLTrainer) Train(target string, steps int, seed uint64, progress bool) (*MLRun, error) {
	tgt, err := data.Lookup(target)
	if err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	if tgt.Dim() != tr.Config.Field.Dim {
		return nil, fmt.Errorf("likelihood: target %q has dimension %d but the field's Dim is %d", target, tgt.Dim(), tr.Config.Field.Dim)
	}
	if steps <= 0 {
		return nil, fmt.Errorf("likelihood: the number of training steps must be positive, got %d", steps)
	}
	run := &MLRun{Target: target, Steps: steps}
	rng := data.NewRand(seed)
	var prog *nb.Progress
	if progress {
		prog = nb.NewProgress(fmt.Sprintf("maximum likelihood, %s x %d unrolled: %s", tr.Config.Method, tr.Config.Steps, target), steps)
	}
	start := time.Now()
	for k := range steps {
		nll, err := tr.StepOn(tgt.Sample(tr.Config.Batch, rng))
		if err != nil {
			run.Err = err
			if prog != nil {
				prog.Done(fmt.Sprintf("stopped at step %d: %v", k+1, err))
			}
			break
		}
		run.Done = k + 1
		if prog != nil {
			prog.Update(k+1, fmt.Sprintf("NLL %.3f", nll))
		}
	}
	run.Seconds = time.Since(start).Seconds()
	if prog != nil && run.Err == nil {
		prog.Done(fmt.Sprintf("NLL (mean of the last 20 steps) %.3f", tailMean(tr.History, 20)))
	}
	return run, nil
}
