package exercise_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/path"
	fmtrain "github.com/flowmatching/gofm/fmkit/train"
)

// A sweep of the curved path's amplitude a, each path given by its x_t
// alone (path.RegisterFormula differentiates it). The budget here is tiny,
// to keep the example fast; a notebook would use ~1000 training steps,
// N = 1000 and Show the table and figure.
func ExamplePathSweep() {
	dir, _ := os.MkdirTemp("", "sweep")
	defer os.RemoveAll(dir)
	os.Setenv("FMKIT_CACHE", dir) // fmtrain.Cached keeps the models here
	defer os.Unsetenv("FMKIT_CACHE")

	bent := func(a float64) (path.Path, error) {
		return path.RegisterFormula(fmt.Sprintf("bent(a=%g)", a), 2, func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
			bend := t.Mul(path.Const(1).Sub(t)).Scale(a) // a t(1-t)
			xt[0] = t.Lerp(x0[0], x1[0]).Add(bend.Scale(-(x1[1] - x0[1])))
			xt[1] = t.Lerp(x0[1], x1[1]).Add(bend.Scale(x1[0] - x0[0]))
		})
	}
	cfg := fmtrain.DefaultConfig()
	cfg.Field.Width, cfg.Field.Depth = 32, 2
	cfg.Steps, cfg.Batch, cfg.Quiet = 100, 128, true
	res, err := exercise.PathSweep{
		Param: "a", Values: []float64{-1, 0, 1}, Baseline: 0, Path: bent, Train: cfg,
		NFE: []int{2, 8}, EnergySteps: 20, N: 200, Draws: 5, Seed: 1,
	}.Run()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Points {
		// Every flow spends at least its squared displacement (Cauchy–Schwarz):
		// the excess energy is >= 0 particle by particle.
		fmt.Printf("a=%g: %d W2 estimates, excess energy >= 0: %v\n", p.Value, len(p.W2), p.Excess.Mean >= 0)
	}
	// Output:
	// a=-1: 2 W2 estimates, excess energy >= 0: true
	// a=0: 2 W2 estimates, excess energy >= 0: true
	// a=1: 2 W2 estimates, excess energy >= 0: true
}

// A view of a sweep draws the model of one value at a time, for a slider
// over the swept parameter: in a notebook,
//
//	s := nb.Slider{Label: "a", Values: sweep.Values, Value: 1}
//	nb.Check(s.Show(view.PNG))
//
// It uses the models the sweep trained and never trains one itself.
func ExamplePathSweep_View() {
	dir, _ := os.MkdirTemp("", "sweep")
	defer os.RemoveAll(dir)
	os.Setenv("FMKIT_CACHE", dir)
	defer os.Unsetenv("FMKIT_CACHE")

	cfg := fmtrain.DefaultConfig()
	cfg.Field.Width, cfg.Field.Depth = 32, 2
	cfg.Steps, cfg.Batch, cfg.Quiet = 100, 128, true
	sweep := exercise.PathSweep{
		Param: "a", Values: []float64{0, 1}, Baseline: 0, Train: cfg,
		Path: func(a float64) (path.Path, error) { return path.Curved{A: a}, nil },
		NFE:  []int{2}, EnergySteps: 20, N: 200, Draws: 5, Seed: 1,
	}
	if _, err := sweep.View(); err != nil {
		fmt.Println(strings.SplitN(err.Error(), " (", 2)[0])
	}
	if _, err := sweep.Run(); err != nil {
		fmt.Println(err)
		return
	}
	view, err := sweep.View()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range sweep.Values {
		png, err := view.PNG(a)
		fmt.Printf("a = %g: a PNG figure: %v (err %v)\n", a, bytes.HasPrefix(png, []byte("\x89PNG")), err)
	}
	// Output:
	// exercise: the model of a = 0 is not trained
	// a = 0: a PNG figure: true (err <nil>)
	// a = 1: a PNG figure: true (err <nil>)
}
