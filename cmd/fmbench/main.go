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
//     in the -json output. On XLA, fmkit's step runs train.StepsPerCall
//     (16) steps per call (Trainer.StepsOn on the pre-drawn batches,
//     prepared once); -train-steps-per-call 1 measures one StepOn per step
//     on host batches instead.
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
// (their environment: bench/setup.sh), run one after the other, JAX both one
// step per call and 16 per call (lax.scan); a peer that cannot run is
// reported as such and the fmkit rows still print.
//
//	go run ./cmd/fmbench [-mode train|sample|sweep] [-backends LIST] [-peers] [-json] ...
package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// Formulations of the training step, in the order they run.
var Formulations = []string{"gomlx-example", "fmkit"}

// Modes of the command.
var Modes = []string{"train", "sample", "sweep"}

// KnownBackends are the backends -backends accepts (with "all").
var KnownBackends = []string{"go", "xla:cpu", "xla:cuda"}

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

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fmbench:", err)
	os.Exit(2)
}
