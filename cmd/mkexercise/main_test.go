package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStubCode(t *testing.T) {
	src := strings.Join([]string{
		"// f doubles x.",
		"func f(x int) int {",
		"\t// >>> solution exercise.Part1a",
		"\t// Return 2 x.",
		"\t//   (a second line)",
		"\ty := 2 * x",
		"\treturn y",
		"\t// <<< solution",
		"}",
		"",
		"%%",
		"fmt.Println(f(2))",
	}, "\n")
	got, n, err := stubCode(src)
	if err != nil || n != 1 {
		t.Fatalf("stubCode: %d blocks, %v", n, err)
	}
	want := strings.Join([]string{
		"// f doubles x.",
		"func f(x int) int {",
		"\t// TODO: Return 2 x.",
		"\t//   (a second line)",
		"\tpanic(exercise.TODO(exercise.Part1a))",
		"}",
		"",
		"%%",
		"fmt.Println(f(2))",
	}, "\n")
	if got != want {
		t.Errorf("stubCode =\n%s\nwant\n%s", got, want)
	}
}

func TestStubCodeErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unclosed":       "func f() {\n\t// >>> solution X\n\t// do it\n\tg()\n}",
		"no task":        "func f() {\n\t// >>> solution X\n\tg()\n\t// <<< solution\n}",
		"nested":         "// >>> solution X\n// a\n// >>> solution Y\n// b\n// <<< solution\n// <<< solution",
		"stray end":      "func f() {\n\t// <<< solution\n}",
		"missing expr":   "// >>> solution\n// a\n// <<< solution",
		"nested in code": "// >>> solution X\n// a\nx := 1\n// >>> solution Y\n// <<< solution",
	} {
		if _, _, err := stubCode(src); err == nil {
			t.Errorf("%s: no error for\n%s", name, src)
		}
	}
}

func TestPromptMarkdown(t *testing.T) {
	src := "# Exercise<!-- solution -->: solution<!-- /solution -->\n\n**Answer.** <!-- exercise: *(your answer)* --><!-- solution -->\nIt is 2.\n<!-- /solution -->\n"
	got, err := promptMarkdown(src)
	if err != nil {
		t.Fatal(err)
	}
	if want := "# Exercise\n\n**Answer.** *(your answer)*\n"; got != want {
		t.Errorf("promptMarkdown = %q, want %q", got, want)
	}
	if _, err := promptMarkdown("a <!-- solution --> b"); err == nil {
		t.Error("unbalanced markers: no error")
	}
}

