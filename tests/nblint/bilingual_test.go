package nblint

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The course's two-language layout (README, "Two languages"): a Markdown
// cell with prose gives the Chinese first, then the English inside
//
//	<details><summary>English</summary>
//
//	...
//
//	</details>
//
// with blank lines around the English so that Markdown and formulas render
// inside the block. Headings carry both languages on one line and need no
// block; a cell with only a heading (or only formulas) is not checked.
const (
	detailsOpen  = "<details><summary>English</summary>"
	detailsClose = "</details>"
)

var (
	cjk         = regexp.MustCompile(`[\p{Han}]`)
	displayMath = regexp.MustCompile(`(?s)\$\$.*?\$\$`)
	inlineMath  = regexp.MustCompile(`\$[^$\n]*\$`)
	latin       = regexp.MustCompile(`[A-Za-z]`)
)

// layoutProblem returns what is wrong with one Markdown cell's layout, or
// "" if it is fine or has no prose to check (checked reports which).
func layoutProblem(src string) (problem string, checked bool) {
	var body []string
	for _, l := range strings.Split(src, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			body = append(body, l)
		}
	}
	prose := inlineMath.ReplaceAllString(displayMath.ReplaceAllString(strings.Join(body, "\n"), ""), "")
	if len(latin.FindAllString(prose, -1)) < 40 && !cjk.MatchString(prose) {
		return "", false
	}
	open := strings.Index(src, detailsOpen)
	switch {
	case open < 0:
		return "no " + detailsOpen + " block with the English", true
	case !cjk.MatchString(inlineMath.ReplaceAllString(src[:open], "")):
		return "no Chinese before the English block (Chinese comes first)", true
	case strings.Count(src, detailsOpen) != 1 || strings.Count(src, detailsClose) != 1:
		return "want exactly one English block per cell", true
	}
	rest := src[open+len(detailsOpen):]
	end := strings.Index(rest, detailsClose)
	if end < 0 {
		return "the English block is not closed with " + detailsClose, true
	}
	english := rest[:end]
	if !strings.HasPrefix(english, "\n\n") || !strings.HasSuffix(english, "\n\n") {
		return "the English block needs a blank line after <summary>…</summary> and before </details> (or Markdown inside it does not render)", true
	}
	if len(latin.FindAllString(english, -1)) < 20 {
		return "the English block is (nearly) empty", true
	}
	// Chinese terms may be quoted in the English, but not Chinese prose.
	en := inlineMath.ReplaceAllString(english, "")
	if h, l := len(cjk.FindAllString(en, -1)), len(latin.FindAllString(en, -1)); float64(h) > 0.2*float64(h+l) {
		return fmt.Sprintf("the English block is mostly Chinese (%d Han characters, %d Latin letters)", h, l), true
	}
	return "", true
}

func TestBilingualLayout(t *testing.T) {
	nbs := courseNotebooks(t)
	checked := 0
	for rel, nb := range nbs {
		for i, c := range nb.Cells {
			if c.CellType != "markdown" {
				continue
			}
			problem, ok := layoutProblem(text(c.Source))
			if ok {
				checked++
			}
			if problem != "" {
				t.Errorf("%s cell %d: %s", rel, i, problem)
			}
		}
	}
	t.Logf("%d Markdown cells with prose checked in %d notebooks", checked, len(nbs))
	// The course has well over a hundred such cells; far fewer means the
	// lint is not looking at them.
	if checked < 80 {
		t.Errorf("only %d Markdown cells with prose were checked; the lint would pass vacuously", checked)
	}
}

func TestLayoutLintCatchesBadCells(t *testing.T) {
	good := "## 6.1 标题 · Title\n\n中文说明，公式 $x_t$。\n\n" + detailsOpen + "\n\nThe English text of this cell, long enough to count.\n\n" + detailsClose
	if p, ok := layoutProblem(good); p != "" || !ok {
		t.Errorf("good cell rejected: %q (checked %v)", p, ok)
	}
	if _, ok := layoutProblem("## 6.2 最优传输 · Optimal transport"); ok {
		t.Error("a heading-only cell was checked")
	}
	for name, src := range map[string]string{
		"English only":    "This cell is written in English only, with no Chinese at all in it.",
		"Chinese only":    "这个单元只有中文，没有英文的部分。",
		"English first":   detailsOpen + "\n\nThe English text of this cell, long enough to count.\n\n" + detailsClose + "\n\n中文在后面。",
		"no blank lines":  "中文说明。\n\n" + detailsOpen + "\nThe English text of this cell, long enough to count.\n" + detailsClose,
		"not closed":      "中文说明。\n\n" + detailsOpen + "\n\nThe English text of this cell, long enough to count.\n\n",
		"empty English":   "中文说明。\n\n" + detailsOpen + "\n\nTODO\n\n" + detailsClose,
		"two blocks":      "中文。\n\n" + detailsOpen + "\n\nThe English text of this cell, long enough.\n\n" + detailsClose + "\n\n" + detailsOpen + "\n\nMore English text here, long enough too.\n\n" + detailsClose,
		"Chinese in both": "中文说明。\n\n" + detailsOpen + "\n\n这里还是一大段中文说明，只是夹了几个 English words，看起来像英文块，其实不是。\n\n" + detailsClose,
	} {
		if p, ok := layoutProblem(src); p == "" || !ok {
			t.Errorf("%s: passed the lint (%q)", name, src)
		}
	}
}
