package path

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bridge is the Brownian-bridge conditional path of Schrödinger-bridge
// conditional flow matching (SB-CFM, Tong et al. 2024): between x0 and x1 a
// Brownian bridge of diffusion sigma, whose marginal at time t is
//
//	x_t = (1 - t) x0 + t x1 + sigma sqrt(t (1 - t)) eps,    eps ~ N(0, I),
//
// a Gaussian N(mu_t, sigma^2 t (1-t) I) around the straight line
// mu_t = (1 - t) x0 + t x1. Its conditional velocity (the field whose flow
// carries this Gaussian along, for the fixed eps of a training pair) and its
// conditional score are
//
//	u_t(x | x0, x1) = x1 - x0 + (1 - 2t) / (2 t (1 - t)) (x - mu_t)
//	                = x1 - x0 + sigma (1 - 2t) / (2 sqrt(t (1 - t))) eps,
//	grad log p_t(x | x0, x1) = -(x - mu_t) / (sigma^2 t (1 - t)) = -eps / (sigma sqrt(t (1 - t))).
//
// sigma = 0 is the linear path. Trained over the entropic OT coupling with
// regularisation eps_OT = 2 sigma^2 (train.Config Coupling "sinkhorn",
// SinkhornEps = 2 sigma^2), the marginal flow is the Schrödinger bridge
// between p0 and p1 (the entropic OT problem's dynamic form); as sigma -> 0
// it becomes the OT-CFM flow. The velocity's noise term grows like
// 1/sqrt(t) at the ends, so Point evaluates it at t clamped to
// [BridgeTMin, 1 - BridgeTMin] (x_t itself is not clamped).
//
// # Where eps comes from
//
// The Path interface gives Point no random source, so Point draws eps with
// a counter-based generator keyed by the bits of (t, x0, x1): the same pair
// at the same t gets the same eps, different pairs or times get independent
// standard normals (SplitMix64 hashing, then Box-Muller). A training batch
// (t uniform, x0 Gaussian) therefore gets fresh noise at every step with no
// shared random state. PointEps takes eps explicitly.
type Bridge struct {
	Sigma float64 // diffusion of the bridge, >= 0
}

// BridgeTMin is how close to 0 and 1 the velocity's noise term is evaluated.
const BridgeTMin = 1e-3

// Name returns "bridge:SIGMA", the name path.Lookup accepts.
func (b Bridge) Name() string { return "bridge:" + strconv.FormatFloat(b.Sigma, 'g', -1, 64) }

// Point implements Path with eps drawn from (t, x0, x1) (see Bridge).
func (b Bridge) Point(t float64, x0, x1, xt, ut []float64) {
	eps := make([]float64, len(x0))
	BridgeNoise(t, x0, x1, eps)
	b.PointEps(t, x0, x1, eps, xt, ut)
}

// PointEps computes x_t and u_t(x_t | x0, x1) for the given noise eps.
func (b Bridge) PointEps(t float64, x0, x1, eps, xt, ut []float64) {
	s := b.Sigma * math.Sqrt(t*(1-t))
	tc := min(max(t, BridgeTMin), 1-BridgeTMin)
	c := b.Sigma * (1 - 2*tc) / (2 * math.Sqrt(tc*(1-tc)))
	for j := range x0 {
		xt[j] = (1-t)*x0[j] + t*x1[j] + s*eps[j]
		ut[j] = x1[j] - x0[j] + c*eps[j]
	}
}

// Score writes the conditional score grad log p_t(x | x0, x1) =
// -(x - mu_t) / (sigma^2 t (1 - t)) at the point x into out. It is defined
// for sigma > 0 and 0 < t < 1.
func (b Bridge) Score(t float64, x0, x1, x, out []float64) error {
	v := b.Sigma * b.Sigma * t * (1 - t)
	if !(v > 0) {
		return fmt.Errorf("path: the bridge's conditional score needs sigma > 0 and 0 < t < 1, got sigma=%v t=%v", b.Sigma, t)
	}
	for j := range x {
		out[j] = -(x[j] - (1-t)*x0[j] - t*x1[j]) / v
	}
	return nil
}

// BridgeNoise writes into eps standard normal values determined by the bits
// of (t, x0, x1): a counter-based generator (see Bridge).
func BridgeNoise(t float64, x0, x1, eps []float64) {
	h := mix64(math.Float64bits(t) ^ 0x9e3779b97f4a7c15)
	for _, v := range x0 {
		h = mix64(h ^ math.Float64bits(v))
	}
	for _, v := range x1 {
		h = mix64(h ^ math.Float64bits(v) ^ 0x632be59bd9b4e019)
	}
	for j := 0; j < len(eps); j += 2 {
		h = mix64(h + 0x9e3779b97f4a7c15)
		u1 := (float64(h>>11) + 0.5) / (1 << 53) // in (0, 1)
		h = mix64(h + 0x9e3779b97f4a7c15)
		u2 := float64(h>>11) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(u1))
		s, c := math.Sincos(2 * math.Pi * u2)
		eps[j] = r * c
		if j+1 < len(eps) {
			eps[j+1] = r * s
		}
	}
}

// mix64 is SplitMix64's finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// parseBridge reads "bridge:SIGMA".
func parseBridge(name string) (Path, bool, error) {
	rest, ok := strings.CutPrefix(strings.ToLower(name), "bridge:")
	if !ok {
		return nil, false, nil
	}
	s, err := strconv.ParseFloat(rest, 64)
	if err != nil || s < 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return nil, true, fmt.Errorf("path: %q: the bridge's sigma must be a number >= 0, as in \"bridge:0.5\"", name)
	}
	return Bridge{Sigma: s}, true, nil
}
