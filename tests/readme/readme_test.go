// Package readme tests the newcomer's path that README.md describes: the two
// commands, the screenshot, where each notebook is, the backend names, the
// plain-Go program with the recipe that builds it in a module of its own, and
// scripts/lab.sh as a first session uses it (lab_test.go).
package readme

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/flowmatching/gofm/fmkit"
)

var repo = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the text under the heading line `heading` up to the next
// heading of the same or a higher level.
func section(t *testing.T, md, heading string) string {
	t.Helper()
	level := strings.IndexFunc(heading, func(r rune) bool { return r != '#' })
	lines := strings.Split(md, "\n")
	start := slices.Index(lines, heading)
	if start < 0 {
		t.Fatalf("README.md has no heading %q", heading)
	}
	end := len(lines)
	fence := false // inside a code block, "# ..." is a comment
	for i := start + 1; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "```") {
			fence = !fence
			continue
		}
		if n := strings.IndexFunc(lines[i], func(r rune) bool { return r != '#' }); !fence && n > 0 && n <= level && strings.HasPrefix(lines[i][n:], " ") {
			end = i
			break
		}
	}
	return strings.Join(lines[start+1:end], "\n")
}

// blocks returns the fenced code blocks of the given language in text.
func blocks(text, lang string) []string {
	re := regexp.MustCompile("(?ms)^```" + regexp.QuoteMeta(lang) + "\n(.*?)^```")
	var out []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

func executable(t *testing.T, rel string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(repo, rel))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("%s: missing or not executable (%v)", rel, err)
	}
}

func TestTwoCommands(t *testing.T) {
	sh := blocks(section(t, readme(t), "## Two commands"), "sh")
	if len(sh) == 0 {
		t.Fatal(`"## Two commands" has no sh block`)
	}
	var cmds []string
	for _, line := range strings.Split(sh[0], "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmds = append(cmds, strings.Fields(line)[0])
	}
	if want := []string{"scripts/lab.sh", "scripts/test.sh"}; !slices.Equal(cmds, want) {
		t.Errorf("the set-up block runs %q, want exactly %q", cmds, want)
	}
	for _, c := range cmds {
		executable(t, c)
	}
}

func TestScreenshot(t *testing.T) {
	md := readme(t)
	if !strings.Contains(md, "](docs/lab.png)") {
		t.Error("README.md does not show docs/lab.png")
	}
	b, err := os.ReadFile(filepath.Join(repo, "docs", "lab.png"))
	if err != nil {
		t.Fatalf("docs/lab.png: %v (scripts/screenshot.sh makes it)", err)
	}
	if len(b) < 24 || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || string(b[12:16]) != "IHDR" {
		t.Fatal("docs/lab.png is not a PNG")
	}
	w, h := binary.BigEndian.Uint32(b[16:20]), binary.BigEndian.Uint32(b[20:24])
	if w < 1000 || h < 600 {
		t.Errorf("docs/lab.png is %dx%d, want at least 1000x600 (a screenshot of the lab)", w, h)
	}
	executable(t, "scripts/screenshot.sh")
	src, _ := os.ReadFile(filepath.Join(repo, "scripts", "screenshot.sh"))
	if !strings.Contains(string(src), "docs/lab.png") || !strings.Contains(string(src), "tests/browser/run.sh") {
		t.Error("scripts/screenshot.sh does not refresh docs/lab.png from the browser test")
	}
	if !strings.Contains(md, "scripts/screenshot.sh") {
		t.Error("README.md does not say how the screenshot is refreshed")
	}
}

var notebookRef = regexp.MustCompile(`\b(?:notebooks|exercises|solutions)/[\w.+-]+\.ipynb\b`)

// TestNotebooks: every notebook in the repository is in README.md, and every
// notebook README.md names is in the repository or on index.ipynb's map
// (written by its section's issue).
func TestNotebooks(t *testing.T) {
	named := map[string]bool{}
	for _, m := range notebookRef.FindAllString(readme(t), -1) {
		named[m] = true
	}
	var onDisk []string
	for _, dir := range []string{"notebooks", "exercises", "solutions"} {
		files, _ := filepath.Glob(filepath.Join(repo, dir, "*.ipynb"))
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), ".") {
				continue // hidden scratch files, which scripts/test.sh skips too
			}
			onDisk = append(onDisk, dir+"/"+filepath.Base(f))
		}
	}
	sort.Strings(onDisk)
	if len(onDisk) == 0 {
		t.Fatal("no notebooks found")
	}
	for _, nb := range onDisk {
		if !named[nb] {
			t.Errorf("%s is not in README.md's list of notebooks", nb)
		}
	}
	var index struct {
		Cells []struct {
			Source any `json:"source"`
		} `json:"cells"`
	}
	b, err := os.ReadFile(filepath.Join(repo, "notebooks", "index.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatalf("notebooks/index.ipynb: %v", err)
	}
	mapped := map[string]bool{}
	for _, c := range index.Cells {
		var src string
		switch v := c.Source.(type) {
		case string:
			src = v
		case []any:
			for _, s := range v {
				src += s.(string)
			}
		}
		for _, m := range regexp.MustCompile(`[\w.+-]+\.ipynb`).FindAllString(src, -1) {
			mapped[m] = true
		}
	}
	for nb := range named {
		if !slices.Contains(onDisk, nb) && !mapped[filepath.Base(nb)] {
			t.Errorf("README.md names %s, which is neither in the repository nor on index.ipynb's map", nb)
		}
	}
}

