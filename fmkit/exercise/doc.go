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
// loss on a fixed batch with a known field, Euler solutions of fields whose
// Euler iterates are known exactly, the curved velocity against a central
// finite difference of the student's x_t (FDTolerance), and the quality gate
// of a trained model: exact W2 <= W2Threshold (0.20) between 1000 generated
// points and 1000 fresh moons. CompareSamplers (Euler against adaptive
// Dopri5), StudyGap (the linear path and the gap between the moons, see Gap)
// and ComparePaths (linear against curved) measure and show what questions 3
// and 4 ask about.
//
// Each check returns and shows a Report: a list of items, each Passed,
// Failed (with a hint that says what to look at), NotYet (the part still has
// its TODO stub) or Waiting (it needs an earlier part). A check never stops the
// notebook: panics of the student's code (GoMLX reports shape errors by
// panicking) are recovered, NaN and wrong shapes are detected, and no check
// exits the process.
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
// (SaveModel, in train.CacheDir()), and the later checks load them with
// LoadModel and the student's network. A Model is the student's network with
// a context of weights; it implements ode.Field.
package exercise
