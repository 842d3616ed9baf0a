// Package dockertest checks docker/Dockerfile without a Docker engine: the
// file is read by BuildKit's own Dockerfile parser and instruction parser
// (the code `docker build` runs first), with BuildKit's linter rules on, and
// the result is checked against the repository: the stages, the non-root
// user, the pinned versions and the command. docker/start.sh, the image's
// command, is run against a stand-in JupyterLab to check its token rule.
//
// It is a module of its own (docker/dockertest/go.mod), so that BuildKit is
// not a dependency of fmkit; scripts/test.sh runs it.
package dockertest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// The image's contract (docker/README.md).
const (
	user    = "flow"
	appDir  = "/home/flow/gofm"
	command = appDir + "/docker/start.sh"
	port    = "8888"
	xlaDir  = "/usr/local/lib/go-xla"
)

// repo is the repository root: this package is docker/dockertest.
var repo = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

func readRepo(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, rel))
	if err != nil {
		t.Fatalf("reading %s: %v", rel, err)
	}
	return string(b)
}

// dockerfile is docker/Dockerfile as BuildKit reads it.
type dockerfile struct {
	stages   []instructions.Stage
	metaArgs map[string]string // ARGs before the first FROM, with their defaults
	lint     []string          // BuildKit linter warnings
	warnings []string          // parser warnings
}

func parse(t *testing.T) *dockerfile {
	t.Helper()
	src := readRepo(t, "docker/Dockerfile")
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("BuildKit's parser rejects docker/Dockerfile: %v", err)
	}
	d := &dockerfile{metaArgs: map[string]string{}}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil {
			line = w.Location.Start.Line
		}
		d.warnings = append(d.warnings, fmt.Sprintf("line %d: %s", line, w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		d.lint = append(d.lint, fmt.Sprintf("line %d: %s: %s (%s)", line, rule, msg, url))
	}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("BuildKit's instruction parser rejects docker/Dockerfile: %v", err)
	}
	d.stages = stages
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			d.metaArgs[kv.Key] = kv.ValueString()
		}
	}
	return d
}

// expand expands ${VAR} in s with the meta ARGs' defaults, as BuildKit does
// for FROM lines.
func (d *dockerfile) expand(t *testing.T, s string) string {
	t.Helper()
	var env []string
	for k, v := range d.metaArgs {
		env = append(env, k+"="+v)
	}
	out, _, err := shell.NewLex('\\').ProcessWord(s, shell.EnvsFromSlice(env))
	if err != nil {
		t.Fatalf("expanding %q: %v", s, err)
	}
	return out
}

func (d *dockerfile) stage(t *testing.T, name string) instructions.Stage {
	t.Helper()
	for _, s := range d.stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stage %q in docker/Dockerfile", name)
	return instructions.Stage{}
}

