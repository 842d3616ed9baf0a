// Package nb is fmkit's notebook display layer: everything that fmkit and
// the textbook notebooks show in Jupyter goes through it.
//
// The notebooks run on GoNB, a Go kernel for Jupyter. A few facts about
// GoNB shape this package:
//
//   - Every notebook cell is compiled and run as a new process. Whatever a
//     cell wants to show (an image, a table, a progress bar) is sent to the
//     kernel over a pipe while that process runs.
//   - The display calls of GoNB's gonbui package do nothing when the program
//     is not run by GoNB. Code that displays therefore still runs in plain
//     `go test` and in command-line tools; functions here that matter
//     outside a notebook (Table, Progress) print plain text instead.
//   - The last display of a cell can be lost if the process exits before
//     the kernel has read it. Call Sync after the last display of a cell;
//     the helpers here that end an output (Progress.Done, and fmkit/plot's
//     Figure.Show) do it for you.
//   - Notebooks must not import GoNB's packages themselves (the `go get`
//     that a cell would need fails on the machines we use), so this package
//     wraps all of the display calls that the notebooks need.
//   - Figures are sent as PNG (MIME type image/png) rather than SVG: GoNB
//     sends SVG as text/html, which notebook exporters do not treat as an
//     image.
//
// Markdown, HTML and PNG show rich output and do nothing outside a notebook.
// Table shows a Markdown table in a notebook and prints an aligned text
// table elsewhere. Progress shows a progress bar that is updated in place.
package nb
