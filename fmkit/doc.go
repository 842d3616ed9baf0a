// Package fmkit is a toolkit for learning and doing flow matching in Go, on
// GoMLX. It accompanies chapter 6 of a book on generative models (flow
// matching): its notebooks run in JupyterLab with the GoNB kernel, and
// researchers import it to train and sample flows on the CPU, or on a GPU
// through GoMLX's XLA backend.
//
// The subpackages follow the chapter's vocabulary:
//
//	data    p0 and p1: the Gaussian source and 2D targets (moons, 8 Gaussians, ...)
//	path    conditional paths x_t and velocities u_t(x_t | x0, x1)
//	field   the network v_theta(t, x): an MLP with a sinusoidal time embedding
//	train   the CFM objective, the Adam loop, checkpoints and a cache
//	ode     samplers: Euler, midpoint, Heun, RK4, with NFE and trajectories
//	ot      optimal transport on samples: exact assignment, Sinkhorn
//	metric  exact W2, kinetic energy, straightness
//	plot    figures with gonum/plot, shown inline in GoNB
//	nb      notebook display: Markdown, tables, progress bars
//
// This package itself chooses the GoMLX backend (see ChooseBackend): XLA
// when a PJRT plugin is installed locally, GoMLX's pure-Go backend
// otherwise, $GOMLX_BACKEND to override. It never downloads anything.
package fmkit
