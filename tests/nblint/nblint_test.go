// Package nblint checks the committed notebooks as a careful reader would:
// every table that reports a 2-Wasserstein distance must carry its
// uncertainty, because a single W2 at n = 1000 varies by about ±0.03 from
// one sample to the next (see fmkit/metric's NoiseBand).
package nblint

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var repo = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

// minW2Tables is the fewest W2 tables the course must contain for the lint
// to mean anything: the index, 6.2, 6.4 and 6.5 each compare W2 values in
// tables. Fewer means the tables moved out of the lint's sight (another
// output type, a renamed column), and the lint would pass vacuously.
const minW2Tables = 4

// w2Header matches a column that reports a W2 value in any notation:
// "W2", "W₂", "$W_2$", "exact W2 (n=1000)", and squared ones ("W2²").
var w2Header = regexp.MustCompile(`W(2|₂|_2|_\{2\})`)

// uncertaintyHeader matches a column that holds the uncertainty of the
// others: "sd", "± sd", "std", "SE", "noise band", "95% CI".
var uncertaintyHeader = regexp.MustCompile(`(?i)(^|[^a-z])(sd|std|se|ci|stderr)([^a-z]|$)|±|noise band`)

// sepRow matches the separator row under a table's header: |---|:--:|
var sepRow = regexp.MustCompile(`^\|?\s*:?-+:?\s*\|`)

// table is a Markdown table found in a notebook.
type table struct {
	where  string
	header []string
	rows   [][]string
}

// tables returns the pipe tables of a Markdown text.
func tables(where, md string) []table {
	var out []table
	lines := strings.Split(md, "\n")
	for i := 0; i+1 < len(lines); i++ {
		h, sep := strings.TrimSpace(lines[i]), strings.TrimSpace(lines[i+1])
		if !strings.HasPrefix(h, "|") || !sepRow.MatchString(sep) {
			continue
		}
		t := table{where: where, header: splitRow(h)}
		j := i + 2
		for ; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|"); j++ {
			t.rows = append(t.rows, splitRow(strings.TrimSpace(lines[j])))
		}
		out = append(out, t)
		i = j - 1
	}
	return out
}

func splitRow(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "|"), "|")
	parts := strings.Split(s, "|")
	for k := range parts {
		parts[k] = strings.TrimSpace(parts[k])
	}
	return parts
}

// check returns the problems of a table: for every column whose header
// names W2, each data row's cell must hold "±" (mean ± sd), or the table
// must have an uncertainty column (sd, SE, CI, noise band) filled in every
// row. A cell that is empty or a dash (no value in that row) is skipped.
// It reports whether the table reports W2 at all.
func check(t table) (isW2 bool, problems []string) {
	var w2Cols, uCols []int
	for j, h := range t.header {
		if w2Header.MatchString(h) {
			w2Cols = append(w2Cols, j)
		}
		if uncertaintyHeader.MatchString(h) {
			uCols = append(uCols, j)
		}
	}
	if len(w2Cols) == 0 {
		return false, nil
	}
	for r, row := range t.rows {
		for _, j := range w2Cols {
			if j >= len(row) {
				continue
			}
			c := row[j]
			if c == "" || c == "-" || c == "—" || !regexp.MustCompile(`\d`).MatchString(c) {
				continue
			}
			if strings.Contains(c, "±") {
				continue
			}
			ok := false
			for _, u := range uCols {
				if u != j && u < len(row) && regexp.MustCompile(`\d`).MatchString(row[u]) {
					ok = true
				}
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: row %d, column %q = %q has no uncertainty (write mean ± sd, or add an sd column)", t.where, r+1, t.header[j], c))
			}
		}
	}
	return true, problems
}

type notebook struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
		Outputs  []struct {
			Data map[string]json.RawMessage `json:"data"`
			Text json.RawMessage            `json:"text"`
		} `json:"outputs"`
	} `json:"cells"`
}

// text joins a notebook string field (a string or a list of strings).
func text(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	if json.Unmarshal(raw, &parts) == nil {
		return strings.Join(parts, "")
	}
	return ""
}

