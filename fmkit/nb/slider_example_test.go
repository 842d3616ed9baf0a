package nb_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/flowmatching/gofm/fmkit/nb"
)

// A slider over the guidance weight w. In a JupyterLab page the figure is
// drawn again for each value the reader picks; in a headless run, and
// here, only the figure for the default value is drawn.
func ExampleSlider() {
	values, err := nb.SliderSteps(0, 4, 0.5)
	nb.Check(err)
	s := nb.Slider{Label: "guidance weight w", Values: values, Value: 2}
	nb.Check(s.Show(func(w float64) ([]byte, error) {
		fmt.Printf("drawing the figure for w = %g\n", w)
		// A real cell draws with fmkit/plot: return plot.Row(panel).PNG()
		img := image.NewGray(image.Rect(0, 0, 8, 8))
		img.SetGray(0, 0, color.Gray{Y: uint8(60 * w)})
		var buf bytes.Buffer
		err := png.Encode(&buf, img)
		return buf.Bytes(), err
	}))
	fmt.Println(len(values), "positions from", values[0], "to", values[len(values)-1])
	// Output:
	// drawing the figure for w = 2
	// 9 positions from 0 to 4
}
