package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flowmatching/gofm/fmkit/train"
)

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
	// JAX also as fmkit runs on XLA, several steps per call (lax.scan over
	// stacked pre-drawn batches), so that both ways compare like with like.
	for _, p := range []struct {
		name, script string
		perCall      int
	}{{"pytorch", "cfm_torch.py", 1}, {"jax", "cfm_jax.py", 1}, {"jax", "cfm_jax.py", train.XLAStepsPerCall}} {
		if _, err := os.Stat(py); err != nil {
			out = append(out, Result{Formulation: p.name, Backend: "cpu", Error: errNoPeers.Error()})
			continue
		}
		cmd := exec.Command(py, filepath.Join(root, "bench", p.script),
			"--batch", strconv.Itoa(o.batch), "--width", strconv.Itoa(o.width), "--depth", strconv.Itoa(o.depth),
			"--steps", strconv.Itoa(max(o.steps, 200*p.perCall)), "--rounds", strconv.Itoa(o.rounds), "--warmup", strconv.Itoa(max(o.warmup, 10*p.perCall)),
			"--steps-per-call", strconv.Itoa(p.perCall))
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
