package nb

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Table shows a table with the given header and rows. In a notebook it is
// shown as a Markdown table; elsewhere it is printed to standard output as
// aligned plain text, so that commands and tests see it too.
//
// Rows shorter than the header are padded with empty cells and longer rows
// widen the table. Columns whose cells are all numbers are right-aligned.
func Table(header []string, rows [][]string) {
	if InNotebook() {
		Markdown(markdownTable(header, rows))
		return
	}
	fmt.Fprint(os.Stdout, textTable(header, rows))
}

// tableShape returns the number of columns and, for each column, whether
// all its non-empty body cells are numbers (and there is at least one).
func tableShape(header []string, rows [][]string) (cols int, numeric []bool) {
	cols = len(header)
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	numeric = make([]bool, cols)
	for j := range cols {
		seen := false
		numeric[j] = true
		for _, r := range rows {
			if j >= len(r) || strings.TrimSpace(r[j]) == "" {
				continue
			}
			seen = true
			if !isNumber(r[j]) {
				numeric[j] = false
				break
			}
		}
		numeric[j] = numeric[j] && seen
	}
	return cols, numeric
}

func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "%")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func cell(r []string, j int) string {
	if j < len(r) {
		return r[j]
	}
	return ""
}

// textTable formats the table as aligned plain text: columns separated by
// two spaces, the header underlined with dashes, no trailing spaces.
func textTable(header []string, rows [][]string) string {
	cols, numeric := tableShape(header, rows)
	if cols == 0 {
		return ""
	}
	clean := func(s string) string {
		return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	}
	all := make([][]string, 0, len(rows)+1)
	if len(header) > 0 {
		all = append(all, header)
	}
	all = append(all, rows...)
	width := make([]int, cols)
	for _, r := range all {
		for j := range cols {
			width[j] = max(width[j], utf8.RuneCountInString(clean(cell(r, j))))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		var l strings.Builder
		for j := range cols {
			if j > 0 {
				l.WriteString("  ")
			}
			s := clean(cell(r, j))
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(s))
			if numeric[j] {
				l.WriteString(pad + s)
			} else {
				l.WriteString(s + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	if len(header) > 0 {
		line(header)
		dashes := make([]string, cols)
		for j := range cols {
			dashes[j] = strings.Repeat("-", width[j])
		}
		b.WriteString(strings.Join(dashes, "  "))
		b.WriteByte('\n')
	}
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// markdownTable formats the table as GitHub-flavoured Markdown.
func markdownTable(header []string, rows [][]string) string {
	cols, numeric := tableShape(header, rows)
	if cols == 0 {
		return ""
	}
	esc := func(s string) string {
		s = strings.ReplaceAll(s, "|", `\|`)
		return strings.ReplaceAll(s, "\n", "<br>")
	}
	var b strings.Builder
	line := func(r []string) {
		b.WriteString("|")
		for j := range cols {
			b.WriteString(" " + esc(cell(r, j)) + " |")
		}
		b.WriteByte('\n')
	}
	line(header) // Markdown needs a header row, even an empty one.
	b.WriteString("|")
	for j := range cols {
		if numeric[j] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteByte('\n')
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
