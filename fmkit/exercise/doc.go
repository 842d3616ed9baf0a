// Package exercise grades exercise 6.2 of the chapter (练习 6.2: design a flow
// matching model from a 2D standard Gaussian p0 to the two moons p1): the
// notebook exercises/exercise-6.2.ipynb passes the student's functions to the
// checks of this package, which run them, catch what goes wrong and show a
// checklist.
//
// # What the student writes
//
// One Go function per part, with the types of this package:
//
//	part 1a  TimeEmbedding   t [B] -> [B, E], a sinusoidal code of t (GoMLX graph)
//	part 1b  Field           v_theta(t, x): t [B], x [B, 2] -> [B, 2], weights in ctx
//	part 2a  PathFunc        x_t and u_t of the linear path, on the host in float64
//	part 2b  Loss            (1/B) sum_i ||v(t_i, x_t,i) - u_t,i||^2, a scalar node
//	part 2c  TrainFunc       the CFM training loop (a compiled step with Adam)
//	part 3a  Sampler         Euler: x_{k+1} = x_k + h v(t_k, x_k), over an ode.Field
//	part 4b  CurvedPathFunc  x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0) and its u_t
//
// # Checks and analyses
//
// CheckNetwork, CheckLoss, CheckTraining, CheckEuler and CheckCurvedPath grade
// the parts against reference behaviour: shapes, values at known inputs, the
// loss on a fixed batch with a known field (its usual wrong forms named),
// Euler solutions of fields whose Euler iterates are known exactly, the
// curved velocity against a central finite difference of the student's x_t
// (FDTolerance; any bend perpendicular to x1 - x0 and proportional to
// t(1-t) is accepted, its direction noted), and the quality gate of a
// trained model: exact W2 <= W2Threshold (0.20) between 1000 generated points
// and 1000 fresh moons, averaged over W2Draws draws of the moons.
// CompareSamplers (Euler against adaptive Dopri5), StudyGap (the linear path
// and the gap between the moons, see Gap) and ComparePaths (linear against
// curved) measure what questions 3 and 4 ask about, every W2 as mean ± sd
// and every difference with its verdict (fmkit/metric's statistics).
// AnimateCurvedPath animates the probability path p_t of the student's
// curved path; PathSweep trains and measures one model per value of a
// path family's parameter, and its View draws them one value at a time,
// for a slider (nb.Slider) over that parameter.
//
// Each check returns and shows a Report: a list of items, each Passed,
// Failed (with a hint that says what to look at), NotYet (the part still has
// its TODO stub) or Waiting (it needs an earlier part that is not written or
// that fails). A check never stops the notebook: panics of the student's
// code (GoMLX reports shape errors by panicking) are recovered and reported
// with the function and the source line where they happened, NaN and wrong
// shapes are detected, and no check exits the process.
//
// # Causal feedback
//
// A check grades again, silently, the earlier parts its verdict relies on,
// and an item that fails while one of them fails says "needs part X, which
// failed: <its first failure>" instead of a hint of its own: CheckNetwork
// ties v_theta to the time embedding, CheckLoss the trainability of the loss
// to the network, CheckTraining the training to the network, the path and
// the loss it is given. CheckTraining saves, with the weights, the verdict
// of its own items (Gate); CheckEuler and the analyses read it, grade the
// sampler and the paths again, and when something did not pass they still
// measure and draw but say that the numbers mean little, and draw no
// conclusion.
//
// # Language
//
// Titles, item names, hints and the analyses' sentences exist in Chinese
// and English (Text); Lang chooses, Chinese by default, English or both with
// FMKIT_LANG=en or FMKIT_LANG=both (in a GoNB notebook: a cell
// "%env FMKIT_LANG en"). Figures keep their text in English and maths.
//
// # Stubs
//
// The exercise notebook is generated from the solution by cmd/mkexercise,
// which replaces each solution block by its task comment and
//
//	panic(exercise.TODO(exercise.Part1a))
//
// a statement that type-checks in any function, so the unsolved notebook
// compiles and runs; the checks recognise the NotWritten value and report
// "not yet written" instead of a failure.
//
// # Across cells
//
// Every GoNB cell is a new process. CheckTraining saves the trained weights
// and their Gate (SaveModel, in train.CacheDir()), and the later checks load
// them with LoadModel and the student's network. A Model is the student's
// network with a context of weights; it implements ode.Field.
package exercise
