// Command backend prints which GoMLX backend fmkit will use, after creating
// it (so an XLA plugin that is installed but does not load is reported as
// the error it is). The docker image runs it when it is built and when it
// starts; see docker/README.md.
//
//	backend              # e.g. "fmkit backend: go:ops_sequential (GoMLX pure-Go backend; ...)"
//	backend -want xla    # also exit 1 unless the backend's name is "xla"
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/flowmatching/gofm/fmkit"
)

func main() {
	want := flag.String("want", "", `exit 1 unless the chosen backend's name (the part of its configuration before ":") is this, e.g. "go" or "xla"`)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "backend: unexpected argument %q (usage: backend [-want NAME])\n", flag.Arg(0))
		os.Exit(2)
	}
	if _, err := fmkit.Backend(); err != nil {
		fmt.Fprintf(os.Stderr, "backend: %v\n", err)
		os.Exit(1)
	}
	choice := fmkit.BackendChoice()
	fmt.Println(choice)
	name, _, _ := strings.Cut(choice.Config, ":")
	if *want != "" && name != *want {
		fmt.Fprintf(os.Stderr, "backend: the image was built for backend %q, but fmkit chose %q\n", *want, choice.Config)
		os.Exit(1)
	}
}
