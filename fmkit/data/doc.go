// Package data samples the source p0 and the 2D toy targets p1 of flow
// matching.
//
// Every distribution is a Dist: Sample(n, rng) draws n points as an n x d
// *mat.Dense (one row per point). Sampling is seeded through the
// *rand.Rand passed in, so a run is reproducible: NewRand(seed) makes one.
//
// The distributions, with their densities or generative recipes:
//
//   - "gaussian": the standard normal N(0, I_d), p0 of the chapter.
//   - "moons": two interleaved half circles (scikit-learn's make_moons):
//     theta ~ U[0, pi]; upper moon (cos theta, sin theta), lower moon
//     (1 - cos theta, 1/2 - sin theta), each with probability 1/2, plus
//     optional Gaussian noise of standard deviation Noise (0 by default:
//     the noise-free moons used for the W2 quality gates).
//   - "8gaussians": a mixture of 8 Gaussians with equal weights, centres
//     on the circle of radius Radius (2) at angles 2 pi k / 8, standard
//     deviation Std (0.1).
//   - "checkerboard": uniform on the black squares of a 4x4 checkerboard on
//     [-2, 2]^2.
//   - "circles": two concentric circles of radii 1 and 1/2 (make_circles),
//     with optional noise.
//   - "spirals": two interleaved Archimedean spirals r = theta, theta in
//     [pi/2, 3 pi] (scaled to about [-3, 3]), with optional noise.
//   - "digits": scikit-learn's 8x8 handwritten digits (1797 images, UCI;
//     vendored with its licence in digits/), points of R^64 in [-1, 1].
//   - "gaussian64": N(0, I_64), the source p0 for the digits.
//
// Labelled distributions (Labelled, for conditional generation) also give
// each point's class: the moon, the Gaussian component, the checkerboard
// square, the circle, the spiral arm, or the digit.
package data
