// Command mkexercise generates the exercise notebook from its solution, so
// that the two never drift apart:
//
//	go run ./cmd/mkexercise           # solutions/exercise-6.2.ipynb -> exercises/exercise-6.2.ipynb
//	go run ./cmd/mkexercise -check    # exit status 1 if the committed exercise is not what it generates
//	go run ./cmd/mkexercise SOLUTION.ipynb EXERCISE.ipynb
//
// The solution carries marker comments. In a code cell, a block
//
//	// >>> solution exercise.Part1a
//	// What to write, restated for the student (one or more comment lines).
//	...the solution's code...
//	// <<< solution
//
// becomes, in the exercise, the comment lines with "TODO: " in front of the
// first one, followed by a stub that type-checks whatever the function
// returns:
//
//	// TODO: What to write, restated for the student (one or more comment lines).
//	panic(exercise.TODO(exercise.Part1a))
//
// The text after "solution" on the opening line is the Go expression passed to
// exercise.TODO. In a Markdown cell, "<!-- solution -->...<!-- /solution -->"
// is removed and "<!-- exercise: TEXT -->" becomes TEXT (so the solution shows
// answers, and the exercise prompts for them). The notebook metadata
// "fmkit.exercise" (e.g. {"expect_image": false}) is merged into "fmkit" of
// the exercise. The exercise keeps the solution's "fmkit.max_seconds": it is
// the time budget of the solved notebook, and a student's solved exercise
// runs the same trainings, so it must not be given less (a smaller
// "fmkit.exercise.max_seconds" is an error). Outputs are cleared: run
// scripts/nbrun.py --inplace on the exercise to fill them.
//
// When the committed exercise already has the generated cells and metadata,
// it is left as it is (with its outputs); otherwise it is rewritten
// atomically. -check compares only what the generator decides: the cell
// types and sources, the kernelspec and the fmkit metadata; the outputs
// written by the notebook runner do not count.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
)

const (
	defaultSolution = "solutions/exercise-6.2.ipynb"
	defaultExercise = "exercises/exercise-6.2.ipynb"
)

func main() {
	check := flag.Bool("check", false, "do not write: exit with status 1 if the exercise differs from what the solution generates")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: mkexercise [-check] [SOLUTION.ipynb EXERCISE.ipynb]\n(default %s -> %s)\n", defaultSolution, defaultExercise)
		flag.PrintDefaults()
	}
	flag.Parse()
	sol, ex := defaultSolution, defaultExercise
	switch flag.NArg() {
	case 0:
	case 2:
		sol, ex = flag.Arg(0), flag.Arg(1)
	default:
		flag.Usage()
		os.Exit(2)
	}
	msg, err := run(sol, ex, *check)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkexercise:", err)
		os.Exit(1)
	}
	fmt.Println(msg)
}

// run generates ex from sol (or, with check, compares them).
func run(sol, ex string, check bool) (string, error) {
	src, err := os.ReadFile(sol)
	if err != nil {
		return "", err
	}
	gen, err := Generate(src)
	if err != nil {
		return "", fmt.Errorf("%s: %w", sol, err)
	}
	old, err := os.ReadFile(ex)
	if err != nil && !(errors.Is(err, os.ErrNotExist) && !check) {
		return "", err
	}
	if err == nil {
		diff, err := Diff(gen, old)
		if err != nil {
			return "", fmt.Errorf("%s: %w", ex, err)
		}
		if diff == "" {
			return fmt.Sprintf("%s is up to date with %s", ex, sol), nil
		}
		if check {
			return "", fmt.Errorf("%s differs from what %s generates: %s; run go run ./cmd/mkexercise, then .venv/bin/python scripts/nbrun.py --inplace %s", ex, sol, diff, ex)
		}
	}
	if err := writeAtomic(ex, gen); err != nil {
		return "", err
	}
	return fmt.Sprintf("wrote %s from %s (no outputs yet: run .venv/bin/python scripts/nbrun.py --inplace %s)", ex, sol, ex), nil
}

// notebook is the part of an .ipynb file the generator reads; everything
// else is kept as it is.
type notebook = map[string]any

var (
	beginCode = regexp.MustCompile(`^(\s*)// >>> solution\s+(\S.*?)\s*$`)
	endCode   = regexp.MustCompile(`^\s*// <<< solution\s*$`)
	anyMarker = regexp.MustCompile(`//\s*(>>>|<<<)\s*solution`)
	comment   = regexp.MustCompile(`^\s*//`)
	mdBlock   = regexp.MustCompile(`(?s)<!-- solution -->.*?<!-- /solution -->`)
	mdMarker  = regexp.MustCompile(`<!-- /?solution -->`)
	mdPrompt  = regexp.MustCompile(`(?s)<!-- exercise: (.*?) -->`)
)

// Generate returns the exercise notebook (JSON, nbformat layout) made from
// the solution notebook.
func Generate(solution []byte) ([]byte, error) {
	var nb notebook
	if err := json.Unmarshal(solution, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	cells, ok := nb["cells"].([]any)
	if !ok {
		return nil, errors.New("not a notebook: no cells")
	}
	blocks := 0
	for i, c := range cells {
		cell, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("cell %d is not an object", i)
		}
		src := sourceText(cell["source"])
		var out string
		var err error
		switch cell["cell_type"] {
		case "code":
			var n int
			out, n, err = stubCode(src)
			blocks += n
			cell["outputs"] = []any{}
			cell["execution_count"] = nil
		case "markdown":
			out, err = promptMarkdown(src)
		default:
			out = src
		}
		if err != nil {
			return nil, fmt.Errorf("cell %d: %w", i, err)
		}
		cell["source"] = sourceLines(out)
	}
	if blocks == 0 {
		return nil, errors.New("no solution blocks (// >>> solution ... // <<< solution) in any code cell")
	}
	if meta, ok := nb["metadata"].(map[string]any); ok {
		if fm, ok := meta["fmkit"].(map[string]any); ok {
			if ex, ok := fm["exercise"].(map[string]any); ok {
				delete(fm, "exercise")
				if budget, ok := ex["max_seconds"].(float64); ok {
					if sol, ok := fm["max_seconds"].(float64); ok && budget < sol {
						return nil, fmt.Errorf("metadata fmkit.exercise.max_seconds = %g is below the solution's %g: the budget is the solved notebook's, and a student's solved exercise runs as long; drop it", budget, sol)
					}
				}
				for k, v := range ex {
					fm[k] = v
				}
			}
		}
	}
	return marshal(nb)
}

