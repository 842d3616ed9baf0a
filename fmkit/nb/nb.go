package nb

import (
	"fmt"
	"os"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// InNotebook reports whether the program was started by the GoNB kernel,
// that is whether rich output will be shown.
func InNotebook() bool { return gonbui.IsNotebook }

// Markdown shows md, rendered as Markdown (with $...$ and $$...$$ math), as
// an output of the current cell. It does nothing outside a notebook.
//
// Markdown, HTML and PNG wait (Sync) until GoNB has the output, so a display
// that is the last thing a cell does is never lost when the cell's program
// exits.
func Markdown(md string) { gonbui.DisplayMarkdown(md); Sync() }

// HTML shows an HTML fragment as an output of the current cell. It does
// nothing outside a notebook.
func HTML(html string) { gonbui.DisplayHTML(html); Sync() }

// PNG shows a PNG image, given as the bytes of the encoded file, as an
// image/png output of the current cell. It does nothing outside a notebook.
func PNG(png []byte) { gonbui.DisplayPng(png); Sync() }

// GIF shows an image, given as the bytes of an encoded GIF file (for
// instance an animation from fmkit/plot's Animate), as an image/gif output
// of the current cell: JupyterLab and notebook exporters show it as an
// image, animated, and the saved notebook keeps it (base64). It does
// nothing outside a notebook.
func GIF(gif []byte) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: map[protocol.MIMEType]any{"image/gif": gif}})
	Sync()
}

// Sync waits until GoNB has received everything displayed so far. Call it
// after the last display of a cell, otherwise the cell's process may exit
// before its last output is shown. It returns at once outside a notebook.
func Sync() { gonbui.Sync() }

// update replaces the content of the output block with the given id,
// creating it the first time; it is a variable so that tests can watch it.
var update = gonbui.UpdateHTML

// newID returns an id for a new updatable output block.
var newID = gonbui.UniqueId

// Check stops the cell with a one-line message if err is not nil: it prints
// "error: <err>" to stderr and exits with status 1, so the reader sees what
// went wrong (and what to do) without a Go stack trace, and a notebook
// runner sees the cell fail.
func Check(err error) {
	if err != nil {
		Sync()
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// Must returns v, or stops the cell like Check if err is not nil.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}
