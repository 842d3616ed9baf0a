package main

import (
	"fmt"
	"time"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
	"gonum.org/v1/gonum/mat"
)

func measureSampling(o options, rep *Report) error {
	cfg := train.DefaultConfig()
	cfg.Field.Width, cfg.Field.Depth = o.width, o.depth
	cfg.Steps, cfg.Quiet = 100, true
	m, err := train.Train(cfg)
	if err != nil {
		return err
	}
	choice := fmkit.BackendChoice().Config
	x0 := m.Source().Sample(o.points, data.NewRand(1))
	opt := ode.Options{Method: "euler", Steps: o.solverSteps}
	s := m.Sampler()
	s.StepsPerCall = o.stepsPerCall
	defer s.Close()
	runs := []struct {
		name string
		run  func() (*ode.Result, error)
	}{
		{"per-step", func() (*ode.Result, error) { return ode.Solve(m, x0, opt) }},
		{"compiled", func() (*ode.Result, error) { return s.Solve(x0, opt) }},
	}
	// Warm up (compile) both with a short run.
	short := ode.Options{Method: "euler", Steps: min(o.solverSteps, o.stepsPerCall)}
	if _, err := ode.Solve(m, x0, ode.Options{Method: "euler", Steps: 2}); err != nil {
		return err
	}
	if _, err := s.Solve(x0, short); err != nil {
		return err
	}
	rates := make([][]float64, len(runs))
	var results [2]*ode.Result
	for range o.rounds {
		for i, r := range runs {
			start := time.Now()
			res, err := r.run()
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			results[i] = res
			rates[i] = append(rates[i], float64(o.points*o.solverSteps)/time.Since(start).Seconds())
		}
	}
	// Both integrate the same ODE: their points must agree.
	if d := maxDiff(results[0].X, results[1].X); d > 1e-3 {
		return fmt.Errorf("the compiled sampler's points differ from ode.Solve's by %.3g", d)
	}
	for i, r := range runs {
		rep.Results = append(rep.Results, Result{Formulation: r.name, Backend: choice, Process: choice, Width: o.width,
			Rate: median(rates[i]), Unit: "points x steps/s", RoundRates: rates[i]})
	}
	rep.Baseline = "per-step"
	rep.Ratio = rep.Results[1].Rate / rep.Results[0].Rate
	rep.Ratios[choice] = rep.Ratio
	return nil
}

func maxDiff(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	d := 0.0
	for i := range r {
		for j := range c {
			d = max(d, abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
