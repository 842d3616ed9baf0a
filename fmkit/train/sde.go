package train

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/sde"
)

// SampleSDE draws n points x0 ~ p0 (seeded as Sample does) and integrates
// the SDE dx = [v + g^2/2 grad log p_t] dt + g dW of package sde from t = 0
// to 1 with Euler-Maruyama, the score taken from the model's velocity on its
// affine Gaussian path (for a score model, Predict converts in the same
// way). With opt.Noise nil it is the Euler ODE. It fails for a model whose
// path is not affine Gaussian (the score cannot be had from the velocity).
func (m *Model) SampleSDE(n int, seed uint64, opt sde.Options) (*ode.Result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("model: number of samples must be positive, got %d", n)
	}
	s, ok := m.Schedule()
	if !ok {
		return nil, fmt.Errorf("model: path %q is not affine Gaussian, so its velocity gives no score and the SDE cannot be sampled; use an affine path (linear, vp, cosine, poly2, poly3) or sample the ODE", m.Config.Path)
	}
	x0 := m.Source().Sample(n, data.NewRand(seed))
	return sde.Sample(m, s, x0, opt)
}
