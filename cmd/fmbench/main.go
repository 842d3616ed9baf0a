// Command fmbench measures the speed of fmkit's conditional flow matching
// training and sampling, each against a baseline run in the same process.
//
// Modes (-mode):
//
//   - train (default): a CFM training step (two moons, MLP depth x width,
//     batch, Adam), for the formulations of -formulations, run in one process
//     on the same batches, alternating rounds, median steps/s:
//     "gomlx-example" is the formulation of GoMLX's own FlowMatching example
//     (examples/FlowMatching in the GoMLX module: fnn.New(...).NumHiddenLayers
//     with GELU (tanh approximation) on concat(t, x_t), x_t and the target
//     x1 - x0 built in the graph, mean squared error, Adam at lr 0.01), run on
//     the backend's default configuration ("go" for the pure-Go backend);
//     "fmkit" is fmkit's training step (train.Trainer.StepOn: Swish, time
//     embedding, field.MLP's flat weights and matrix-product gradients) on
//     fmkit's backend. The ratio fmkit / gomlx-example is printed and is
//     in the -json output.
//   - sample: 10,000 points (-points) x 100 Euler steps (-solver-steps) of a
//     briefly trained model, one executable call per step (ode.Solve with
//     Model.Velocity) against train.Sampler (-steps-per-call steps compiled
//     into one graph), alternating rounds; points x steps per second and
//     their ratio.
//   - sweep: fmkit's training steps/s against the batch size or the width
//     (-sweep batch|width, -sizes), on the backends of -backends; -plot FILE
//     draws both sweeps (run with -sweep both) to a PNG.
//
// -backends runs the mode on each listed backend ("go", "xla:cpu", or "all"
// for every backend available here), each in its own process (the backend is
// chosen once per process, by $GOMLX_BACKEND), and prints one table. -peers
// adds the PyTorch and JAX versions of the same training step from bench/
// (their environment: bench/setup.sh), run one after the other; a peer that
// cannot run is reported as such and the fmkit rows still print.
//
//	go run ./cmd/fmbench [-mode train|sample|sweep] [-backends LIST] [-peers] [-json] ...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/xla"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Formulations of the training step, in the order they run.
var Formulations = []string{"gomlx-example", "fmkit"}

// Modes of the command.
var Modes = []string{"train", "sample", "sweep"}

// KnownBackends are the backends -backends accepts (with "all").
var KnownBackends = []string{"go", "xla:cpu", "xla:cuda"}

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
	sweep        string
	sizes        map[string][]int
	plot         string
	asJSON       bool
	cpuprofile   string
	child        bool
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

// availableBackends lists the pure-Go backend and every XLA plugin found
// locally (never downloaded).
func availableBackends() []string {
	xla.EnableAutoInstall(false)
	out := []string{"go"}
	plugins := pjrt.AvailablePlugins()
	for _, name := range []string{"cpu", "cuda"} {
		if _, ok := plugins[name]; ok {
			out = append(out, "xla:"+name)
		}
	}
	return out
}

type batch struct {
	t      []float64
	x0, x1 *mat.Dense
}

// stepper runs one training step on a batch.
type stepper interface {
	step(b batch) error
}

// exampleStep is GoMLX's FlowMatching example trainStep, fed with host data.
type exampleStep struct {
	exec *context.Exec
}

func newExampleStep(backend backends.Backend, width, depth int) (*exampleStep, error) {
	ctx := context.New()
	opt := optimizers.Adam().LearningRate(0.01).Done()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, x0, x1 *Node) *Node {
		xt := Add(Mul(OneMinus(t), x0), Mul(t, x1))
		target := Sub(x1, x0)
		inputs := Concatenate([]*Node{t, xt}, -1)
		pred := fnn.New(ctx.In("u"), inputs, 2).NumHiddenLayers(depth, width).Activation(activations.TypeGeluApprox).Done()
		loss := losses.MeanSquaredError([]*Node{target}, []*Node{pred})
		opt.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	return &exampleStep{exec: exec}, nil
}

func (e *exampleStep) step(b batch) error {
	t := make([]float32, len(b.t))
	for i, v := range b.t {
		t[i] = float32(v)
	}
	_, err := e.exec.Exec(tensors.FromFlatDataAndDimensions(t, len(t), 1), denseTensor(b.x0), denseTensor(b.x1))
	return err
}

