package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

type options struct {
	mode         string
	backends     []string
	formulations []string
	peers        bool
	steps        int
	roundSeconds float64
	rounds       int
	warmup       int
	batch        int
	width        int
	depth        int
	points       int
	solverSteps  int
	stepsPerCall int
	// trainStepsPerCall: training steps per executable call of the fmkit
	// formulation; 0 is what train.Train uses on the backend (StepsPerCall).
	trainStepsPerCall int
	sweep             string
	sizes             map[string][]int
	plot              string
	asJSON            bool
	cpuprofile        string
	child             bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("fmbench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	mode := fs.String("mode", "train", "what to measure: "+strings.Join(Modes, ", "))
	bks := fs.String("backends", "", `backends to run on, comma-separated ("go", "xla:cpu", "xla:cuda") or "all" available; default: the one fmkit chooses`)
	forms := fs.String("formulations", strings.Join(Formulations, ","), "training formulations, comma-separated: "+strings.Join(Formulations, ", "))
	fs.BoolVar(&o.peers, "peers", false, "also run the PyTorch and JAX training steps of bench/ (train mode)")
	fs.IntVar(&o.steps, "steps", 10, "timed training steps per round and formulation, at least (see -round-seconds)")
	fs.Float64Var(&o.roundSeconds, "round-seconds", 2, "train and sweep modes: a round of a formulation lasts at least this long, so that adjacent rounds of both formulations see the machine in the same state")
	fs.IntVar(&o.rounds, "rounds", 5, "alternating rounds; each rate is the median over rounds, the ratio the median of the rounds' ratios")
	fs.IntVar(&o.warmup, "warmup", 10, "untimed steps first (compilation)")
	fs.IntVar(&o.batch, "batch", 256, "batch size")
	fs.IntVar(&o.width, "width", 64, "hidden width")
	fs.IntVar(&o.depth, "depth", 3, "hidden layers")
	fs.IntVar(&o.points, "points", 10000, "sample mode: points integrated")
	fs.IntVar(&o.solverSteps, "solver-steps", 100, "sample mode: Euler steps")
	fs.IntVar(&o.stepsPerCall, "steps-per-call", 100, "sample mode: solver steps compiled into one call")
	fs.IntVar(&o.trainStepsPerCall, "train-steps-per-call", 0, "train mode: fmkit's training steps per executable call (Trainer.StepsOn on batches prepared once); 0: train.StepsPerCall of the backend (16 on XLA, 1 on pure Go); 1: Trainer.StepOn on a host batch every step")
	fs.StringVar(&o.sweep, "sweep", "both", "sweep mode: batch, width or both")
	batchSizes := fs.String("batch-sizes", "64,128,256,512,1024,2048,4096", "sweep mode: batch sizes (at -width)")
	widthSizes := fs.String("width-sizes", "64,128,256,512", "sweep mode: widths (at -batch)")
	fs.StringVar(&o.plot, "plot", "", "sweep mode: write a PNG of steps/s against batch size and width to this file")
	fs.BoolVar(&o.asJSON, "json", false, "print a JSON report instead of a table")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the timed rounds to this file")
	fs.BoolVar(&o.child, "child", false, "internal: run as one backend's process for a parent fmbench")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stdout)
			fmt.Println("usage: go run ./cmd/fmbench [flags]")
			fs.PrintDefaults()
			os.Exit(0)
		}
		return o, fmt.Errorf("%v (go run ./cmd/fmbench -h lists the flags)", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q: fmbench takes flags only", fs.Arg(0))
	}
	o.mode = strings.ToLower(*mode)
	if !slices.Contains(Modes, o.mode) {
		return o, fmt.Errorf("unknown mode %q: use one of %s", *mode, strings.Join(Modes, ", "))
	}
	for _, f := range splitList(*forms) {
		if !slices.Contains(Formulations, f) {
			return o, fmt.Errorf("unknown formulation %q: use one or more of %s", f, strings.Join(Formulations, ", "))
		}
		o.formulations = append(o.formulations, f)
	}
	if len(o.formulations) == 0 {
		return o, fmt.Errorf("-formulations is empty: use one or more of %s", strings.Join(Formulations, ", "))
	}
	for name, v := range map[string]int{"steps": o.steps, "rounds": o.rounds, "batch": o.batch, "width": o.width, "depth": o.depth,
		"points": o.points, "solver-steps": o.solverSteps, "steps-per-call": o.stepsPerCall} {
		if v <= 0 {
			return o, fmt.Errorf("-%s must be positive, got %d", name, v)
		}
	}
	if !(o.roundSeconds >= 0) || o.roundSeconds > 600 {
		return o, fmt.Errorf("-round-seconds must be between 0 and 600, got %v", o.roundSeconds)
	}
	if o.trainStepsPerCall < 0 || o.trainStepsPerCall > 256 {
		return o, fmt.Errorf("-train-steps-per-call must be between 0 (the backend's default) and 256, got %d", o.trainStepsPerCall)
	}
	if o.warmup < 0 {
		return o, fmt.Errorf("-warmup must be >= 0, got %d", o.warmup)
	}
	o.sweep = strings.ToLower(o.sweep)
	if !slices.Contains([]string{"batch", "width", "both"}, o.sweep) {
		return o, fmt.Errorf("unknown -sweep %q: use batch, width or both", o.sweep)
	}
	o.sizes = map[string][]int{}
	for name, list := range map[string]string{"batch": *batchSizes, "width": *widthSizes} {
		for _, s := range splitList(list) {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return o, fmt.Errorf("-%s-sizes: %q is not a positive integer", name, s)
			}
			o.sizes[name] = append(o.sizes[name], n)
		}
	}
	if o.plot != "" && (o.mode != "sweep" || o.sweep != "both") {
		return o, fmt.Errorf("-plot draws the batch and width sweeps: use it with -mode sweep (and -sweep both)")
	}
	if o.plot != "" && strings.ToLower(filepath.Ext(o.plot)) != ".png" {
		return o, fmt.Errorf("-plot %q: the plot is written as PNG, name the file *.png", o.plot)
	}
	if o.peers && o.mode != "train" {
		return o, fmt.Errorf("-peers compares training steps: use it with -mode train")
	}
	for _, b := range splitList(*bks) {
		if b == "all" {
			o.backends = append(o.backends, availableBackends()...)
			continue
		}
		if !slices.Contains(KnownBackends, b) {
			return o, fmt.Errorf("unknown backend %q: use one or more of %s, or all", b, strings.Join(KnownBackends, ", "))
		}
		if !slices.Contains(o.backends, b) {
			o.backends = append(o.backends, b)
		}
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}
