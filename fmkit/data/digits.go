package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// digitsCSV is scikit-learn's copy of the UCI optical-recognition digits (the
// test set: 1797 images of 8x8 pixels, values 0..16, digits 0..9); see
// digits/README.md for its origin and digits/LICENSE for its licence.
//
//go:embed digits/digits.csv.gz
var digitsCSV []byte

// Digit image geometry: DigitSide x DigitSide pixels, DigitPixels numbers.
const (
	DigitSide   = 8
	DigitPixels = DigitSide * DigitSide
	NumDigits   = 1797 // images in the data set
)

var digitsOnce struct {
	sync.Once
	x      *mat.Dense
	labels []int
	err    error
}

// LoadDigits returns the 1797 digit images as rows of a 1797 x 64 matrix
// (pixel (r, c) in column 8 r + c), scaled from 0..16 to [-1, 1] by
// x = v / 8 - 1, and their labels 0..9, in the order of the file. The
// matrix and the slice are copies: change them freely.
func LoadDigits() (*mat.Dense, []int, error) {
	digitsOnce.Do(func() {
		digitsOnce.x, digitsOnce.labels, digitsOnce.err = parseDigits(digitsCSV)
	})
	if digitsOnce.err != nil {
		return nil, nil, digitsOnce.err
	}
	return mat.DenseCopyOf(digitsOnce.x), append([]int(nil), digitsOnce.labels...), nil
}

func parseDigits(gz []byte) (*mat.Dense, []int, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, nil, fmt.Errorf("data: digits: %w", err)
	}
	x := mat.NewDense(NumDigits, DigitPixels, nil)
	labels := make([]int, 0, NumDigits)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		i := len(labels)
		if i == NumDigits {
			return nil, nil, fmt.Errorf("data: digits: more than %d rows", NumDigits)
		}
		fields := strings.Split(line, ",")
		if len(fields) != DigitPixels+1 {
			return nil, nil, fmt.Errorf("data: digits: row %d has %d fields, want %d", i+1, len(fields), DigitPixels+1)
		}
		row := x.RawRowView(i)
		for j, f := range fields {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v != math.Trunc(v) {
				return nil, nil, fmt.Errorf("data: digits: row %d field %d: %q is not an integer", i+1, j+1, f)
			}
			if j == DigitPixels {
				if v < 0 || v > 9 {
					return nil, nil, fmt.Errorf("data: digits: row %d: label %v outside 0..9", i+1, v)
				}
				labels = append(labels, int(v))
				continue
			}
			if v < 0 || v > 16 {
				return nil, nil, fmt.Errorf("data: digits: row %d: pixel %v outside 0..16", i+1, v)
			}
			row[j] = v/8 - 1
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("data: digits: %w", err)
	}
	if len(labels) != NumDigits {
		return nil, nil, fmt.Errorf("data: digits: %d rows, want %d", len(labels), NumDigits)
	}
	return x, labels, nil
}

// Digits is the empirical distribution of the 8x8 handwritten digits
// (scikit-learn's load_digits; UCI, Alpaydin and Kaynak 1998): a sample is
// one of the 1797 images, drawn uniformly with replacement, as a point of
// R^64 with pixels in [-1, 1] (see LoadDigits). Its labels are the digits.
type Digits struct{}

// Name implements Dist.
func (Digits) Name() string { return "digits" }

// Dim implements Dist: 64.
func (Digits) Dim() int { return DigitPixels }

// Classes implements Labelled: the digits 0..9.
func (Digits) Classes() int { return 10 }

// Sample implements Dist.
func (d Digits) Sample(n int, rng *rand.Rand) *mat.Dense {
	x, _ := d.SampleLabelled(n, rng)
	return x
}

// SampleLabelled implements Labelled.
func (Digits) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	digitsOnce.Do(func() {
		digitsOnce.x, digitsOnce.labels, digitsOnce.err = parseDigits(digitsCSV)
	})
	if digitsOnce.err != nil {
		panic(digitsOnce.err) // the embedded file is checked by the tests
	}
	out := mat.NewDense(n, DigitPixels, nil)
	c := make([]int, n)
	for i := range n {
		k := rng.IntN(NumDigits)
		copy(out.RawRowView(i), digitsOnce.x.RawRowView(k))
		c[i] = digitsOnce.labels[k]
	}
	return out, c
}

func init() {
	registry["digits"] = func() Dist { return Digits{} }
	registry["gaussian64"] = func() Dist { return Gaussian{D: DigitPixels} }
}

// DigitsMontage draws digit images (rows of x, 64 pixels in [-1, 1] as
// LoadDigits scales them; values outside are clipped) in a grid of cols
// images per row, each pixel a scale x scale square, dark ink (+1) on white
// (-1), with a one-pixel-wide light gap between images.
func DigitsMontage(x *mat.Dense, cols, scale int) (*image.Gray, error) {
	n, d := x.Dims()
	if d != DigitPixels {
		return nil, fmt.Errorf("data: DigitsMontage: images have %d pixels, want %d (8x8)", d, DigitPixels)
	}
	if cols <= 0 || scale <= 0 {
		return nil, fmt.Errorf("data: DigitsMontage: cols and scale must be positive, got %d and %d", cols, scale)
	}
	rows := (n + cols - 1) / cols
	cell := DigitSide*scale + scale/2 + 1
	img := image.NewGray(image.Rect(0, 0, cols*cell+1, rows*cell+1))
	for i := range img.Pix {
		img.Pix[i] = 225
	}
	for k := range n {
		ox, oy := (k%cols)*cell+1, (k/cols)*cell+1
		row := x.RawRowView(k)
		for p, v := range row {
			if math.IsNaN(v) {
				return nil, fmt.Errorf("data: DigitsMontage: image %d pixel %d is NaN", k, p)
			}
			v = math.Max(-1, math.Min(1, v))
			g := color.Gray{Y: uint8(math.Round(255 * (1 - v) / 2))}
			r, c := p/DigitSide, p%DigitSide
			for dy := range scale {
				for dx := range scale {
					img.SetGray(ox+c*scale+dx, oy+r*scale+dy, g)
				}
			}
		}
	}
	return img, nil
}

// DigitsPNG is DigitsMontage encoded as a PNG file (for nb.PNG).
func DigitsPNG(x *mat.Dense, cols, scale int) ([]byte, error) {
	img, err := DigitsMontage(x, cols, scale)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