func denseTensor(m *mat.Dense) *tensors.Tensor {
	r, c := m.Dims()
	flat := make([]float32, 0, r*c)
	for i := range r {
		for _, v := range m.RawRowView(i) {
			flat = append(flat, float32(v))
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, r, c)
}

type fmkitStep struct {
	tr *train.Trainer
	lr float64
}

func (f *fmkitStep) step(b batch) error {
	_, err := f.tr.StepOn(b.t, b.x0, b.x1, f.lr)
	return err
}

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
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fail(err)
	}
	if len(o.backends) > 0 && !o.child {
		rep, err := runBackends(o)
		if err != nil {
			fail(err)
		}
		finish(o, rep)
		return
	}
	rep, err := runHere(o)
	if err != nil {
		fail(err)
	}
	if o.peers {
		rep.Results = append(rep.Results, runPeers(o)...)
	}
	finish(o, rep)
}

func finish(o options, rep *Report) {
	if o.plot != "" {
		if err := plotSweep(rep, o.plot); err != nil {
			fail(err)
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return
	}
	printTable(os.Stdout, rep)
	if o.plot != "" {
		fmt.Printf("wrote %s\n", o.plot)
	}
}

// runBackends runs fmbench in a child process per backend and merges the
// reports (in the order of -backends).
func runBackends(o options) (*Report, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var merged *Report
	for _, b := range o.backends {
		args := []string{"-child", "-json"}
		given := os.Args[1:]
		for i := 0; i < len(given); i++ {
			a := given[i]
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			switch name {
			case "json", "peers", "child":
				continue
			case "plot", "backends", "cpuprofile":
				if !hasValue {
					i++ // its value is the next argument
				}
				continue
			}
			args = append(args, a)
		}
		cmd := exec.Command(self, args...)
		config := b
		if b == "go" {
			config = fmkit.DefaultGoConfig // fmkit's own configuration of the pure-Go backend
		}
		cmd.Env = append(os.Environ(), fmkit.BackendEnv+"="+config)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		var rep Report
		if err == nil {
			err = json.Unmarshal(out, &rep)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "fmbench: backend %s: %v\n", b, err)
			rep = Report{Mode: o.mode, Batch: o.batch, Width: o.width, Depth: o.depth, Steps: o.steps, Seconds: o.roundSeconds, Rounds: o.rounds,
				Results: []Result{{Formulation: "fmkit", Backend: b, Error: err.Error()}}}
		}
		if merged == nil {
			merged = &rep
			if merged.Ratios == nil {
				merged.Ratios = map[string]float64{}
			}
			continue
		}
		merged.Results = append(merged.Results, rep.Results...)
		for k, v := range rep.Ratios {
			merged.Ratios[k] = v
		}
	}
	if o.peers {
		merged.Results = append(merged.Results, runPeers(o)...)
	}
	return merged, nil
}

