package train

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"
)

// FieldScope is the scope of a model's GoMLX context that holds the
// network's variables: a graph that builds v_theta with
// cfg.Field.Build(ctx.In(FieldScope), t, x) creates exactly the variables a
// Model reads (and Save writes).
const FieldScope = fieldScope

// NewModel wraps a velocity network trained outside Train, for example by a
// CFM loop written out by hand, as a Model, so that it samples, is measured
// and is saved like a trained one. ctx must be the context the loop trained
// on backend, holding the float32 variables of cfg.Field under FieldScope;
// cfg names the model's p0 (Source), p1 (Target) and network (Field);
// history is the loss per step (it may be nil).
//
// Only unconditional velocity models are accepted (Objective "" or
// "velocity", Classes 0). NewModel evaluates the network once at t = 0 on
// the point 0 to check that ctx holds its variables with the right shapes.
func NewModel(cfg Config, backend backends.Backend, ctx *context.Context, history []float64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Classes > 0 || cfg.objective() != ObjectiveVelocity {
		return nil, fmt.Errorf("train.NewModel: only an unconditional velocity model can be wrapped (got Objective %q, Classes %d)", cfg.Objective, cfg.Classes)
	}
	if backend == nil || ctx == nil {
		return nil, fmt.Errorf("train.NewModel: the backend and the context of the trained network are required")
	}
	found := false
	for v := range ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/"+FieldScope) {
			found = true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("train.NewModel: the context has no variables under scope %q: build the network with cfg.Field.Build(ctx.In(train.FieldScope), t, x)", FieldScope)
	}
	m := &Model{Config: cfg, History: history, backend: backend, ctx: ctx}
	if err := m.tryVelocity(); err != nil {
		return nil, fmt.Errorf("train.NewModel: the context does not hold the network %s: %w", cfg.Field, err)
	}
	return m, nil
}

// tryVelocity evaluates v_theta(0, 0) once, turning a panic of graph
// building (GoMLX style, e.g. variables of the wrong shape) into an error.
func (m *Model) tryVelocity() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	_, err = m.Velocity(0, mat.NewDense(1, m.Config.Field.Dim, nil))
	return err
}
