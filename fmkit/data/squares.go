package data

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Rect is the axis-aligned rectangle [XMin, XMax] x [YMin, YMax] of the
// plane. It has the fields of plot.Bounds, so plot.Bounds(r) converts it
// (for plot.AddRects).
type Rect struct {
	XMin, XMax, YMin, YMax float64
}

// Contains reports whether (x, y) lies in r, edges included.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.XMin && x <= r.XMax && y >= r.YMin && y <= r.YMax
}

// CheckerboardSquares returns the 8 black squares of the "checkerboard"
// distribution, indexed by class: square k is the support of class k of its
// SampleLabelled. With row = k / 2 (0..3, from the bottom) and
// col = 2 (k mod 2) + (row mod 2) (0..3, from the left), square k is
//
//	[-2 + col, -1 + col] x [-2 + row, -1 + row],
//
// a unit square; the squares of neighbouring rows touch only at corners.
func CheckerboardSquares() []Rect {
	sq := make([]Rect, 8)
	for k := range sq {
		row := k / 2
		col := 2*(k%2) + (row % 2)
		sq[k] = Rect{XMin: -2 + float64(col), XMax: -1 + float64(col), YMin: -2 + float64(row), YMax: -1 + float64(row)}
	}
	return sq
}

// FractionInRects measures how well labelled 2D points stay in the region
// of their class: for each class c = 0..len(rects)-1 it returns
//
//	f_c = #{i : labels[i] = c and x_i in rects[c]} / #{i : labels[i] = c},
//
// the fraction of the points labelled c that lie in rects[c] (NaN for a
// class with no points). For the checkerboard with CheckerboardSquares,
// f_c = 1 for the data, and for generated samples it is the fraction of
// class c's samples inside their own square. It fails when x is not n x 2,
// the number of labels differs from n, or a label is outside
// [0, len(rects)).
func FractionInRects(x *mat.Dense, labels []int, rects []Rect) ([]float64, error) {
	if x == nil {
		return nil, fmt.Errorf("data.FractionInRects: the points are nil")
	}
	n, d := x.Dims()
	if d != 2 {
		return nil, fmt.Errorf("data.FractionInRects: points have %d columns, want 2", d)
	}
	if len(labels) != n {
		return nil, fmt.Errorf("data.FractionInRects: %d labels for %d points", len(labels), n)
	}
	if len(rects) == 0 {
		return nil, fmt.Errorf("data.FractionInRects: no rectangles")
	}
	in, all := make([]float64, len(rects)), make([]float64, len(rects))
	for i, c := range labels {
		if c < 0 || c >= len(rects) {
			return nil, fmt.Errorf("data.FractionInRects: label %d of point %d is outside [0, %d)", c, i, len(rects))
		}
		all[c]++
		if rects[c].Contains(x.At(i, 0), x.At(i, 1)) {
			in[c]++
		}
	}
	for c := range in {
		in[c] /= all[c]
	}
	return in, nil
}
