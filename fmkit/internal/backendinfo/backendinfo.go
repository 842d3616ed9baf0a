// Package backendinfo records facts about backends created by fmkit that
// graph-building code needs but GoMLX does not expose.
package backendinfo

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
)

var splittable sync.Map // backends.Backend -> struct{}

// MarkSplittable records that b is GoMLX's pure-Go backend running ops
// sequentially ("go:ops_sequential"). There, a DotGeneral with a batch axis
// is spread over the worker pool, and splitting a matrix product into row
// blocks uses every core. With the default parallel op scheduling such
// nested use of the pool can deadlock in GoMLX v0.26, so products are split
// only on backends marked here.
func MarkSplittable(b backends.Backend) { splittable.Store(b, struct{}{}) }

// Splittable reports whether MarkSplittable(b) was called.
func Splittable(b backends.Backend) bool {
	_, ok := splittable.Load(b)
	return ok
}
