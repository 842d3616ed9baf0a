package train

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
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

// ScoreField is the model's score s_theta(t, x) = grad log p_t(x) as an
// ode.Field (Predict with path.Score): the converted output of a score
// model, including the bridge score head of SF2M (see ObjectiveScore), or
// the score of a velocity model on an affine Gaussian path.
func (m *Model) ScoreField() ode.Field { return scoreField{m} }

type scoreField struct{ m *Model }

func (s scoreField) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	return s.m.Predict(t, x, path.Score)
}

// SampleSDEWithScore draws n points x0 ~ p0 (seeded as Sample does) and
// integrates dx = [v_theta + g^2/2 s(t, x)] dt + g dW with Euler-Maruyama
// (sde.SampleWithScore), the velocity from this model and the score from
// the given field, e.g. scoreModel.ScoreField() of a score model trained on
// the same path and coupling. This is how a Schrödinger-bridge CFM model is
// sampled stochastically: on the bridge path "bridge:SIGMA" with g = SIGMA
// the SDE is the Schrödinger bridge's own (SF2M). NFE counts evaluations of
// the velocity.
func (m *Model) SampleSDEWithScore(score ode.Field, n int, seed uint64, opt sde.Options) (*ode.Result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("model: number of samples must be positive, got %d", n)
	}
	if score == nil {
		return nil, fmt.Errorf("model: the score field is nil: pass scoreModel.ScoreField() of a score model (Objective \"score\") trained on path %q", m.Config.Path)
	}
	x0 := m.Source().Sample(n, data.NewRand(seed))
	return sde.SampleWithScore(m, score, x0, opt)
}
