package train_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/train"
)

// Take four training steps in one executable call: draw four batches,
// prepare them (x_t, u_t, float32) once, and run StepsOn with a learning
// rate per step.
func ExampleTrainer_StepsOn() {
	cfg := train.DefaultConfig()
	cfg.Batch, cfg.Field.Width, cfg.Quiet = 64, 16, true
	tr, err := train.NewTrainer(cfg)
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	var ts [][]float64
	var x0s, x1s []*mat.Dense
	for range 4 {
		t, x0, x1, err := tr.Draw()
		if err != nil {
			panic(err)
		}
		ts, x0s, x1s = append(ts, t), append(x0s, x0), append(x1s, x1)
	}
	batches, err := tr.PrepareBatches(ts, x0s, x1s)
	if err != nil {
		panic(err)
	}
	losses, err := tr.StepsOn(batches, []float64{0.01, 0.01, 0.01, 0.01})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d losses, %d in the history\n", len(losses), len(tr.History))
	// Output:
	// 4 losses, 4 in the history
}