func TestGenerate(t *testing.T) {
	sol := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec": map[string]any{"name": "gonb"},
			"fmkit":      map[string]any{"max_seconds": 180, "exercise": map[string]any{"expect_image": false}},
		},
		"cells": []any{
			map[string]any{"cell_type": "markdown", "id": "a", "metadata": map[string]any{}, "source": "Hi<!-- solution --> there<!-- /solution -->"},
			map[string]any{"cell_type": "code", "id": "b", "metadata": map[string]any{}, "execution_count": 3,
				"outputs": []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "4\n"}},
				"source":  []any{"func f() int {\n", "\t// >>> solution P\n", "\t// Return 4.\n", "\treturn 4\n", "\t// <<< solution\n", "}"}},
		},
	}
	raw, _ := json.Marshal(sol)
	gen, err := Generate(raw)
	if err != nil {
		t.Fatal(err)
	}
	var nb map[string]any
	if err := json.Unmarshal(gen, &nb); err != nil {
		t.Fatal(err)
	}
	fm := nb["metadata"].(map[string]any)["fmkit"].(map[string]any)
	if fm["max_seconds"] != 180.0 || fm["expect_image"] != false || fm["exercise"] != nil {
		t.Errorf("fmkit metadata %v", fm)
	}
	// The exercise may not get a smaller time budget than the solution.
	sol["metadata"].(map[string]any)["fmkit"].(map[string]any)["exercise"] = map[string]any{"max_seconds": 60}
	short, _ := json.Marshal(sol)
	if _, err := Generate(short); err == nil || !strings.Contains(err.Error(), "max_seconds") {
		t.Errorf("a smaller budget for the exercise: %v", err)
	}
	cells := nb["cells"].([]any)
	md, code := cells[0].(map[string]any), cells[1].(map[string]any)
	if s := sourceText(md["source"]); s != "Hi" {
		t.Errorf("markdown %q", s)
	}
	if s := sourceText(code["source"]); s != "func f() int {\n\t// TODO: Return 4.\n\tpanic(exercise.TODO(P))\n}" {
		t.Errorf("code %q", s)
	}
	if len(code["outputs"].([]any)) != 0 || code["execution_count"] != nil || code["id"] != "b" {
		t.Errorf("code cell %v", code)
	}
	if d, err := Diff(gen, gen); d != "" || err != nil {
		t.Errorf("Diff with itself: %q, %v", d, err)
	}
	// Outputs do not count, sources do.
	code["outputs"] = []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "x"}}
	withOut, _ := json.Marshal(nb)
	if d, _ := Diff(gen, withOut); d != "" {
		t.Errorf("outputs counted as a difference: %s", d)
	}
	code["source"] = "func f() int { return 4 }"
	edited, _ := json.Marshal(nb)
	if d, _ := Diff(gen, edited); !strings.Contains(d, "cell 1") {
		t.Errorf("edited source not detected: %q", d)
	}
	if _, err := Generate([]byte(`{"cells": [{"cell_type": "code", "source": "x := 1"}]}`)); err == nil {
		t.Error("a solution without blocks: no error")
	}
}

// The committed exercise must be what the generator makes of the committed
// solution (sources and metadata; outputs aside).
func TestCommittedExerciseIsGenerated(t *testing.T) {
	root := filepath.Join("..", "..")
	sol := filepath.Join(root, defaultSolution)
	ex := filepath.Join(root, defaultExercise)
	src, err := os.ReadFile(sol)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Generate(src)
	if err != nil {
		t.Fatalf("%s: %v", sol, err)
	}
	committed, err := os.ReadFile(ex)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := Diff(gen, committed)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("%s is not generated from %s: %s\nrun: go run ./cmd/mkexercise && .venv/bin/python scripts/nbrun.py --inplace %s", ex, sol, diff, defaultExercise)
	}
}

// run leaves an up-to-date exercise (with its outputs) alone, rewrites a
// stale one, and -check reports it.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	sol := filepath.Join(dir, "sol.ipynb")
	ex := filepath.Join(dir, "ex.ipynb")
	nb := `{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "func f() {\n\t// >>> solution X\n\t// do it\n\tg()\n\t// <<< solution\n}"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(sol, []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(sol, ex, true); err == nil {
		t.Error("-check with no exercise: no error")
	}
	if _, err := run(sol, ex, false); err != nil {
		t.Fatal(err)
	}
	if _, err := run(sol, ex, true); err != nil {
		t.Errorf("-check after generating: %v", err)
	}
	// Outputs added by the notebook runner survive a regeneration.
	raw, _ := os.ReadFile(ex)
	withOut := strings.Replace(string(raw), `"outputs": []`, `"outputs": [{"output_type": "stream", "name": "stdout", "text": "ran"}]`, 1)
	if err := os.WriteFile(ex, []byte(withOut), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := run(sol, ex, false); err != nil || !strings.Contains(msg, "up to date") {
		t.Errorf("regenerating: %q, %v", msg, err)
	}
	if raw, _ := os.ReadFile(ex); !strings.Contains(string(raw), "ran") {
		t.Error("outputs lost")
	}
	// A stale exercise fails the check.
	if err := os.WriteFile(ex, []byte(strings.Replace(withOut, "do it", "do that", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := run(sol, ex, true); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("-check on a stale exercise: %v", err)
	}
}
