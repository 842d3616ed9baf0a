package train

import (
	"sort"
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
	perRound, err := stepTimeRounds("StepTimes", steps, rounds, cfgs)
	if err != nil {
		return nil, err
	}
	return medians(perRound), nil
}

// medians returns the median of each row.
func medians(rows [][]float64) []float64 {
	out := make([]float64, len(rows))
	for i, ts := range rows {
		out[i] = median(ts)
	}
	return out
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
	times, err := timingRounds("Timings", rounds, fns)
	if err != nil {
		return nil, err
	}
	return medians(times), nil
}
