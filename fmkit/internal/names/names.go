// Package names looks up the named things of fmkit (distributions, paths,
// solvers, activations) with one error format for unknown names.
package names

import (
	"fmt"
	"sort"
	"strings"
)

// Sorted returns the keys of m in increasing order.
func Sorted[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Lookup returns m[lower-cased name], or an error
// "<pkg>: unknown <kind> "<name>": use one of <sorted keys>".
func Lookup[T any](m map[string]T, pkg, kind, name string) (T, error) {
	v, ok := m[strings.ToLower(name)]
	if !ok {
		return v, fmt.Errorf("%s: unknown %s %q: use one of %s", pkg, kind, name, strings.Join(Sorted(m), ", "))
	}
	return v, nil
}
