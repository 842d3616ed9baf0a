//go:build linux || darwin

package readme

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLabSh follows "A first session" with the real scripts/lab.sh and
// JupyterLab (no browser: tests/browser does the clicking): the URL it
// prints, the lab behind it (token, the gonb kernel, the repository as its
// root), one lab per folder, a taken --port, --stop, and that nothing of
// Jupyter's lands in the home folder.
//
// It runs with HOME (and the XDG folders) in an empty temporary folder, Go's
// caches where they are, and its own JUPYTER_RUNTIME_DIR, so that a lab the
// developer has open for this folder is neither seen nor stopped.
func TestLabSh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts JupyterLab and a gonb kernel; skipped with -short")
	}
	md := strings.Join(strings.Fields(readme(t)), " ")
	for _, want := range []string{
		"`http://127.0.0.1:PORT/lab/tree/notebooks/index.ipynb?token=...`",
		"`scripts/lab.sh --stop` stops it",
		"`--port N` chooses the port and fails at once, before printing any URL, when N is taken",
		"the file browser on the left shows the folder `notebooks/`",
		"`scripts/lab.sh` keeps Jupyter's files in `.venv/jupyter/`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("README.md no longer says %q; this test checks what it says", want)
		}
	}
	executable(t, "scripts/lab.sh")

	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	env := labEnv(t, tmp, home)
	runtimeDir := filepath.Join(tmp, "runtime")

	// A taken --port: fails before the set-up and before any URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	taken := ln.Addr().(*net.TCPAddr).Port
	out, code := runLab(t, env, 60*time.Second, "--port", fmt.Sprint(taken))
	ln.Close()
	if code == 0 || !strings.Contains(out, fmt.Sprintf("port %d on 127.0.0.1 is already in use", taken)) || strings.Contains(out, "http://") {
		t.Errorf("scripts/lab.sh --port %d (taken): exit %d, want a failure that names the port and prints no URL:\n%s", taken, code, out)
	}

	// The first session: scripts/lab.sh prints the URL and serves the lab.
	// Its output goes to a file (a pipe would stay open as long as any
	// kernel it started runs).
	logFile := filepath.Join(tmp, "lab.log")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lab := exec.Command(filepath.Join(repo, "scripts", "lab.sh"))
	lab.Dir = repo
	lab.Env = env
	lab.Stdout, lab.Stderr = f, f
	lab.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := lab.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- lab.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-exited:
			exited <- err
			return
		default:
		}
		runLab(t, env, 60*time.Second, "--stop")
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-lab.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	labLog := func() string {
		b, _ := os.ReadFile(logFile)
		return string(b)
	}

	urlRE := regexp.MustCompile(`(?m)^lab: JupyterLab on (http://127\.0\.0\.1:(\d+))/lab/tree/notebooks/index\.ipynb\?token=([0-9a-f]{16,})$`)
	var url, base, token string
	deadline := time.Now().Add(5 * time.Minute) // the first time, the set-up runs
	for url == "" {
		text := labLog()
		if m := urlRE.FindStringSubmatch(text); m != nil {
			url, base, token = strings.TrimPrefix(m[0], "lab: JupyterLab on "), m[1], m[3]
			break
		}
		if strings.Contains(text, "lab: JupyterLab on ") {
			t.Fatalf("scripts/lab.sh printed a URL not of the README's form http://127.0.0.1:PORT/lab/tree/notebooks/index.ipynb?token=...:\n%s", text)
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("scripts/lab.sh ended (%v) without printing the lab's URL:\n%s", err, text)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL from scripts/lab.sh after 5 minutes:\n%s", text)
		}
		time.Sleep(300 * time.Millisecond)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string, auth bool) (int, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		if auth {
			req.Header.Set("Authorization", "token "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	up := time.Now().Add(2 * time.Minute)
	for {
		if code, _ := get("/api/status", true); code == 200 {
			break
		}
		if time.Now().After(up) {
			t.Fatalf("JupyterLab does not answer at %s two minutes after lab.sh printed its URL:\n%s", base, labLog())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if code, _ := get("/api/status", false); code != 403 {
		t.Errorf("GET /api/status without the token: HTTP %d, want 403 (token authentication)", code)
	}
	res, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "jupyter-config-data") {
		t.Errorf("GET the printed URL: HTTP %d, and not JupyterLab's page", res.StatusCode)
	}
	// The repository is the lab's root: notebooks/ and, one level up from
	// it, exercises/ and solutions/.
	// (Reading the notebook with its content, as opening it does, also
	// consults Jupyter's notebook trust database.)
	for _, p := range []string{"notebooks/index.ipynb", "exercises", "solutions"} {
		if _, err := os.Stat(filepath.Join(repo, p)); err != nil {
			continue
		}
		if code, _ := get("/api/contents/"+p, true); code != 200 {
			t.Errorf("the lab does not serve %s (HTTP %d): its root is not the repository", p, code)
		}
	}
	// The kernel README.md names is there, and starts.
	_, b := get("/api/kernelspecs", true)
	var specs struct {
		Kernelspecs map[string]struct {
			Spec struct {
				DisplayName string `json:"display_name"`
			} `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(b, &specs); err != nil || specs.Kernelspecs["gonb"].Spec.DisplayName != "Go (gonb)" {
		t.Errorf("the lab offers no kernel gonb named \"Go (gonb)\": %s", b)
	} else {
		startKernel(t, client, base, token, runtimeDir)
	}

	// Once more while it runs: the same URL, no second lab.
	out, code = runLab(t, env, 60*time.Second)
	if code != 0 || !strings.Contains(out, "already running for this folder") || !strings.Contains(out, "lab: JupyterLab on "+url+"\n") {
		t.Errorf("scripts/lab.sh while the lab runs: exit %d, want 0 with the running lab's URL %s:\n%s", code, url, out)
	}
	if infos, _ := filepath.Glob(filepath.Join(runtimeDir, "jpserver-*.json")); len(infos) != 1 {
		t.Errorf("%d Jupyter servers in %s, want 1", len(infos), runtimeDir)
	}
	// ... and with another --port: it says to stop the running one first.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	other := free.Addr().(*net.TCPAddr).Port
	free.Close()
	out, code = runLab(t, env, 60*time.Second, "--port", fmt.Sprint(other))
	if code == 0 || !strings.Contains(out, "stop it first") {
		t.Errorf("scripts/lab.sh --port %d while the lab runs elsewhere: exit %d, want a failure saying to stop it first:\n%s", other, code, out)
	}

	// --stop stops it.
	out, code = runLab(t, env, 60*time.Second, "--stop")
	if code != 0 || !strings.Contains(out, "lab: stopped") {
		t.Errorf("scripts/lab.sh --stop: exit %d:\n%s", code, out)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("the lab ended with %v after --stop:\n%s", err, labLog())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the lab still runs 30 s after scripts/lab.sh --stop")
	}
	out, _ = runLab(t, env, 60*time.Second, "--stop")
	if !strings.Contains(out, "no JupyterLab of this folder is running") {
		t.Errorf("scripts/lab.sh --stop with no lab: %s", out)
	}

	// README.md: outside this folder only Go writes (its telemetry counters,
	// goimports's cache); Jupyter's files are in .venv/ or the runtime folder.
	var stray []string
	_ = filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == home {
			return nil
		}
		rel := strings.TrimPrefix(filepath.ToSlash(p), filepath.ToSlash(home)+"/")
		switch {
		case rel == ".config" || rel == ".cache": // their parents
		case rel == ".config/go" || strings.HasPrefix(rel, ".config/go/"):
		case rel == ".cache/goimports" || strings.HasPrefix(rel, ".cache/goimports/"):
		default:
			stray = append(stray, rel)
			if d.IsDir() {
				return fs.SkipDir
			}
		}
		return nil
	})
	if len(stray) > 0 {
		t.Errorf("the lab session wrote into the home folder, which README.md does not list: %v", stray)
	}
}

// startKernel starts a gonb kernel through the lab's API, checks with
// jupyter_client (from .venv) that it answers on its connection file in
// runtimeDir, and shuts it down. (The API says "starting" until a client
// connects, so its state alone proves nothing.)
func startKernel(t *testing.T, client *http.Client, base, token, runtimeDir string) {
	t.Helper()
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "token "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return 0, []byte(err.Error())
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	code, b := do("POST", "/api/kernels", `{"name": "gonb"}`)
	var k struct {
		ID string `json:"id"`
	}
	if code != 201 || json.Unmarshal(b, &k) != nil || k.ID == "" {
		t.Errorf("starting a gonb kernel: HTTP %d: %s", code, b)
		return
	}
	defer do("DELETE", "/api/kernels/"+k.ID, "")
	conn := filepath.Join(runtimeDir, "kernel-"+k.ID+".json")
	cmd := exec.Command(filepath.Join(repo, ".venv", "bin", "python"), "-c", `
import sys
from jupyter_client import BlockingKernelClient
c = BlockingKernelClient(connection_file=sys.argv[1])
c.load_connection_file()
c.start_channels()
try:
    c.wait_for_ready(timeout=120)
    print("kernel ready:", c.kernel_info(reply=True, timeout=30)["content"].get("implementation", "?"))
finally:
    c.stop_channels()
`, conn)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "kernel ready: gonb") {
		t.Errorf("the gonb kernel started by the lab does not answer (%v):\n%s", err, out)
	}
}

// labEnv is the environment the test runs lab.sh in: HOME and the XDG
// folders in tmp (empty), Go's caches and settings where `go env` has them,
// a runtime folder of its own, no display (no desktop browser opens).
func labEnv(t *testing.T, tmp, home string) []string {
	t.Helper()
	goenv := map[string]string{}
	b, err := exec.Command("go", "env", "-json", "GOPATH", "GOMODCACHE", "GOCACHE", "GOENV").Output()
	if err != nil || json.Unmarshal(b, &goenv) != nil {
		t.Fatalf("go env: %v", err)
	}
	drop := regexp.MustCompile(`^(HOME|XDG_\w+|JUPYTER\w*|IPYTHONDIR|FMKIT_CACHE|TMPDIR|DISPLAY|WAYLAND_DISPLAY|BROWSER|PORT|GOPATH|GOMODCACHE|GOCACHE|GOENV)=`)
	var env []string
	for _, kv := range os.Environ() {
		if !drop.MatchString(kv) {
			env = append(env, kv)
		}
	}
	for _, d := range []string{"home", "tmp", "runtime"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env = append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"TMPDIR="+filepath.Join(tmp, "tmp"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
	)
	for k, v := range goenv {
		env = append(env, k+"="+v)
	}
	return env
}

// runLab runs scripts/lab.sh with args and returns its output and exit code.
func runLab(t *testing.T, env []string, timeout time.Duration, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repo, "scripts", "lab.sh"), args...)
	cmd.Dir = repo
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("scripts/lab.sh %s: %v", strings.Join(args, " "), err)
		}
		return out.String(), code
	case <-time.After(timeout):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatalf("scripts/lab.sh %s: still running after %v:\n%s", strings.Join(args, " "), timeout, out.String())
		return "", -1
	}
}
