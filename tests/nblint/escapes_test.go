package nblint

import (
	"fmt"
	"testing"
)

// escapeProblem reports a control character in a Markdown cell's text.
// They come from LaTeX written in a string with backslash escapes: "\approx"
// becomes a bell and "pprox", "\frac" a form feed and "rac", "\times" a tab
// and "imes"; JupyterLab then renders a broken formula. Markdown prose needs
// no control character but the newline.
func escapeProblem(src string) string {
	for i, r := range src {
		if r < 0x20 && r != '\n' {
			end := i + 12
			if end > len(src) {
				end = len(src)
			}
			return fmt.Sprintf("control character %U before %q: a LaTeX backslash taken as a string escape? (write \\\\ in the generator)", r, src[i+1:end])
		}
	}
	return ""
}

func TestMarkdownHasNoControlCharacters(t *testing.T) {
	for rel, nb := range courseNotebooks(t) {
		for i, c := range nb.Cells {
			if c.CellType != "markdown" {
				continue
			}
			if p := escapeProblem(text(c.Source)); p != "" {
				t.Errorf("%s cell %d: %s", rel, i, p)
			}
		}
	}
}

func TestEscapeLintCatchesEatenBackslashes(t *testing.T) {
	for _, bad := range []string{"$t \approx 0.4$", "$\frac{1}{2}$", "$a \times b$", "$\beta_t$", "$\rho$", "$\vec v$"} {
		if escapeProblem(bad) == "" {
			t.Errorf("%q passed", bad)
		}
	}
	if p := escapeProblem("$t \\approx 0.4$, $\\frac{1}{2}$\n\nline two"); p != "" {
		t.Errorf("good text rejected: %s", p)
	}
}
