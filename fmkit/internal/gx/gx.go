// Package gx converts between fmkit's host matrices (*mat.Dense, float64) and
// GoMLX tensors (float32), and turns GoMLX panics into errors.
package gx

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/mat"
)

// Float32 copies m into a new row-major []float32.
func Float32(m *mat.Dense) []float32 {
	r, c := m.Dims()
	out := make([]float32, r*c)
	Fill32(out, m)
	return out
}

// Fill32 copies m into dst (len r*c), row-major.
func Fill32(dst []float32, m *mat.Dense) {
	raw := m.RawMatrix()
	k := 0
	for i := range raw.Rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for _, v := range row {
			dst[k] = float32(v)
			k++
		}
	}
}

// Tensor returns m as a float32 tensor of shape [rows, cols].
func Tensor(m *mat.Dense) *tensors.Tensor {
	r, c := m.Dims()
	return tensors.FromFlatDataAndDimensions(Float32(m), r, c)
}

// Dense converts a rank-2 float32 or float64 tensor to a *mat.Dense.
func Dense(t *tensors.Tensor) (*mat.Dense, error) {
	if t.Rank() != 2 {
		return nil, fmt.Errorf("expected a rank-2 tensor, got shape %s", t.Shape())
	}
	r, c := t.Shape().Dimensions[0], t.Shape().Dimensions[1]
	out := mat.NewDense(r, c, nil)
	raw := out.RawMatrix().Data
	var err error
	switch t.DType().Size() {
	case 4:
		err = tensors.ConstFlatData(t, func(flat []float32) {
			for i, v := range flat {
				raw[i] = float64(v)
			}
		})
	case 8:
		err = tensors.ConstFlatData(t, func(flat []float64) { copy(raw, flat) })
	default:
		err = fmt.Errorf("unsupported dtype %s", t.DType())
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Catch runs fn and converts a panic (GoMLX reports many errors by panicking)
// into an error prefixed with what.
func Catch(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", what, r)
		}
	}()
	return fn()
}
