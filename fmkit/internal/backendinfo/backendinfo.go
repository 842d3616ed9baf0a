// Package backendinfo records facts about backends created by fmkit that
// graph-building code needs but GoMLX does not expose.
package backendinfo

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
)

var (
	splittable sync.Map // backends.Backend -> struct{}
	concurrent sync.Map // backends.Backend -> struct{}
)

// MarkSplittable records that b is GoMLX's pure-Go backend in a
// configuration where an op may itself use the worker pool while other ops
// hold it: ops run one at a time ("ops_sequential"), or the pool is
// unbounded ("parallelism=-1"). There, a DotGeneral with a batch axis is
// spread over the pool, and splitting a matrix product into row blocks uses
// every core. With GoMLX v0.26's default (a pool capped at 2 x NumCPU
// workers and concurrent ops) such nested use can deadlock, so products are
// split only on backends marked here.
func MarkSplittable(b backends.Backend) { splittable.Store(b, struct{}{}) }

// Splittable reports whether MarkSplittable(b) was called.
func Splittable(b backends.Backend) bool {
	_, ok := splittable.Load(b)
	return ok
}

// MarkConcurrent records that b is GoMLX's pure-Go backend running
// independent ops at the same time ("ops_parallel") on an unbounded pool
// ("parallelism=-1"): a graph made of independent pieces (a batch split into
// chunks) then keeps every core busy, element-wise ops included.
func MarkConcurrent(b backends.Backend) { concurrent.Store(b, struct{}{}) }

// Concurrent reports whether MarkConcurrent(b) was called.
func Concurrent(b backends.Backend) bool {
	_, ok := concurrent.Load(b)
	return ok
}
