package fmkit

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The GPU path's pieces that a machine without a GPU can check: plugin
// discovery, the refusal of scripts/setup.sh and scripts/gpu-check.sh to go
// on without a GPU, and the pinned, hash-checked wheel list.

// helperEnv marks the child process of TestPluginDiscovery.
const helperEnv = "FMKIT_TEST_CHOOSE_BACKEND"

// TestChooseBackendHelper prints ChooseBackend's choice when run as the
// child of TestPluginDiscovery (go-xla reads PJRT_PLUGIN_LIBRARY_PATH once,
// when the process starts, so each case needs a process of its own).
func TestChooseBackendHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("child of TestPluginDiscovery")
	}
	c := ChooseBackend()
	os.Stdout.WriteString("CHOICE " + c.Config + " | " + c.Reason + "\n")
}

func chooseIn(t *testing.T, pluginDir string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChooseBackendHelper$", "-test.v")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, BackendEnv+"=") && !strings.HasPrefix(kv, "PJRT_PLUGIN_LIBRARY_PATH=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, helperEnv+"=1", "PJRT_PLUGIN_LIBRARY_PATH="+pluginDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`CHOICE (.*)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no choice:\n%s", out)
	}
	return string(m[1])
}

func hasGPUDevice() bool {
	m, _ := filepath.Glob("/dev/nvidia*")
	return len(m) > 0
}

// realCPUPlugin is an XLA CPU plugin of this machine (from the test's own
// PJRT_PLUGIN_LIBRARY_PATH or go-xla's default folders), or "".
func realCPUPlugin() string {
	p, err := availablePlugins()
	if err != nil {
		return ""
	}
	return p["cpu"]
}

// fmkit finds a plugin in the folder PJRT_PLUGIN_LIBRARY_PATH names (as
// scripts/setup.sh's env file and kernel.json set it); a CUDA plugin counts
// only where there is a GPU (go-xla's rule), so a machine without one falls
// back to the CPU plugin or to pure Go; a file that is not a plugin (a
// truncated download) gives the pure-Go backend and a reason, not a crash.
func TestPluginDiscovery(t *testing.T) {
	dir := t.TempDir()
	cuda := filepath.Join(dir, "nvidia")
	cpu := filepath.Join(dir, "cpu")
	broken := filepath.Join(dir, "broken")
	for _, f := range []string{filepath.Join(cuda, "pjrt_c_api_cuda_plugin.so"), filepath.Join(broken, "pjrt_c_api_cpu_plugin.so")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("not a shared library"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := chooseIn(t, t.TempDir()); !strings.HasPrefix(got, DefaultGoConfig+" | ") {
		t.Errorf("no plugin: choice %q, want %s", got, DefaultGoConfig)
	}
	if got := chooseIn(t, broken); !strings.HasPrefix(got, DefaultGoConfig+" | ") || !strings.Contains(got, "not a loadable PJRT plugin") {
		t.Errorf("a broken plugin file: choice %q, want %s with the reason", got, DefaultGoConfig)
	}
	if !hasGPUDevice() {
		if got := chooseIn(t, cuda); strings.HasPrefix(got, "xla:cuda") {
			t.Errorf("no GPU, CUDA plugin only: choice %q; the CUDA plugin needs a GPU", got)
		}
	}
	real := realCPUPlugin()
	if real == "" {
		t.Log("no XLA CPU plugin on this machine (FMKIT_XLA=cpu scripts/setup.sh): the cases with a real plugin are not run")
		return
	}
	if err := os.MkdirAll(cpu, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(cpu, "pjrt_c_api_cpu_plugin.so")); err != nil {
		t.Fatal(err)
	}
	if got := chooseIn(t, cpu); !strings.HasPrefix(got, "xla:cpu | ") || !strings.Contains(got, cpu) {
		t.Errorf("CPU plugin in %s: choice %q, want xla:cpu found there", cpu, got)
	}
	both := chooseIn(t, cuda+":"+cpu)
	if !hasGPUDevice() && !strings.HasPrefix(both, "xla:cpu | ") {
		t.Errorf("no GPU, CUDA and CPU plugins: choice %q, want xla:cpu (the CUDA plugin needs a GPU)", both)
	}
}

// runScript runs a copy of the repository's scripts (so that nothing of the
// real .venv is touched) with the environment given, and returns its exit
// code, output and run time.
func runScript(t *testing.T, script string, env ...string) (int, string, time.Duration) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum", "scripts/" + script, "scripts/requirements.txt", "scripts/requirements-xla-cpu.txt", "scripts/requirements-xla-cuda.txt"} {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", script))
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".venv")); err == nil {
		t.Errorf("%s created .venv although it refused", script)
	}
	return code, string(out), time.Since(start)
}

// FMKIT_XLA=cuda scripts/setup.sh on a machine without a GPU stops before
// downloading or creating anything, says why and what to do instead.
func TestGPUSetupWithoutGPU(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found (scripts/setup.sh checks it first)")
	}
	code, out, took := runScript(t, "setup.sh", "FMKIT_XLA=cuda", "FMKIT_ASSUME_NO_GPU=1", "FMKIT_XLA_FORCE=")
	if code != 3 {
		t.Errorf("exit code %d, want 3\n%s", code, out)
	}
	for _, want := range []string{"no NVIDIA GPU on this machine", "nothing was changed", "FMKIT_XLA=cpu scripts/setup.sh", "FMKIT_XLA_FORCE=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("message lacks %q:\n%s", want, out)
		}
	}
	if took > 30*time.Second {
		t.Errorf("took %v to refuse: it should stop before any install", took)
	}
}

// scripts/gpu-check.sh without a GPU stops at once with a clear message.
func TestGPUCheckWithoutGPU(t *testing.T) {
	code, out, took := runScript(t, "gpu-check.sh", "FMKIT_ASSUME_NO_GPU=1")
	if code != 3 || !strings.Contains(out, "no NVIDIA GPU on this machine") || !strings.Contains(out, "nothing to check here") {
		t.Errorf("exit code %d, output:\n%s", code, out)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to stop", took)
	}
}

// The CUDA wheels are pinned with their sha256 (pip --require-hashes) and
// hold what the plugin's RPATH and XLA look for: the plugin, the CUDA
// runtime, cuBLAS, cuDNN, cuFFT, cuSOLVER, cuSPARSE, nvJitLink and ptxas
// (nvcc); the CPU plugin likewise.
func TestXLARequirementsPinned(t *testing.T) {
	line := regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.+-]*) --hash=sha256:[0-9a-f]{64}$`)
	read := func(rel string) map[string]string {
		f, err := os.Open(filepath.Join("..", rel))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pins := map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := strings.TrimSpace(sc.Text())
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: %q is not name==version --hash=sha256:<64 hex>", rel, l)
				continue
			}
			if _, dup := pins[m[1]]; dup {
				t.Errorf("%s: %s listed twice", rel, m[1])
			}
			pins[m[1]] = m[2]
		}
		return pins
	}
	cuda := read("scripts/requirements-xla-cuda.txt")
	for _, want := range []string{"jax-cuda12-pjrt", "nvidia-cuda-runtime-cu12", "nvidia-cublas-cu12", "nvidia-cudnn-cu12",
		"nvidia-cufft-cu12", "nvidia-cusolver-cu12", "nvidia-cusparse-cu12", "nvidia-nvjitlink-cu12", "nvidia-cuda-nvcc-cu12"} {
		if cuda[want] == "" {
			t.Errorf("scripts/requirements-xla-cuda.txt lacks %s", want)
		}
	}
	cpu := read("scripts/requirements-xla-cpu.txt")
	if cpu["lammps-jax-pjrt-cpu"] == "" {
		t.Error("scripts/requirements-xla-cpu.txt lacks lammps-jax-pjrt-cpu")
	}
	// Both plugins from the same XLA (jaxlib) version.
	if cuda["jax-cuda12-pjrt"] != cpu["lammps-jax-pjrt-cpu"] {
		t.Errorf("CUDA plugin %s and CPU plugin %s come from different XLA versions", cuda["jax-cuda12-pjrt"], cpu["lammps-jax-pjrt-cpu"])
	}
}
