package train

import (
	"fmt"
	"sort"
	"time"
)

// StepTimes measures the wall time of one training step of each
// configuration, in this process, as fairly as a shared machine allows:
// every trainer first takes one step (which compiles its graph, not
// counted), then `rounds` rounds run `steps` steps of each trainer in turn,
// so that a slowdown of the machine hits all of them alike. It returns, for
// each configuration in order, the median over the rounds of the mean
// seconds per step within a round (the median ignores a round slowed by
// another process). Compare them as ratios: absolute times depend on the
// machine and its load.
func StepTimes(steps, rounds int, cfgs ...Config) ([]float64, error) {
	if steps <= 0 || rounds <= 0 {
		return nil, fmt.Errorf("train: StepTimes: steps and rounds must be positive, got %d and %d", steps, rounds)
	}
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("train: StepTimes: no configurations to time")
	}
	trainers := make([]*Trainer, len(cfgs))
	defer func() {
		for _, tr := range trainers {
			if tr != nil {
				tr.Close()
			}
		}
	}()
	for i, cfg := range cfgs {
		tr, err := NewTrainer(cfg)
		if err != nil {
			return nil, fmt.Errorf("train: StepTimes: configuration %d: %w", i, err)
		}
		trainers[i] = tr
		if _, err := tr.Step(0); err != nil {
			return nil, err
		}
	}
	perRound := make([][]float64, len(cfgs))
	for range rounds {
		for i, tr := range trainers {
			start := time.Now()
			for k := range steps {
				if _, err := tr.Step(k + 1); err != nil {
					return nil, err
				}
			}
			perRound[i] = append(perRound[i], time.Since(start).Seconds()/float64(steps))
		}
	}
	out := make([]float64, len(cfgs))
	for i, ts := range perRound {
		out[i] = median(ts)
	}
	return out, nil
}

// median sorts ts and returns its median.
func median(ts []float64) float64 {
	sort.Float64s(ts)
	if n := len(ts); n%2 == 1 {
		return ts[n/2]
	}
	return (ts[len(ts)/2-1] + ts[len(ts)/2]) / 2
}

// Timings measures the wall time of each function in this process: one
// warm-up call each, then `rounds` rounds calling every function once in
// turn, so that a slowdown of the machine hits all of them alike. It
// returns, in order, the median over the rounds of each function's time in
// seconds (the median ignores the odd round hit by a garbage collection or
// another process); compare them as ratios. It stops at the first error.
func Timings(rounds int, fns ...func() error) ([]float64, error) {
	if rounds <= 0 {
		return nil, fmt.Errorf("train: Timings: rounds must be positive, got %d", rounds)
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("train: Timings: no functions to time")
	}
	for i, f := range fns {
		if err := f(); err != nil {
			return nil, fmt.Errorf("train: Timings: function %d: %w", i, err)
		}
	}
	times := make([][]float64, len(fns))
	for range rounds {
		for i, f := range fns {
			start := time.Now()
			if err := f(); err != nil {
				return nil, fmt.Errorf("train: Timings: function %d: %w", i, err)
			}
			times[i] = append(times[i], time.Since(start).Seconds())
		}
	}
	out := make([]float64, len(fns))
	for i, ts := range times {
		out[i] = median(ts)
	}
	return out, nil
}
