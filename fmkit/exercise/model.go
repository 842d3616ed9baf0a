package exercise

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/internal/fsutil"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Model is the student's network v_theta with the weights of a context: it
// implements ode.Field, so fmkit's solvers (and the student's sampler) can
// integrate it. Evaluation errors, and panics of the student's code, are
// returned as errors.
type Model struct {
	Name   string    // "linear", "curved", ... (the path it was trained on)
	Losses []float64 // training loss at every step (empty for fresh weights)
	Gate   Gate      // how the training check graded it

	field Field
	ctx   *context.Context
	exec  *context.Exec
}

// NewModel wraps v with the weights held by ctx (at ctx's current scope).
func NewModel(name string, v Field, ctx *context.Context) *Model {
	return &Model{Name: name, field: v, ctx: ctx}
}

// Context returns the context holding the model's weights.
func (m *Model) Context() *context.Context { return m.ctx }

// Velocity evaluates v_theta(t, x) for every row of x (the same t for all).
func (m *Model) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	n, _ := x.Dims()
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = t
	}
	return m.eval(ts, x)
}

// eval evaluates v_theta(t_i, x_i) for every row i of x.
func (m *Model) eval(t []float64, x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	if len(t) != n {
		return nil, fmt.Errorf("%d times for %d points", len(t), n)
	}
	var out *mat.Dense
	err := try(func() error {
		if m.exec == nil {
			backend, err := fmkit.Backend()
			if err != nil {
				return err
			}
			exec, err := context.NewExec(backend, m.ctx, func(ctx *context.Context, t, x *Node) *Node {
				return m.field(ctx, t, x)
			})
			if err != nil {
				return err
			}
			m.exec = exec
		}
		outs, err := m.exec.Exec(Vector(t), Tensor(x))
		if err != nil {
			return err
		}
		if len(outs) != 1 {
			return fmt.Errorf("v_θ returned %d outputs, want 1", len(outs))
		}
		dims := outs[0].Shape().Dimensions
		if len(dims) != 2 || dims[0] != n || dims[1] != d {
			return &shapeError{tr("x 的形状为 [%[2]d, %[3]d] 时 v_θ 返回了形状 %[1]s：每个点要返回一个 %[3]d 维速度，形状 [%[2]d, %[3]d]",
				"v_θ returned shape %s for x of shape [%d, %d]; it must return one %d-D velocity per point, shape [%d, %d]",
				outs[0].Shape().String(), n, d, d, n, d)}
		}
		out, err = gx.Dense(outs[0])
		return err
	})
	return out, err
}

// shapeError is a wrong output shape of the student's function.
type shapeError struct{ msg Text }

func (e *shapeError) Error() string { return e.msg.EN }

// numParams is the number of weights (values of the trainable variables)
// under the context's scope.
func numParams(ctx *context.Context) int {
	n := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// Gate is the verdict of the training check on a model, kept with its
// weights: the analyses of later cells (3b, 4a, 4b) say when their model did
// not pass it.
type Gate struct {
	Part   string  // the part whose check trained it: Part2c, or Part4b for the curved path
	Passed bool    // every item of the training check passed
	W2     float64 // mean exact W2 to fresh moons (0 if not measured)
	W2SD   float64 // its sd over the reference draws
	Reason Text    // the first item that did not pass, when Passed is false
}

// verdict is the gate as the verdict of the part that trained the model.
func (g Gate) verdict() verdict {
	if g.Passed {
		return verdict{part: g.Part, status: Passed}
	}
	return verdict{part: g.Part, status: Failed, reason: g.Reason}
}

// Checkpoints: the variables of a trained context, kept between notebook
// cells (every GoNB cell is a new process). The file is a gob stream:
// the scope of the context, the losses, the Gate, the number of variables,
// then for each its scope, name and tensor. It is written atomically in train.CacheDir().

const checkpointMagic = "fmkit-exercise-6.2 v2"

// CheckpointPath is the file where SaveModel keeps the model of a name.
func CheckpointPath(name string) string {
	return filepath.Join(train.CacheDir(), "exercise-6.2-"+name+".ckpt")
}

// SaveModel writes the variables of ctx (every variable of the context, with
// its scope), the loss history and the verdict of the training check under
// name.
func SaveModel(name string, ctx *context.Context, losses []float64, gate Gate) error {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		vars = append(vars, v)
	}
	if len(vars) == 0 {
		return errors.New("the context has no variables: train v_θ with this context (it holds the weights)")
	}
	for _, x := range []any{checkpointMagic, ctx.Scope(), losses, gate, len(vars)} {
		if err := enc.Encode(x); err != nil {
			return err
		}
	}
	for _, v := range vars {
		val, err := v.Value()
		if err != nil {
			return fmt.Errorf("reading variable %s: %w", v.ScopeAndName(), err)
		}
		if err := enc.Encode(v.Scope()); err != nil {
			return err
		}
		if err := enc.Encode(v.Name()); err != nil {
			return err
		}
		if err := val.GobSerialize(enc); err != nil {
			return fmt.Errorf("saving variable %s: %w", v.ScopeAndName(), err)
		}
	}
	return fsutil.WriteFileAtomic(CheckpointPath(name), buf.Bytes())
}

// ErrNoModel is wrapped by LoadModel's error when no model of that name has
// been trained (in this notebook's model cache).
var ErrNoModel = errors.New("no trained model")

// LoadModel returns the model saved under name with the student's network v.
func LoadModel(name string, v Field) (*Model, error) {
	file := CheckpointPath(name)
	raw, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q yet: run the training check of that path first", ErrNoModel, name)
	}
	if err != nil {
		return nil, err
	}
	dec := gob.NewDecoder(bytes.NewReader(raw))
	var magic, scope string
	if err := dec.Decode(&magic); err != nil || magic != checkpointMagic {
		return nil, fmt.Errorf("%w %q: %s was written by another version of this exercise; run the training check again", ErrNoModel, name, file)
	}
	var losses []float64
	var gate Gate
	var count int
	for _, x := range []any{&scope, &losses, &gate, &count} {
		if err := dec.Decode(x); err != nil {
			return nil, fmt.Errorf("reading %s: %w; delete it and train again", file, err)
		}
	}
	if count <= 0 {
		return nil, fmt.Errorf("%s holds no variables; delete it and train again", file)
	}
	ctx := context.New()
	for range count {
		var vscope, vname string
		if err := dec.Decode(&vscope); err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if err := dec.Decode(&vname); err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		val, err := tensors.GobDeserialize(dec)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		ctx.InAbsPath(vscope).VariableWithValue(vname, val)
	}
	if !strings.HasPrefix(scope, "/") {
		scope = "/" + scope
	}
	m := NewModel(name, v, ctx.InAbsPath(scope).Reuse())
	m.Losses, m.Gate = losses, gate
	return m, nil
}
