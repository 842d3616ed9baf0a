package fmkit_test

import (
	"fmt"
	"os"

	"github.com/flowmatching/gofm/fmkit"
)

// The backend is chosen once per process; $GOMLX_BACKEND overrides the
// automatic choice.
func ExampleChooseBackend() {
	os.Setenv("GOMLX_BACKEND", "go")
	fmt.Println(fmkit.ChooseBackend())
	// Output:
	// fmkit backend: go (set by $GOMLX_BACKEND)
}