func commands[T any](s instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// stageArgs are the ARG defaults declared inside a stage.
func stageArgs(s instructions.Stage) map[string]string {
	m := map[string]string{}
	for _, a := range commands[*instructions.ArgCommand](s) {
		for _, kv := range a.Args {
			m[kv.Key] = kv.ValueString()
		}
	}
	return m
}

func runLines(s instructions.Stage) []string {
	var out []string
	for _, r := range commands[*instructions.RunCommand](s) {
		out = append(out, strings.Join(r.CmdLine, " "))
	}
	return out
}

func TestParsesCleanly(t *testing.T) {
	d := parse(t)
	if len(d.warnings) > 0 {
		t.Errorf("BuildKit's parser warns:\n%s", strings.Join(d.warnings, "\n"))
	}
	if len(d.lint) > 0 {
		t.Errorf("BuildKit's linter (the rules of `docker build --check`) warns:\n%s", strings.Join(d.lint, "\n"))
	}
}

func TestStages(t *testing.T) {
	d := parse(t)
	var names []string
	for _, s := range d.stages {
		names = append(names, s.Name)
	}
	if want := []string{"xla", "lab"}; !slices.Equal(names, want) {
		t.Fatalf("stages %q, want %q (the optional XLA plugin, then the image)", names, want)
	}
	// Base images: pinned tags, never "latest", after expanding the ARGs.
	bases := map[string]*regexp.Regexp{
		"xla": regexp.MustCompile(`^debian:bookworm-slim$`),
		"lab": regexp.MustCompile(`^golang:\d+\.\d+\.\d+-bookworm$`),
	}
	for _, s := range d.stages {
		base := d.expand(t, s.BaseName)
		if !bases[s.Name].MatchString(base) {
			t.Errorf("stage %s is FROM %q (%s), want %s", s.Name, base, s.BaseName, bases[s.Name])
		}
	}
	// The image takes the plugin folder from the xla stage, where go-xla looks.
	lab := d.stage(t, "lab")
	found := false
	for _, c := range commands[*instructions.CopyCommand](lab) {
		if c.From == "xla" && c.DestPath == xlaDir {
			found = true
		}
	}
	if !found {
		t.Errorf("stage lab does not COPY --from=xla into %s", xlaDir)
	}
}

func TestNonRootUser(t *testing.T) {
	d := parse(t)
	lab := d.stage(t, "lab")
	users := commands[*instructions.UserCommand](lab)
	if len(users) == 0 {
		t.Fatal("stage lab has no USER: the container would run as root")
	}
	last := users[len(users)-1].User
	if last != user {
		t.Errorf("the image runs as USER %q, want %q", last, user)
	}
	if name, _, _ := strings.Cut(last, ":"); name == "root" || name == "0" {
		t.Errorf("the image runs as root (USER %q)", last)
	}
	created := false
	for _, r := range runLines(lab) {
		if strings.Contains(r, "useradd") && strings.Contains(r, " "+user) {
			created = true
		}
	}
	if !created {
		t.Errorf("no RUN useradd ... %s in stage lab", user)
	}
	// Everything after USER runs as that user: nothing may switch back.
	if i := slices.IndexFunc(lab.Commands, func(c instructions.Command) bool { _, ok := c.(*instructions.UserCommand); return ok }); i >= 0 {
		for _, c := range lab.Commands[i:] {
			if cp, ok := c.(*instructions.CopyCommand); ok && cp.From == "" && cp.Chown != user+":"+user {
				t.Errorf("COPY %v after USER without --chown=%s:%s (the files would belong to root)", cp.SourcePaths, user, user)
			}
		}
	}
}

var goLine = regexp.MustCompile(`(?m)^go (\d+\.\d+\.\d+)$`)

func TestPinnedVersions(t *testing.T) {
	d := parse(t)

	// Go: the golang image's version is go.mod's `go` line.
	m := goLine.FindStringSubmatch(readRepo(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no `go X.Y.Z` line")
	}
	if got := d.metaArgs["GO_VERSION"]; got != m[1] {
		t.Errorf("ARG GO_VERSION=%q, want %q (go.mod's go line)", got, m[1])
	}

	// JupyterLab and the rest of the Python side: scripts/setup.sh installs
	// scripts/requirements.txt, every line pinned with ==.
	req := readRepo(t, "scripts/requirements.txt")
	pins := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(req))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, ver, ok := strings.Cut(line, "==")
		if !ok || !regexp.MustCompile(`^[0-9][0-9A-Za-z.+-]*$`).MatchString(ver) {
			t.Errorf("scripts/requirements.txt: %q is not pinned (want name==version)", line)
			continue
		}
		pins[strings.ToLower(name)] = ver
	}
	if pins["jupyterlab"] == "" {
		t.Error("scripts/requirements.txt does not pin jupyterlab")
	}
	setup := readRepo(t, "scripts/setup.sh")
	if !strings.Contains(setup, `-r "$REQ"`) || !strings.Contains(setup, "requirements.txt") {
		t.Error("scripts/setup.sh no longer installs scripts/requirements.txt")
	}
	lab := d.stage(t, "lab")
	if !slices.ContainsFunc(runLines(lab), func(r string) bool { return strings.Contains(r, "scripts/setup.sh") }) {
		t.Error("stage lab does not RUN scripts/setup.sh (the pinned JupyterLab, gonb, goimports and the kernel)")
	}

	// GoNB and goimports: built by setup.sh from go.mod's tool dependencies,
	// at the versions go.mod requires.
	gomod := readRepo(t, "go.mod")
	for _, tool := range []string{"github.com/janpfeifer/gonb", "golang.org/x/tools/cmd/goimports"} {
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(tool) + `\s*$`).MatchString(gomod) {
			t.Errorf("go.mod's tool block does not list %s", tool)
		}
		if !strings.Contains(setup, `build -o "$VENV/bin/`+filepath.Base(tool)+`" `+tool) {
			t.Errorf("scripts/setup.sh does not build %s from the module", tool)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*github.com/janpfeifer/gonb v\d+\.\d+\.\d+\s*$`).MatchString(gomod) {
		t.Error("go.mod does not require a released version of github.com/janpfeifer/gonb")
	}

	// The XLA CPU plugin: the release go-xla (at the version go.mod
	// requires) is tested with.
	xla := stageArgs(d.stage(t, "xla"))
	if xla["XLA_CPU"] != "0" {
		t.Errorf("ARG XLA_CPU=%q in stage xla, want 0 (the plugin is optional)", xla["XLA_CPU"])
	}
	want := goXLADefaultCPUVersion(t)
	if got := xla["PJRT_CPU_VERSION"]; got != want {
		t.Errorf("ARG PJRT_CPU_VERSION=%q, want %q (go-xla's DefaultCPUVersion)", got, want)
	}
}

// goXLADefaultCPUVersion reads DefaultCPUVersion from the source of the
// go-xla module that go.mod requires (in the module cache).
func goXLADefaultCPUVersion(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/gomlx/go-xla")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("go list -m github.com/gomlx/go-xla in %s: %v (run `go mod download` at the root)", repo, err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "internal", "utils", "utils.go"))
	if err != nil {
		t.Fatalf("reading go-xla's DefaultCPUVersion: %v", err)
	}
	m := regexp.MustCompile(`var DefaultCPUVersion = "([^"]+)"`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("no DefaultCPUVersion in %s/internal/utils/utils.go", dir)
	}
	return string(m[1])
}

