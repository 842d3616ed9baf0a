package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends/xla"
)

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
