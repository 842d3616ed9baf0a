package fmkit

import (
	"io"
	"os"
	"strings"
	"testing"
)

func TestChooseBackendHonoursEnv(t *testing.T) {
	t.Setenv(BackendEnv, "go")
	if c := ChooseBackend(); c.Config != "go" || !strings.Contains(c.String(), "set by $GOMLX_BACKEND") {
		t.Errorf("got %v", c)
	}
}

func TestChooseBackendWithoutPlugin(t *testing.T) {
	t.Setenv(BackendEnv, "")
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir()) // an empty plugin folder
	t.Setenv("HOME", t.TempDir())
	t.Setenv("LD_LIBRARY_PATH", "")
	c := ChooseBackend()
	if strings.HasPrefix(c.Config, "xla") {
		t.Skipf("a system-wide PJRT plugin is installed: %v", c)
	}
	if c.Config != DefaultGoConfig {
		t.Errorf("got %v, want %s", c, DefaultGoConfig)
	}
}

func TestNewBackendErrors(t *testing.T) {
	_, err := NewBackend("tpu-please")
	if err == nil || !strings.Contains(err.Error(), `unknown GoMLX backend "tpu-please"`) || !strings.Contains(err.Error(), "go") {
		t.Errorf("unknown backend: %v", err)
	}
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir())
	_, err = NewBackend("xla:nosuchplugin")
	if err == nil || !strings.Contains(err.Error(), "GOMLX_BACKEND=go") {
		t.Errorf("missing plugin: %v", err)
	}
	b, err := NewBackend(DefaultGoConfig)
	if err != nil || b.String() != "go" {
		t.Errorf("pure-Go backend: %v %v", b, err)
	}
}

// The pure-Go options fmkit's graphs depend on are read as GoMLX reads them
// (in order, the last one wins), and NewBackend prints nothing: GoMLX v0.26
// prints a line on stdout for "parallelism=".
func TestGoOptions(t *testing.T) {
	for _, c := range []struct {
		config                string
		sequential, unbounded bool
	}{
		{"go", false, false},
		{DefaultGoConfig, false, true},
		{"go:ops_sequential", true, false},
		{"go:ops_sequential,ops_parallel", false, false},
		{"go:ops_parallel,ops_sequential,parallelism=-1", true, true},
		{"go:parallelism=4", false, false},
	} {
		o := parseGoOptions(c.config)
		if o.sequential != c.sequential || o.unbounded != c.unbounded {
			t.Errorf("%s: got %+v, want sequential %v, unbounded %v", c.config, o, c.sequential, c.unbounded)
		}
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	_, err = NewBackend(DefaultGoConfig)
	os.Stdout = saved
	w.Close()
	out, _ := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > 0 {
		t.Errorf("NewBackend(%q) printed %q", DefaultGoConfig, out)
	}
}

// With $GOMLX_BACKEND set (scripts/test_xla.sh sets xla:cpu), the backend
// every test in this run uses must be that one: a missing plugin fails here
// by name instead of leaving the reader to guess which backend was tested.
func TestBackendFromEnvIsCreated(t *testing.T) {
	cfg := os.Getenv(BackendEnv)
	if cfg == "" {
		t.Skip("$GOMLX_BACKEND not set: the automatic choice is tested above")
	}
	b, err := Backend()
	if err != nil {
		t.Fatalf("GOMLX_BACKEND=%s: %v", cfg, err)
	}
	name, _, _ := strings.Cut(cfg, ":")
	if !strings.HasPrefix(b.Name(), name) {
		t.Errorf("GOMLX_BACKEND=%s gave backend %q (%s)", cfg, b.Name(), b.Description())
	}
	t.Logf("%v: %s", BackendChoice(), b.Description())
}