func TestBackendNames(t *testing.T) {
	if fmkit.BackendEnv != "GOMLX_BACKEND" {
		t.Fatalf("fmkit reads $%s; README.md says GOMLX_BACKEND", fmkit.BackendEnv)
	}
	known := backends.List()
	vals := regexp.MustCompile(`GOMLX_BACKEND=([\w:,]+)`).FindAllStringSubmatch(readme(t), -1)
	if len(vals) == 0 {
		t.Fatal("README.md shows no GOMLX_BACKEND=... example")
	}
	for _, v := range vals {
		name, _, _ := strings.Cut(v[1], ":")
		if !slices.Contains(known, name) {
			t.Errorf("README.md: GOMLX_BACKEND=%s: GoMLX has no backend %q (known: %v)", v[1], name, known)
		}
	}
	// The pure-Go one must work everywhere.
	if _, err := fmkit.NewBackend("go"); err != nil {
		t.Errorf("GOMLX_BACKEND=go: %v", err)
	}
}

// TestPlainGo follows "From plain Go": a module of its own beside the clone,
// the recipe's commands, and the program; it builds and vets the program
// instead of running it (training takes a minute).
func TestPlainGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program against the whole library; skipped with -short")
	}
	sec := section(t, readme(t), "### From plain Go")
	sh, gosrc := blocks(sec, "sh"), blocks(sec, "go")
	if len(sh) != 1 || len(gosrc) != 1 {
		t.Fatalf(`"From plain Go" has %d sh and %d go blocks, want 1 and 1`, len(sh), len(gosrc))
	}
	recipe := sh[0]
	for _, want := range []string{`GOFM="$(pwd)"`, "mkdir ../flows && cd ../flows", "go mod init ", `-replace=github.com/flowmatching/gofm="$GOFM"`, "go run ."} {
		if !strings.Contains(recipe, want) {
			t.Fatalf("the recipe lacks %q:\n%s", want, recipe)
		}
	}
	// A clone under a name of its own (not gofm), which the recipe must not
	// depend on: the module's files (go.mod, go.sum, fmkit/) copied into a
	// real folder, so that the recipe's ../flows lands beside it.
	dir := t.TempDir()
	clone := filepath.Join(dir, "my-clone")
	if err := os.CopyFS(filepath.Join(clone, "fmkit"), os.DirFS(filepath.Join(repo, "fmkit"))); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(repo, f))
		if err == nil {
			err = os.WriteFile(filepath.Join(clone, f), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	prog := filepath.Join(dir, "main.go.txt")
	if err := os.WriteFile(prog, []byte(gosrc[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	// The recipe as written, started in the clone, with the program saved
	// where it says, and a build + vet where it runs the program.
	script := strings.Replace(recipe, "# save the program below as main.go, then:", `cp "$PROGRAM" main.go`, 1)
	script = strings.Replace(script, "go run .", "go vet . && go build -o flows-bin . && test -x flows-bin", 1)
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", `cd "$CLONE"`+"\n"+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PROGRAM="+prog, "CLONE="+clone, "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README's plain-Go recipe fails: %v\n%s", err, out)
	}
	bin := filepath.Join(dir, "flows", "flows-bin")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the recipe did not build flows/ next to the clone: %v\n%s", err, out)
	}

	// It says which backend runs before it trains (read its first line,
	// then stop it) ...
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "GOMLX_BACKEND=go")
	stdout, err := run.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		first <- line
	}()
	select {
	case line := <-first:
		if !strings.HasPrefix(line, "fmkit backend: go (set by $GOMLX_BACKEND)") {
			t.Errorf("the program's first line is %q, want the backend (fmkit backend: go ...)", line)
		}
	case <-time.After(time.Minute):
		t.Errorf("the program printed no line within a minute")
	}
	_ = run.Process.Kill()
	_ = run.Wait()

	// ... and a backend it cannot use ends it with a message, not a panic.
	bad := exec.Command(bin)
	bad.Env = append(os.Environ(), "GOMLX_BACKEND=nosuch")
	out, err = bad.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), `unknown GoMLX backend "nosuch"`) ||
		strings.Contains(string(out), "panic") || strings.Contains(string(out), "goroutine ") {
		t.Errorf("GOMLX_BACKEND=nosuch: %v, want exit status 1 with the message of an unknown backend, no panic:\n%s", err, out)
	}
}
