package fmkit

import (
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