func TestCommand(t *testing.T) {
	d := parse(t)
	lab := d.stage(t, "lab")
	if e := commands[*instructions.EntrypointCommand](lab); len(e) > 0 {
		t.Errorf("stage lab has an ENTRYPOINT %q; the command is CMD only (so `docker run IMAGE bash` works)", e[len(e)-1].CmdLine)
	}
	cmds := commands[*instructions.CmdCommand](lab)
	if len(cmds) != 1 {
		t.Fatalf("stage lab has %d CMD, want 1", len(cmds))
	}
	c := cmds[0]
	if c.PrependShell {
		t.Errorf("CMD is in shell form; want the exec (JSON) form, so that signals reach JupyterLab")
	}
	if !slices.Equal(c.CmdLine, []string{command}) {
		t.Errorf("CMD %q, want [%q]", c.CmdLine, command)
	}
	// The command is the repository's docker/start.sh, copied to appDir.
	if w := commands[*instructions.WorkdirCommand](lab); len(w) == 0 || w[len(w)-1].Path != appDir {
		t.Errorf("the last WORKDIR of stage lab is not %s", appDir)
	}
	copied := false
	for _, cp := range commands[*instructions.CopyCommand](lab) {
		if cp.From == "" && slices.Equal(cp.SourcePaths, []string{"."}) && (cp.DestPath == "." || cp.DestPath == "./" || cp.DestPath == appDir) {
			copied = true
		}
	}
	if !copied {
		t.Error("stage lab does not COPY the repository (COPY . .) into " + appDir)
	}
	st, err := os.Stat(filepath.Join(repo, "docker", "start.sh"))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("docker/start.sh is missing or not executable (%v)", err)
	}
	// The port: EXPOSE and ENV PORT agree with start.sh's default.
	if e := commands[*instructions.ExposeCommand](lab); len(e) != 1 || !slices.Equal(e[0].Ports, []string{port}) {
		t.Errorf("EXPOSE: want exactly %s", port)
	}
	env := map[string]string{}
	for _, e := range commands[*instructions.EnvCommand](lab) {
		for _, kv := range e.Env {
			env[kv.Key] = kv.Value
		}
	}
	if env["PORT"] != port {
		t.Errorf("ENV PORT=%q, want %s", env["PORT"], port)
	}
	if !strings.Contains(readRepo(t, "docker/start.sh"), `PORT="${PORT:-`+port+`}"`) {
		t.Errorf("docker/start.sh's default port is not %s", port)
	}
	// The image says which backend it will use: checked when it is built.
	if !slices.ContainsFunc(runLines(lab), func(r string) bool { return strings.Contains(r, "fmkit-backend -want") }) {
		t.Error("stage lab does not run fmkit-backend -want at build time")
	}
}

