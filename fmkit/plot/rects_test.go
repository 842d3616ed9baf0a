package plot_test

import (
	"fmt"
	"image"
	"image/color"
	"log"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/plot"
)

func ExampleAddRects() {
	x := mat.NewDense(3, 2, []float64{0.2, 0.3, 0.5, 0.5, 1.5, 1.2})
	p, err := plot.Scatter("points and their boxes", plot.Points{Name: "samples", X: x})
	if err != nil {
		log.Fatal(err)
	}
	boxes := []plot.Bounds{{XMin: 0, XMax: 1, YMin: 0, YMax: 1}, {XMin: 1, XMax: 2, YMin: 1, YMax: 2}}
	if err := plot.AddRects(p, "squares", nil, boxes...); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("x from %.0f to %.0f\n", p.X.Min, p.X.Max)
	// Output: x from 0 to 2
}

func ExampleMontage() {
	// Two rows of tiles, 20 pixels each: labelled "a" (top) and "b".
	img := image.NewGray(image.Rect(0, 0, 60, 40))
	p, err := plot.Montage("tiles", img, []string{"a", "b"})
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		fmt.Printf("%s at y = %.0f\n", t.Label, t.Value)
	}
	if _, err := plot.Row(p).PNG(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// a at y = 30
	// b at y = 10
}

func TestAddRectsRejectsBadInput(t *testing.T) {
	p, err := plot.Scatter("p", plot.Points{X: mat.NewDense(1, 2, []float64{0, 0})})
	if err != nil {
		t.Fatal(err)
	}
	if err := plot.AddRects(nil, "", nil, plot.Bounds{XMax: 1, YMax: 1}); err == nil {
		t.Error("nil panel accepted")
	}
	if err := plot.AddRects(p, "", nil); err == nil {
		t.Error("no rectangles accepted")
	}
	if err := plot.AddRects(p, "", color.Black, plot.Bounds{XMin: 1, XMax: 0, YMax: 1}); err == nil {
		t.Error("empty rectangle accepted")
	}
}

func TestMontageRejectsBadInput(t *testing.T) {
	if _, err := plot.Montage("m", nil, []string{"a"}); err == nil {
		t.Error("nil image accepted")
	}
	if _, err := plot.Montage("m", image.NewGray(image.Rect(0, 0, 4, 4)), nil); err == nil {
		t.Error("no labels accepted")
	}
	if _, err := plot.Montage("m", image.NewGray(image.Rect(0, 0, 4, 2)), []string{"a", "b", "c"}); err == nil {
		t.Error("more labels than pixel rows accepted")
	}
}
