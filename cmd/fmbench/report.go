package main

import (
	"fmt"
	"io"
	"sort"
)

// Result is one measured row.
type Result struct {
	Formulation string    `json:"formulation"` // gomlx-example, fmkit, pytorch, jax; sample: per-step, compiled
	Backend     string    `json:"backend"`
	Process     string    `json:"process,omitempty"` // the backend fmkit chose in the process that measured it
	Batch       int       `json:"batch,omitempty"`
	Width       int       `json:"width,omitempty"`
	Rate        float64   `json:"rate"` // training: steps/s; sample: points x steps / s
	Unit        string    `json:"unit"`
	RoundRates  []float64 `json:"round_rates,omitempty"`
	Error       string    `json:"error,omitempty"` // a row that could not be measured
}

// Report is what one process measured (and, for a parent, all of them).
type Report struct {
	Mode    string   `json:"mode"`
	Batch   int      `json:"batch"`
	Width   int      `json:"width"`
	Depth   int      `json:"depth"`
	Steps   int      `json:"steps_per_round"`         // at least (train: see RoundSeconds)
	Seconds float64  `json:"round_seconds,omitempty"` // train: each round lasts at least this long
	Rounds  int      `json:"rounds"`
	Results []Result `json:"results"`
	// Ratios within one process: fmkit / gomlx-example (train) or
	// compiled / per-step (sample), by backend.
	Ratios map[string]float64 `json:"ratios,omitempty"`
	// Ratio is the first backend's ratio (kept for scripts that read one).
	Ratio    float64 `json:"ratio"`
	Baseline string  `json:"baseline,omitempty"`
	Load     string  `json:"load_average,omitempty"` // /proc/loadavg at the start
	// StepsPerCall: training steps per call of the fmkit formulation (train mode; 0 or 1: one).
	StepsPerCall int `json:"steps_per_call,omitempty"`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printTable(w io.Writer, rep *Report) {
	switch rep.Mode {
	case "train":
		fmt.Fprintf(w, "CFM training step, two moons, MLP %dx%d, batch %d, Adam; %d alternating rounds of >= %gs and >= %d steps per formulation (median rate; ratio: median of the rounds' ratios); load average %s\n",
			rep.Depth, rep.Width, rep.Batch, rep.Rounds, rep.Seconds, rep.Steps, orDash(rep.Load))
		printRates(w, rep, "steps/s")
	case "sample":
		fmt.Fprintf(w, "sampling, Euler steps of a trained MLP %dx%d: one call per step (per-step) vs steps compiled into one graph (compiled); median of %d rounds; load average %s\n",
			rep.Depth, rep.Width, rep.Rounds, orDash(rep.Load))
		printRates(w, rep, "points x steps/s")
	default:
		fmt.Fprintf(w, "fmkit training steps/s, MLP depth %d; load average %s\n", rep.Depth, orDash(rep.Load))
		fmt.Fprintf(w, "%-22s %7s %7s %10s\n", "backend", "batch", "width", "steps/s")
		for _, r := range rep.Results {
			if r.Error != "" {
				fmt.Fprintf(w, "%-22s %s\n", r.Backend, r.Error)
				continue
			}
			fmt.Fprintf(w, "%-22s %7d %7d %10.1f\n", r.Backend, r.Batch, r.Width, r.Rate)
		}
	}
}

// printRates prints one row per result, with its ratio to the baseline of
// its own process (same backend) and to the first fmkit row.
func printRates(w io.Writer, rep *Report, unit string) {
	base := map[string]float64{} // process -> baseline rate in that process
	var ref float64
	var refName string
	for _, r := range rep.Results {
		if r.Formulation == rep.Baseline && r.Error == "" {
			base[r.Process] = r.Rate
		}
	}
	for _, r := range rep.Results {
		if (r.Formulation == "fmkit" || r.Formulation == "compiled") && r.Error == "" {
			ref, refName = r.Rate, r.Formulation+" ("+r.Backend+")"
			break
		}
	}
	fmt.Fprintf(w, "%-15s %-34s %14s %12s %12s\n", "formulation", "backend", unit, "x baseline", "x "+shortName(refName))
	for _, r := range rep.Results {
		if r.Error != "" {
			fmt.Fprintf(w, "%-15s %-34s %s\n", r.Formulation, r.Backend, "not measured: "+r.Error)
			continue
		}
		xb := "-"
		if b, ok := base[r.Process]; ok && rep.Baseline != "" && r.Process != "" {
			xb = fmt.Sprintf("%.2fx", r.Rate/b)
		}
		xr := "-"
		if ref > 0 {
			xr = fmt.Sprintf("%.2fx", r.Rate/ref)
		}
		fmt.Fprintf(w, "%-15s %-34s %14.1f %12s %12s\n", r.Formulation, r.Backend, r.Rate, xb, xr)
	}
	if rep.Baseline != "" {
		fmt.Fprintf(w, "x baseline: rate / %s's rate measured in the same process on the same backend\n", rep.Baseline)
	}
}

func shortName(s string) string {
	if s == "" {
		return "fmkit"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pairedRatio is the median over rounds of a[r] / b[r]: the ratio of two
// formulations' rates measured in the same round, next to each other, which
// cancels the machine's slower changes of speed that a ratio of medians
// would keep.
func pairedRatio(a, b []float64) float64 {
	r := make([]float64, min(len(a), len(b)))
	for i := range r {
		r[i] = a[i] / b[i]
	}
	return median(r)
}