// courseNotebooks returns the committed notebooks of notebooks/,
// exercises/ and solutions/, parsed, by their path relative to the
// repository. It fails the test on a file it cannot read or parse.
func courseNotebooks(t *testing.T) map[string]notebook {
	t.Helper()
	out := map[string]notebook{}
	for _, dir := range []string{"notebooks", "exercises", "solutions"} {
		paths, err := filepath.Glob(filepath.Join(repo, dir, "*.ipynb"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var nb notebook
			if err := json.Unmarshal(b, &nb); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			rel, _ := filepath.Rel(repo, p)
			out[rel] = nb
		}
	}
	return out
}

// notebookTables returns the Markdown tables of a notebook's markdown
// cells and of its cells' text/markdown outputs.
func notebookTables(rel string, nb notebook) []table {
	var out []table
	for i, c := range nb.Cells {
		if c.CellType == "markdown" {
			out = append(out, tables(fmt.Sprintf("%s cell %d (markdown)", rel, i), text(c.Source))...)
		}
		for _, o := range c.Outputs {
			if md, ok := o.Data["text/markdown"]; ok {
				out = append(out, tables(fmt.Sprintf("%s cell %d (output)", rel, i), text(md))...)
			}
		}
	}
	return out
}

func TestW2TablesCarryUncertainty(t *testing.T) {
	nbs := courseNotebooks(t)
	if len(nbs) < 7 {
		t.Fatalf("found %d notebooks under %s; the course has at least 7", len(nbs), repo)
	}
	found, rows := 0, 0
	for rel, nb := range nbs {
		for _, tb := range notebookTables(rel, nb) {
			isW2, problems := check(tb)
			if !isW2 {
				continue
			}
			found++
			rows += len(tb.rows)
			for _, pr := range problems {
				t.Error(pr)
			}
		}
	}
	t.Logf("%d W2 tables with %d rows checked in %d notebooks", found, rows, len(nbs))
	if found < minW2Tables {
		t.Errorf("only %d tables report W2 in the committed outputs, want at least %d: the lint would pass vacuously (are the notebooks' outputs committed? did a W2 column get renamed?)", found, minW2Tables)
	}
}

// TestLintCatchesBadTables runs the check on tables it must reject and on
// tables it must accept, so that a broken lint cannot pass silently.
func TestLintCatchesBadTables(t *testing.T) {
	bad := []string{
		"| sampler | exact W2 |\n|---|---:|\n| Euler | 0.152 |\n| RK4 | 0.148 ± 0.02 |\n",
		"| model | $W_2$ (n=1000) | NFE |\n|:--|--:|--:|\n| CFM | 0.21 | 100 |\n",
		"| what | W₂ |\n|---|---|\n| data vs data | 0.134 |\n",
		"| path | W2 | sd |\n|---|---|---|\n| linear | 0.2 | |\n",
	}
	for k, md := range bad {
		ts := tables("bad", md)
		if len(ts) != 1 {
			t.Fatalf("bad table %d: parsed %d tables, want 1", k, len(ts))
		}
		isW2, problems := check(ts[0])
		if !isW2 || len(problems) == 0 {
			t.Errorf("bad table %d passed the lint:\n%s", k, md)
		}
	}
	good := []string{
		"| sampler | exact W2 (mean ± sd, 8 draws) |\n|---|---:|\n| Euler | 0.152 ± 0.021 |\n| RK4 | 0.148 ± 0.020 |\n",
		"| model | W2 | sd |\n|---|---|---|\n| CFM | 0.21 | 0.03 |\n",
		"| model | loss | NFE |\n|---|---|---|\n| CFM | 1.2 | 100 |\n",
		"| steps | W2 |\n|---|---|\n| 1 | — |\n",
	}
	for k, md := range good {
		ts := tables("good", md)
		if len(ts) != 1 {
			t.Fatalf("good table %d: parsed %d tables, want 1", k, len(ts))
		}
		if _, problems := check(ts[0]); len(problems) > 0 {
			t.Errorf("good table %d was rejected: %v", k, problems)
		}
	}
}
