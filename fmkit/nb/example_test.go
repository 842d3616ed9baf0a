package nb_test

import (
	"fmt"
	"strconv"

	"github.com/flowmatching/gofm/fmkit/nb"
)

func ExampleTable() {
	// In a notebook this is a Markdown table; here it is plain text.
	nb.Table([]string{"method", "NFE", "W2"}, [][]string{
		{"Euler", "10", "0.412"},
		{"Heun", "20", "0.0871"},
		{"RK4 (adaptive)", "96", "0.0123"},
	})
	// Output:
	// method          NFE      W2
	// --------------  ---  ------
	// Euler            10   0.412
	// Heun             20  0.0871
	// RK4 (adaptive)   96  0.0123
}

func ExampleNewProgress() {
	const steps = 1000
	p := nb.NewProgress("training", steps)
	loss := 1.0
	for i := range steps {
		loss *= 0.999 // a training step would go here
		p.Update(i+1, fmt.Sprintf("loss %.4f", loss))
	}
	p.Done(fmt.Sprintf("final loss %.4f", loss))
}

// Must unwraps a (value, error) pair; on error it prints "error: ..." and
// ends the cell with exit status 1 instead of a stack trace.
func ExampleMust() {
	n := nb.Must(strconv.Atoi("42"))
	fmt.Println(n + 1)
	// Output:
	// 43
}
