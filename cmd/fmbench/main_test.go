package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseFlagsRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-mode", "foo"}, `unknown mode "foo"`},
		{[]string{"-backends", "tpu"}, `unknown backend "tpu"`},
		{[]string{"-formulations", "fmkit,fast"}, `unknown formulation "fast"`},
		{[]string{"-formulations", ","}, "-formulations is empty"},
		{[]string{"-batch", "0"}, "-batch must be positive, got 0"},
		{[]string{"-width", "-64"}, "-width must be positive"},
		{[]string{"-rounds", "0"}, "-rounds must be positive"},
		{[]string{"-points", "0"}, "-points must be positive"},
		{[]string{"-warmup", "-1"}, "-warmup must be >= 0"},
		{[]string{"-train-steps-per-call", "-1"}, "-train-steps-per-call must be between 0"},
		{[]string{"-train-steps-per-call", "1000"}, "-train-steps-per-call must be between 0"},
		{[]string{"-mode", "sweep", "-batch-sizes", "64,0"}, `"0" is not a positive integer`},
		{[]string{"-mode", "sweep", "-sweep", "depth"}, `unknown -sweep "depth"`},
		{[]string{"-plot", "s.png"}, "use it with -mode sweep"},
		{[]string{"-mode", "sweep", "-plot", "s.svg"}, "name the file *.png"},
		{[]string{"-mode", "sample", "-peers"}, "use it with -mode train"},
		{[]string{"-bogus"}, "flag provided but not defined"},
		{[]string{"stray"}, `unexpected argument "stray"`},
	} {
		if _, err := parseFlags(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.args, err, c.want)
		}
	}
	o, err := parseFlags([]string{"-backends", "go,go", "-formulations", "FMKIT"})
	if err != nil || len(o.backends) != 1 || o.formulations[0] != "fmkit" || o.mode != "train" {
		t.Errorf("good flags: %+v, %v", o, err)
	}
}

func TestTableShowsRatiosAndErrors(t *testing.T) {
	rep := &Report{Mode: "train", Batch: 256, Width: 64, Depth: 3, Steps: 10, Rounds: 1, Baseline: "gomlx-example",
		Results: []Result{
			{Formulation: "gomlx-example", Backend: "go", Process: "go:ops_sequential", Rate: 20},
			{Formulation: "fmkit", Backend: "go:ops_sequential", Process: "go:ops_sequential", Rate: 160},
			{Formulation: "pytorch", Backend: "cpu", Error: "bench/.venv not found"},
		}}
	var b bytes.Buffer
	printTable(&b, rep)
	out := b.String()
	for _, want := range []string{"160.0", "8.00x", "1.00x", "pytorch", "not measured: bench/.venv not found"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
