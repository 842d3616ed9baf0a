package main

import (
	"fmt"
	"os"
	"time"

	"github.com/flowmatching/gofm/fmkit"
)

// measureSweep times fmkit's training step for each batch size (at -width)
// and each width (at -batch). Each point runs for about a second per round.
func measureSweep(o options, rep *Report) error {
	choice := fmkit.BackendChoice().Config
	type point struct{ batch, width int }
	var pts []point
	if o.sweep != "width" {
		for _, b := range o.sizes["batch"] {
			pts = append(pts, point{b, o.width})
		}
	}
	if o.sweep != "batch" {
		for _, w := range o.sizes["width"] {
			pts = append(pts, point{o.batch, w})
		}
	}
	for _, p := range pts {
		tr, cfg, err := newTrainer(p.batch, p.width, o.depth)
		if err != nil {
			return err
		}
		batches, err := drawBatches(tr, 4)
		if err != nil {
			return err
		}
		f := &fmkitStep{tr: tr, lr: cfg.LR}
		start := time.Now()
		for k := range max(o.warmup, 1) {
			if _, err := f.step(batches[k%len(batches)]); err != nil {
				return err
			}
		}
		per := time.Since(start).Seconds() / float64(max(o.warmup, 1))
		steps := max(3, o.steps, int(o.roundSeconds/per))
		var rates []float64
		for range o.rounds {
			start := time.Now()
			for k := range steps {
				if _, err := f.step(batches[k%len(batches)]); err != nil {
					return err
				}
			}
			rates = append(rates, float64(steps)/time.Since(start).Seconds())
		}
		tr.Close()
		rep.Results = append(rep.Results, Result{Formulation: "fmkit", Backend: choice, Batch: p.batch, Width: p.width,
			Rate: median(rates), Unit: "steps/s", RoundRates: rates})
		if !o.asJSON && !o.child {
			fmt.Fprintf(os.Stderr, "  %s batch %d width %d: %.1f steps/s\n", choice, p.batch, p.width, median(rates))
		}
	}
	return nil
}
