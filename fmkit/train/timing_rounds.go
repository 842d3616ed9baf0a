package train

import (
	"fmt"
	"time"
)

// StepTimeRounds is StepTimes without the median: it returns, for each
// configuration, the mean seconds per training step in each of the
// `rounds` rounds (out[i][r] for configuration i in round r). Within round
// r every trainer runs `steps` steps in turn, so the values of one round
// share the machine's load: compare two configurations round by round with
// a paired test (metric.PairedTest on out[0], out[1]), or summarise each
// with metric.Summarize to see the spread of the timing itself. Each
// trainer takes one step first to compile its graph; that step is not
// counted.
func StepTimeRounds(steps, rounds int, cfgs ...Config) ([][]float64, error) {
	return stepTimeRounds("StepTimeRounds", steps, rounds, cfgs)
}

// stepTimeRounds is StepTimeRounds with the caller's name in its errors.
func stepTimeRounds(fn string, steps, rounds int, cfgs []Config) ([][]float64, error) {
	if steps <= 0 || rounds <= 0 {
		return nil, fmt.Errorf("train: %s: steps and rounds must be positive, got %d and %d", fn, steps, rounds)
	}
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("train: %s: no configurations to time", fn)
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
			return nil, fmt.Errorf("train: %s: configuration %d: %w", fn, i, err)
		}
		trainers[i] = tr
		if _, err := tr.Step(0); err != nil {
			return nil, err
		}
	}
	out := make([][]float64, len(cfgs))
	for range rounds {
		for i, tr := range trainers {
			start := time.Now()
			for k := range steps {
				if _, err := tr.Step(k + 1); err != nil {
					return nil, err
				}
			}
			out[i] = append(out[i], time.Since(start).Seconds()/float64(steps))
		}
	}
	return out, nil
}

// TimingRounds is Timings without the median: after one warm-up call of
// each function it runs `rounds` rounds calling every function once in
// turn and returns each call's wall time in seconds, out[i][r] for function
// i in round r. Calls of one round share the machine's load, so compare
// two functions round by round (metric.PairedTest), or summarise each with
// metric.Summarize. It stops at the first error.
func TimingRounds(rounds int, fns ...func() error) ([][]float64, error) {
	return timingRounds("TimingRounds", rounds, fns)
}

// timingRounds is TimingRounds with the caller's name in its errors.
func timingRounds(fn string, rounds int, fns []func() error) ([][]float64, error) {
	if rounds <= 0 {
		return nil, fmt.Errorf("train: %s: rounds must be positive, got %d", fn, rounds)
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("train: %s: no functions to time", fn)
	}
	for i, f := range fns {
		if err := f(); err != nil {
			return nil, fmt.Errorf("train: %s: function %d: %w", fn, i, err)
		}
	}
	out := make([][]float64, len(fns))
	for range rounds {
		for i, f := range fns {
			start := time.Now()
			if err := f(); err != nil {
				return nil, fmt.Errorf("train: %s: function %d: %w", fn, i, err)
			}
			out[i] = append(out[i], time.Since(start).Seconds())
		}
	}
	return out, nil
}