// TestBuildContext checks that every file the Dockerfile copies from the
// build context (the repository root) exists and is not excluded by
// docker/Dockerfile.dockerignore, and that the ignore file keeps the local
// environment out.
func TestBuildContext(t *testing.T) {
	d := parse(t)
	patterns, err := ignorefile.ReadAll(strings.NewReader(readRepo(t, "docker/Dockerfile.dockerignore")))
	if err != nil {
		t.Fatalf("docker/Dockerfile.dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf("docker/Dockerfile.dockerignore: %v", err)
	}
	for _, s := range d.stages {
		for _, cp := range commands[*instructions.CopyCommand](s) {
			if cp.From != "" {
				continue
			}
			for _, src := range cp.SourcePaths {
				if src == "." {
					continue
				}
				if _, err := os.Stat(filepath.Join(repo, src)); err != nil {
					t.Errorf("COPY %s: not in the repository", src)
				}
				if ex, _ := pm.MatchesOrParentMatches(src); ex {
					t.Errorf("COPY %s: excluded by docker/Dockerfile.dockerignore", src)
				}
			}
		}
	}
	for _, p := range []string{".git", ".venv", "tests/browser/node_modules", "notebooks/.ipynb_checkpoints", "model.ckpt"} {
		if ex, _ := pm.MatchesOrParentMatches(p); !ex {
			t.Errorf("docker/Dockerfile.dockerignore does not exclude %s", p)
		}
	}
	for _, p := range []string{"go.mod", "fmkit/backend.go", "notebooks/index.ipynb", "docker/start.sh", "scripts/setup.sh"} {
		if ex, _ := pm.MatchesOrParentMatches(p); ex {
			t.Errorf("docker/Dockerfile.dockerignore excludes %s, which the image needs", p)
		}
	}
}

// startScript runs a copy of docker/start.sh in a scratch tree whose
// .venv/bin/jupyter records its arguments and token instead of starting a
// server. Returns the combined output, the recorded lines and the error.
func startScript(t *testing.T, env []string, args ...string) (string, []string, error) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"docker", ".venv/bin"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := readRepo(t, "docker/start.sh")
	rec := filepath.Join(dir, "jupyter.rec")
	files := map[string]string{
		"docker/start.sh":         script,
		".venv/bin/jupyter":       "#!/bin/sh\n{ echo \"token=$JUPYTER_TOKEN\"; for a in \"$@\"; do echo \"arg=$a\"; done; } > " + rec + "\n",
		".venv/bin/fmkit-backend": "#!/bin/sh\necho 'fmkit backend: go:ops_sequential (stand-in)'\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", append([]string{filepath.Join(dir, "docker", "start.sh")}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	b, _ := os.ReadFile(rec)
	var lines []string
	if len(b) > 0 {
		lines = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return out.String(), lines, err
}

func recorded(lines []string, prefix string) []string {
	var out []string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestStartScriptToken(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"unset", nil},
		{"empty", []string{"JUPYTER_TOKEN="}},
	} {
		out, lines, err := startScript(t, tc.env)
		if err != nil {
			t.Fatalf("%s JUPYTER_TOKEN: start.sh failed: %v\n%s", tc.name, err, out)
		}
		tok := recorded(lines, "token=")
		if len(tok) != 1 || !regexp.MustCompile(`^[0-9a-f]{48}$`).MatchString(tok[0]) {
			t.Errorf("%s JUPYTER_TOKEN: JupyterLab got token %q, want 48 random hex digits", tc.name, tok)
		}
		args := recorded(lines, "arg=")
		for _, want := range []string{"lab", "--ServerApp.ip=0.0.0.0", "--ServerApp.port=" + port} {
			if !slices.Contains(args, want) {
				t.Errorf("%s JUPYTER_TOKEN: jupyter arguments %q lack %q", tc.name, args, want)
			}
		}
		if !strings.Contains(out, "?token="+tok[0]) || !strings.Contains(out, "fmkit backend: ") {
			t.Errorf("start.sh should print the URL with the token and the backend; it printed:\n%s", out)
		}
	}

	out, lines, err := startScript(t, []string{"JUPYTER_TOKEN=chosen-by-user", "PORT=9999"})
	if err != nil {
		t.Fatalf("start.sh failed: %v\n%s", err, out)
	}
	if tok := recorded(lines, "token="); !slices.Equal(tok, []string{"chosen-by-user"}) {
		t.Errorf("JUPYTER_TOKEN=chosen-by-user: JupyterLab got %q", tok)
	}
	if !slices.Contains(recorded(lines, "arg="), "--ServerApp.port=9999") {
		t.Errorf("PORT=9999 not passed on: %q", recorded(lines, "arg="))
	}

	// An empty token among the arguments is refused before JupyterLab starts.
	for _, args := range [][]string{{"--IdentityProvider.token="}, {"--ServerApp.token", ""}, {"--NotebookApp.token=''"}} {
		out, lines, err := startScript(t, nil, args...)
		if err == nil || len(lines) > 0 {
			t.Errorf("start.sh %q: want a refusal before JupyterLab starts, got err=%v, jupyter ran: %v\n%s", args, err, len(lines) > 0, out)
		} else if !strings.Contains(out, "needs a token") {
			t.Errorf("start.sh %q: refusal does not say why:\n%s", args, out)
		}
	}
	if out, _, err := startScript(t, []string{"PORT=80a"}); err == nil || !strings.Contains(out, "bad PORT") {
		t.Errorf("PORT=80a: want a clear refusal, got err=%v:\n%s", err, out)
	}
}

// The CUDA variant (build argument XLA_CUDA=1): off by default; on, the lab
// stage runs scripts/setup.sh with FMKIT_XLA=cuda and the override for a
// build machine without a GPU, after copying the pinned, hash-checked
// requirement files it installs from; and the build-time backend check then
// wants XLA.
func TestCUDAVariant(t *testing.T) {
	d := parse(t)
	lab := d.stage(t, "lab")
	if got, ok := stageArgs(lab)["XLA_CUDA"]; !ok || got != "0" {
		t.Errorf("ARG XLA_CUDA=%q in stage lab, want 0 (the CUDA plugin is optional)", got)
	}
	runs := runLines(lab)
	if !slices.ContainsFunc(runs, func(r string) bool {
		return strings.Contains(r, "FMKIT_XLA=cuda FMKIT_XLA_FORCE=1 scripts/setup.sh") && strings.Contains(r, "${XLA_CUDA}")
	}) {
		t.Error("stage lab does not RUN `FMKIT_XLA=cuda FMKIT_XLA_FORCE=1 scripts/setup.sh` when XLA_CUDA=1")
	}
	if !slices.ContainsFunc(runs, func(r string) bool {
		return strings.Contains(r, `"${XLA_CUDA}" = 1`) && strings.Contains(r, "fmkit-backend -want")
	}) {
		t.Error("the build's backend check does not want XLA for XLA_CUDA=1")
	}
	copied := map[string]bool{}
	for _, c := range commands[*instructions.CopyCommand](lab) {
		for _, src := range c.SourcePaths {
			copied[src] = true
		}
	}
	for _, f := range []string{"scripts/requirements-xla-cpu.txt", "scripts/requirements-xla-cuda.txt"} {
		if !copied[f] {
			t.Errorf("stage lab does not COPY %s before running scripts/setup.sh", f)
		}
		checkHashPinned(t, f)
	}
	readme := readRepo(t, "docker/README.md")
	for _, want := range []string{"XLA_CUDA=1", "--gpus all"} {
		if !strings.Contains(readme, want) {
			t.Errorf("docker/README.md does not document %q", want)
		}
	}
}

// checkHashPinned checks that every requirement of a pip file is
// name==version --hash=sha256:<64 hex digits> (pip --require-hashes).
func checkHashPinned(t *testing.T, rel string) {
	t.Helper()
	line := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+-]* --hash=sha256:[0-9a-f]{64}$`)
	n := 0
	for _, l := range strings.Split(readRepo(t, rel), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		n++
		if !line.MatchString(l) {
			t.Errorf("%s: %q is not name==version --hash=sha256:<64 hex>", rel, l)
		}
	}
	if n == 0 {
		t.Errorf("%s: no requirements", rel)
	}
}
