package field

import (
	"runtime"

	"github.com/flowmatching/gofm/fmkit/internal/backendinfo"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Rows is the half-open range of rows [Lo, Hi) of a batch.
type Rows struct{ Lo, Hi int }

// MaxChunks caps the number of chunks Chunks splits a batch into; 1 turns
// chunking off.
var MaxChunks = runtime.NumCPU()

// MinChunkRows is the smallest chunk Chunks makes: below it the fixed cost
// of the extra ops outweighs running the chunks side by side.
const MinChunkRows = 64

// Chunks splits a batch of n rows into the pieces a graph should process
// independently: on fmkit's pure-Go backend configuration (concurrent ops on
// an unbounded worker pool, see fmkit.DefaultGoConfig) into up to MaxChunks
// nearly equal chunks of at least MinChunkRows rows, so that each chunk's
// chain of products and element-wise ops runs on its own core (GoMLX v0.26
// runs each element-wise op on one core); elsewhere, and for small batches,
// into one piece. A function of the rows, such as v_theta(t, x) row by row
// or a sum of per-row losses, is the same computed chunk by chunk; only the
// order of floating-point additions changes.
func Chunks(g *Graph, n int) []Rows {
	p := 1
	if backendinfo.Concurrent(g.Backend()) {
		p = max(1, min(MaxChunks, n/MinChunkRows))
	}
	out := make([]Rows, p)
	for i := range out {
		out[i] = Rows{Lo: i * n / p, Hi: (i + 1) * n / p}
	}
	return out
}

// SliceRows returns rows r of x along its first axis (x itself when r covers
// it). Only for inputs that need no gradient: the gradient of Slice needs
// Pad, which GoMLX's pure-Go backend lacks.
func SliceRows(x *Node, r Rows) *Node {
	if r.Lo == 0 && r.Hi == x.Shape().Dimensions[0] {
		return x
	}
	return Slice(x, AxisRange(r.Lo, r.Hi))
}
