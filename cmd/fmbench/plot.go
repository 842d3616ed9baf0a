package main

import (
	"fmt"
	"slices"
	"sort"

	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/plot"
)

// plotSweep draws steps/s against the batch size (at the report's width)
// and against the width (at its batch size), one curve per backend, on
// log-log axes, and saves the figure as a PNG.
func plotSweep(rep *Report, file string) error {
	type key struct{ backend, axis string }
	series := map[key]*plot.Series{}
	var order []key
	for _, r := range rep.Results {
		if r.Error != "" || r.Rate <= 0 {
			continue
		}
		var k key
		var x float64
		switch {
		case r.Width == rep.Width && r.Batch != rep.Batch:
			k, x = key{r.Backend, "batch"}, float64(r.Batch)
		case r.Batch == rep.Batch && r.Width != rep.Width:
			k, x = key{r.Backend, "width"}, float64(r.Width)
		default: // the shared point (batch, width) is on both curves
			for _, axis := range []string{"batch", "width"} {
				kk := key{r.Backend, axis}
				if series[kk] == nil {
					series[kk] = &plot.Series{Name: r.Backend}
					order = append(order, kk)
				}
				xx := float64(r.Batch)
				if axis == "width" {
					xx = float64(r.Width)
				}
				if !slices.Contains(series[kk].X, xx) { // measured in both sweeps: keep the first
					series[kk].X = append(series[kk].X, xx)
					series[kk].Y = append(series[kk].Y, r.Rate)
				}
			}
			continue
		}
		if series[k] == nil {
			series[k] = &plot.Series{Name: r.Backend}
			order = append(order, k)
		}
		series[k].X = append(series[k].X, x)
		series[k].Y = append(series[k].Y, r.Rate)
	}
	panel := func(axis, title, xlabel string) (*gplot.Plot, error) {
		var ss []plot.Series
		for _, k := range order {
			if k.axis != axis {
				continue
			}
			s := *series[k]
			idx := make([]int, len(s.X))
			for i := range idx {
				idx[i] = i
			}
			sort.Slice(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
			xs, ys := make([]float64, len(idx)), make([]float64, len(idx))
			for i, j := range idx {
				xs[i], ys[i] = s.X[j], s.Y[j]
			}
			s.X, s.Y = xs, ys
			ss = append(ss, s)
		}
		if len(ss) == 0 {
			return nil, fmt.Errorf("no %s sweep to plot: run with -sweep both", axis)
		}
		p, err := plot.Curves(title, xlabel, "training steps/s (log)", true, ss...)
		if err != nil {
			return nil, err
		}
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = gplot.LogTicks{Prec: -1}
		return p, nil
	}
	pb, err := panel("batch", fmt.Sprintf("CFM step vs batch size (MLP %dx%d)", rep.Depth, rep.Width), "batch size (log)")
	if err != nil {
		return err
	}
	pw, err := panel("width", fmt.Sprintf("CFM step vs width (%d layers, batch %d)", rep.Depth, rep.Batch), "hidden width (log)")
	if err != nil {
		return err
	}
	f := plot.Row(pb, pw)
	return f.Save(file)
}