// runHere measures in this process, on the backend fmkit chooses.
func runHere(o options) (*Report, error) {
	if _, err := fmkit.Backend(); err != nil {
		return nil, err
	}
	rep := &Report{Mode: o.mode, Batch: o.batch, Width: o.width, Depth: o.depth, Steps: o.steps, Seconds: o.roundSeconds, Rounds: o.rounds,
		Ratios: map[string]float64{}, Load: loadAverage()}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	switch o.mode {
	case "train":
		return rep, measureTraining(o, rep)
	case "sample":
		return rep, measureSampling(o, rep)
	default:
		return rep, measureSweep(o, rep)
	}
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func newTrainer(batchSize, width, depth int) (*train.Trainer, train.Config, error) {
	cfg := train.DefaultConfig()
	cfg.Batch, cfg.Field.Width, cfg.Field.Depth, cfg.Quiet = batchSize, width, depth, true
	cfg.LRDecay = "none"
	tr, err := train.NewTrainer(cfg)
	return tr, cfg, err
}

func drawBatches(tr *train.Trainer, n int) ([]batch, error) {
	batches := make([]batch, n)
	for i := range batches {
		t, x0, x1, err := tr.Draw()
		if err != nil {
			return nil, err
		}
		batches[i] = batch{t, x0, x1}
	}
	return batches, nil
}

func measureTraining(o options, rep *Report) error {
	backend, err := fmkit.Backend()
	if err != nil {
		return err
	}
	choice := fmkit.BackendChoice().Config
	tr, cfg, err := newTrainer(o.batch, o.width, o.depth)
	if err != nil {
		return err
	}
	defer tr.Close()
	batches, err := drawBatches(tr, 16) // the same batches for every formulation
	if err != nil {
		return err
	}
	type form struct {
		name, backend string
		s             stepper
	}
	var forms []form
	for _, name := range o.formulations {
		switch name {
		case "gomlx-example":
			// As GoMLX's example would run: on the backend's default
			// configuration ("go" for the pure-Go backend), not fmkit's.
			exBackend, exConfig := backend, choice
			if strings.HasPrefix(exConfig, "go:") || exConfig == "go" {
				exConfig = "go"
				if exBackend, err = fmkit.NewBackend(exConfig); err != nil {
					return err
				}
			}
			ex, err := newExampleStep(exBackend, o.width, o.depth)
			if err != nil {
				return err
			}
			forms = append(forms, form{name, exConfig, ex})
		case "fmkit":
			forms = append(forms, form{name, choice, &fmkitStep{tr: tr, lr: cfg.LR}})
		}
	}
	rates := make([][]float64, len(forms))
	for _, f := range forms {
		for k := range o.warmup {
			if err := f.s.step(batches[k%len(batches)]); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
	}
	// Each round gives every formulation the same wall time (at least
	// -round-seconds, at least -steps steps), one after the other, so that the
	// two rates of a round are measured a few seconds apart on a machine in
	// the same state; the ratio is the median of the rounds' ratios.
	for range o.rounds {
		for i, f := range forms {
			start := time.Now()
			k := 0
			for ; k < o.steps || time.Since(start).Seconds() < o.roundSeconds; k++ {
				if err := f.s.step(batches[k%len(batches)]); err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
			}
			rates[i] = append(rates[i], float64(k)/time.Since(start).Seconds())
		}
	}
	for i, f := range forms {
		rep.Results = append(rep.Results, Result{Formulation: f.name, Backend: f.backend, Process: choice, Batch: o.batch, Width: o.width,
			Rate: median(rates[i]), Unit: "steps/s", RoundRates: rates[i]})
	}
	if len(forms) == 2 {
		rep.Baseline = "gomlx-example"
		rep.Ratio = pairedRatio(rates[1], rates[0])
		rep.Ratios[choice] = rep.Ratio
	}
	return nil
}

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
			if err := f.step(batches[k%len(batches)]); err != nil {
				return err
			}
		}
		per := time.Since(start).Seconds() / float64(max(o.warmup, 1))
		steps := max(3, o.steps, int(o.roundSeconds/per))
		var rates []float64
		for range o.rounds {
			start := time.Now()
			for k := range steps {
				if err := f.step(batches[k%len(batches)]); err != nil {
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

// errNoPeers is reported when bench/ has not been set up.
var errNoPeers = errors.New("bench/.venv not found: run bench/setup.sh to install the PyTorch and JAX environment")

// runPeers runs bench/cfm_torch.py and bench/cfm_jax.py with bench/.venv's
// Python and returns their rows; a peer that cannot run gives a row with the
// error.
func runPeers(o options) []Result {
	root, err := moduleRoot()
	if err != nil {
		return []Result{{Formulation: "peers", Error: err.Error()}}
	}
	py := filepath.Join(root, "bench", ".venv", "bin", "python")
	var out []Result
	for _, p := range []struct{ name, script string }{{"pytorch", "cfm_torch.py"}, {"jax", "cfm_jax.py"}} {
		if _, err := os.Stat(py); err != nil {
			out = append(out, Result{Formulation: p.name, Backend: "cpu", Error: errNoPeers.Error()})
			continue
		}
		cmd := exec.Command(py, filepath.Join(root, "bench", p.script),
			"--batch", strconv.Itoa(o.batch), "--width", strconv.Itoa(o.width), "--depth", strconv.Itoa(o.depth),
			"--steps", strconv.Itoa(max(o.steps, 200)), "--rounds", strconv.Itoa(o.rounds), "--warmup", strconv.Itoa(max(o.warmup, 10)))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		raw, err := cmd.Output()
		var r Result
		if err == nil {
			err = json.Unmarshal(raw, &r)
		}
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if i := strings.LastIndex(msg, "\n"); i >= 0 {
				msg = msg[i+1:]
			}
			out = append(out, Result{Formulation: p.name, Backend: "cpu", Error: fmt.Sprintf("%v: %s", err, msg)})
			continue
		}
		out = append(out, r)
	}
	return out
}

// moduleRoot finds the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory: run fmbench from the repository")
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fmbench:", err)
	os.Exit(2)
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
