package fmkit

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/flowmatching/gofm/fmkit/internal/backendinfo"
	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // pure-Go backend, always available
	"github.com/gomlx/gomlx/backends/xla"
)

// BackendEnv is the environment variable that overrides the backend choice,
// GoMLX's own GOMLX_BACKEND: "go" for the pure-Go backend, "xla:cpu" or
// "xla:cuda" for XLA with a given PJRT plugin.
const BackendEnv = backends.ConfigEnvVar

// Choice says which backend fmkit will use and why.
type Choice struct {
	Config string // configuration passed to GoMLX, e.g. "go" or "xla:cpu"
	Reason string // why it was chosen, for humans
}

// String is the one line that tells which backend runs.
func (c Choice) String() string {
	return fmt.Sprintf("fmkit backend: %s (%s)", c.Config, c.Reason)
}

// ChooseBackend decides, without creating it, which GoMLX backend fmkit uses:
//
//  1. $GOMLX_BACKEND when it is set (an explicit choice always wins);
//  2. XLA when a PJRT plugin is already installed locally (go-xla's search
//     path: $PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, /usr/local/lib/go-xla,
//     the system library paths), preferring "cuda" over "cpu";
//  3. otherwise GoMLX's pure-Go backend ("go").
//
// It never downloads a plugin: go-xla's auto-install is switched off.
func ChooseBackend() Choice {
	xla.EnableAutoInstall(false)
	if cfg, ok := os.LookupEnv(BackendEnv); ok && cfg != "" {
		return Choice{Config: cfg, Reason: "set by $" + BackendEnv}
	}
	plugins, err := availablePlugins()
	if err != nil {
		return Choice{Config: DefaultGoConfig, Reason: "GoMLX pure-Go backend; " + err.Error()}
	}
	for _, name := range []string{"cuda", "cpu"} {
		if path, ok := plugins[name]; ok {
			return Choice{Config: "xla:" + name, Reason: "PJRT plugin found at " + path}
		}
	}
	return Choice{Config: DefaultGoConfig, Reason: "GoMLX pure-Go backend; no XLA PJRT plugin installed, set $" + BackendEnv + " to override"}
}

// availablePlugins is pjrt.AvailablePlugins (the plugins in go-xla's search
// path that load), with go-xla v0.1.4's crash on a file that is not a shared
// library (a truncated download: it closes the nil handle of the failed
// dlopen) turned into an error that says what to do.
func availablePlugins() (plugins map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			plugins, err = nil, fmt.Errorf("a file in the XLA plugin search path ($PJRT_PLUGIN_LIBRARY_PATH=%q, ~/.local/lib/go-xla, /usr/local/lib/go-xla) is not a loadable PJRT plugin (go-xla: %v): reinstall it (FMKIT_XLA=cpu scripts/setup.sh) or remove it", os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"), r)
		}
	}()
	return pjrt.AvailablePlugins(), nil
}

// DefaultGoConfig is the pure-Go backend as fmkit configures it:
// independent ops run concurrently ("ops_parallel") on a worker pool with no
// cap ("parallelism=-1"). fmkit's graphs use both: training and sampling
// split a batch into one chunk per core (see field.Chunks), whose ops then
// run side by side, and a matrix product may spread its row blocks over the
// pool (see field.MatMulFastGrad) without the deadlock this nesting causes
// in GoMLX v0.26's capped pool (docs/performance.md).
const DefaultGoConfig = "go:ops_parallel,parallelism=-1"

// goOptions are the options of a pure-Go backend configuration that fmkit's
// graphs depend on, read as GoMLX reads them (in order, the last one wins).
type goOptions struct {
	sequential bool // ops run one at a time ("ops_sequential")
	unbounded  bool // the worker pool has no cap ("parallelism=-1")
}

func parseGoOptions(config string) goOptions {
	var o goOptions
	_, opts, _ := strings.Cut(config, ":")
	for _, opt := range strings.Split(opts, ",") {
		switch key, value, _ := strings.Cut(opt, "="); key {
		case "ops_sequential":
			o.sequential = true
		case "ops_parallel":
			o.sequential = false
		case "parallelism":
			o.unbounded = strings.HasPrefix(strings.TrimSpace(value), "-")
		}
	}
	return o
}

var (
	backendOnce   sync.Once
	backendValue  backends.Backend
	backendErr    error
	backendChoice Choice
)

// Backend returns the process-wide GoMLX backend chosen by ChooseBackend,
// creating it on first use. The error names the configuration that failed and
// lists the backends compiled in.
func Backend() (backends.Backend, error) {
	backendOnce.Do(func() {
		backendChoice = ChooseBackend()
		backendValue, backendErr = NewBackend(backendChoice.Config)
	})
	return backendValue, backendErr
}

// BackendChoice returns the choice made by Backend (creating the backend if
// needed, so that the line reflects what actually runs).
func BackendChoice() Choice {
	_, _ = Backend()
	return backendChoice
}

// NewBackend creates a backend for an explicit GoMLX configuration string
// ("go", "xla:cpu", ...), with auto-install off and a clear error instead of
// GoMLX's panic on unknown names.
func NewBackend(config string) (b backends.Backend, err error) {
	xla.EnableAutoInstall(false)
	name, _, _ := strings.Cut(config, ":")
	known := backends.List()
	sort.Strings(known)
	if !slices.Contains(known, name) {
		return nil, fmt.Errorf("unknown GoMLX backend %q (from config %q): use one of %s, e.g. GOMLX_BACKEND=go", name, config, strings.Join(known, ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("creating GoMLX backend %q: %v", config, r)
		}
	}()
	if name == "go" && strings.Contains(config, "parallelism=") {
		// GoMLX v0.26's pure-Go backend prints "SimpleGo backend: parallelism
		// set to N" on stdout for this option, which would land in every
		// notebook cell and in JSON reports.
		withoutStdout(func() { b, err = backends.NewWithConfig(config) })
	} else {
		b, err = backends.NewWithConfig(config)
	}
	if err != nil {
		return nil, fmt.Errorf("creating GoMLX backend %q: %w (the pure-Go backend always works: GOMLX_BACKEND=go)", config, err)
	}
	if name == "go" {
		// Nested use of the worker pool is safe when ops run one at a time
		// or when the pool is unbounded; independent chunks of a batch run
		// side by side only with concurrent ops on an unbounded pool.
		o := parseGoOptions(config)
		if o.sequential || o.unbounded {
			backendinfo.MarkSplittable(b)
		}
		if !o.sequential && o.unbounded {
			backendinfo.MarkConcurrent(b)
		}
	}
	return b, nil
}

// withoutStdout runs f with os.Stdout pointed at the null device.
func withoutStdout(f func()) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		f()
		return
	}
	saved := os.Stdout
	os.Stdout = null
	defer func() {
		os.Stdout = saved
		_ = null.Close()
	}()
	f()
}