// stubCode replaces each solution block of a code cell by its task comment
// and a TODO stub; it returns the number of blocks.
func stubCode(src string) (string, int, error) {
	lines := strings.Split(src, "\n")
	var out []string
	blocks := 0
	for i := 0; i < len(lines); i++ {
		m := beginCode.FindStringSubmatch(lines[i])
		if m == nil {
			if anyMarker.MatchString(lines[i]) {
				return "", 0, fmt.Errorf("line %d: marker %q outside a block or malformed (want \"// >>> solution EXPR\" ... \"// <<< solution\")", i+1, strings.TrimSpace(lines[i]))
			}
			out = append(out, lines[i])
			continue
		}
		indent, todo := m[1], m[2]
		start := i + 1
		j := start
		var task []string
		for ; j < len(lines) && comment.MatchString(lines[j]) && !anyMarker.MatchString(lines[j]); j++ {
			// Keep the indentation inside the comment (lists, continuation
			// lines); drop the one space after "//".
			text := strings.TrimPrefix(strings.TrimSpace(lines[j]), "//")
			task = append(task, strings.TrimRight(strings.TrimPrefix(text, " "), " \t"))
		}
		if len(task) == 0 {
			return "", 0, fmt.Errorf("line %d: the solution block has no task comment: restate what to write in // lines right after the opening marker", i+1)
		}
		for ; j < len(lines) && !endCode.MatchString(lines[j]); j++ {
			if anyMarker.MatchString(lines[j]) {
				return "", 0, fmt.Errorf("line %d: marker inside the solution block opened at line %d", j+1, i+1)
			}
		}
		if j == len(lines) {
			return "", 0, fmt.Errorf("line %d: solution block not closed by // <<< solution", i+1)
		}
		for k, t := range task {
			if k == 0 {
				t = "TODO: " + t
			}
			out = append(out, strings.TrimRight(indent+"// "+t, " "))
		}
		out = append(out, fmt.Sprintf("%spanic(exercise.TODO(%s))", indent, todo))
		blocks++
		i = j
	}
	return strings.Join(out, "\n"), blocks, nil
}

// promptMarkdown removes solution-only text and reveals exercise prompts.
func promptMarkdown(src string) (string, error) {
	out := mdBlock.ReplaceAllString(src, "")
	if mdMarker.MatchString(out) {
		return "", errors.New("unbalanced <!-- solution --> ... <!-- /solution --> markers")
	}
	return mdPrompt.ReplaceAllString(out, "$1"), nil
}

func sourceText(s any) string {
	switch v := s.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, l := range v {
			if s, ok := l.(string); ok {
				b.WriteString(s)
			}
		}
		return b.String()
	}
	return ""
}

// sourceLines splits text as nbformat stores it: lines keeping their "\n".
func sourceLines(s string) []any {
	out := []any{}
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// marshal writes JSON as nbformat does: sorted keys, one-space indent, no
// HTML escaping, a final newline.
func marshal(nb notebook) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Diff compares the parts of two notebooks that the generator decides (cell
// types and sources, kernelspec, fmkit metadata) and describes the first
// difference, or returns "" when there is none.
func Diff(want, got []byte) (string, error) {
	var a, b notebook
	if err := json.Unmarshal(want, &a); err != nil {
		return "", err
	}
	if err := json.Unmarshal(got, &b); err != nil {
		return "", fmt.Errorf("not a notebook: %w", err)
	}
	meta := func(nb notebook, key string) any {
		m, _ := nb["metadata"].(map[string]any)
		return m[key]
	}
	for _, key := range []string{"kernelspec", "fmkit"} {
		if !reflect.DeepEqual(meta(a, key), meta(b, key)) {
			return fmt.Sprintf("metadata %s is %v, want %v", key, meta(b, key), meta(a, key)), nil
		}
	}
	ca, _ := a["cells"].([]any)
	cb, _ := b["cells"].([]any)
	for i := range max(len(ca), len(cb)) {
		if i >= len(ca) || i >= len(cb) {
			return fmt.Sprintf("%d cells, want %d", len(cb), len(ca)), nil
		}
		x, _ := ca[i].(map[string]any)
		y, _ := cb[i].(map[string]any)
		if x["cell_type"] != y["cell_type"] {
			return fmt.Sprintf("cell %d is %v, want %v", i, y["cell_type"], x["cell_type"]), nil
		}
		sx, sy := sourceText(x["source"]), sourceText(y["source"])
		if sx != sy {
			return fmt.Sprintf("cell %d: %s", i, firstDifference(sx, sy)), nil
		}
	}
	return "", nil
}

func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d is %q, want %q", i+1, g, w)
		}
	}
	return "sources differ"
}

// writeAtomic writes data to file through a temporary file and a rename.
func writeAtomic(file string, data []byte) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, err)
	}
	return nil
}
