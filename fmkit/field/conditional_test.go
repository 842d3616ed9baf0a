package field

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
)

func condEval(t *testing.T, c Conditional, ctx *context.Context, tt []float32, x [][]float32, labels []int32, w float32) (cond, guided [][]float32) {
	t.Helper()
	backend, err := fmkit.Backend()
	if err != nil {
		t.Fatal(err)
	}
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tn, xn, ln, wn *Node) []*Node {
		v := c.Build(ctx, tn, xn, ln)
		return []*Node{v, c.Guided(ctx.Reuse(), tn, xn, ln, wn)}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(tt, x, labels, w)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Value().([][]float32), out[1].Value().([][]float32)
}

// Guided is (1+w) v(c) - w v(∅): w = 0 gives v(c), w = -1 gives v(∅), and
// any w the linear combination. The label changes the output.
func TestConditionalGuidance(t *testing.T) {
	c := Conditional{MLP: DefaultMLP(2), Classes: 3}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	tt := []float32{0.1, 0.5, 0.9, 0.3}
	x := [][]float32{{0, 0}, {1, -1}, {0.5, 2}, {-1, 0.3}}
	labels := []int32{0, 1, 2, 1}
	null := []int32{3, 3, 3, 3}
	vc, g0 := condEval(t, c, ctx, tt, x, labels, 0)
	vu, gm1 := condEval(t, c, ctx.Reuse(), tt, x, null, 0)
	_, gUncond := condEval(t, c, ctx.Reuse(), tt, x, labels, -1)
	_, g2 := condEval(t, c, ctx.Reuse(), tt, x, labels, 2)
	_ = gm1
	for i := range x {
		for j := range 2 {
			if math.Abs(float64(g0[i][j]-vc[i][j])) > 1e-5 {
				t.Errorf("w=0: guided %v, conditional %v", g0[i][j], vc[i][j])
			}
			if math.Abs(float64(gUncond[i][j]-vu[i][j])) > 1e-5 {
				t.Errorf("w=-1: guided %v, unconditional %v", gUncond[i][j], vu[i][j])
			}
			want := 3*vc[i][j] - 2*vu[i][j]
			if math.Abs(float64(g2[i][j]-want)) > 1e-4 {
				t.Errorf("w=2: guided %v, want 3 v(c) - 2 v(∅) = %v", g2[i][j], want)
			}
		}
	}
	other, _ := condEval(t, c, ctx.Reuse(), tt, x, []int32{2, 0, 1, 0}, 0)
	if other[0][0] == vc[0][0] && other[0][1] == vc[0][1] {
		t.Error("the label does not change v_theta")
	}
}

func TestConditionalBadInput(t *testing.T) {
	if err := (Conditional{MLP: DefaultMLP(2)}).Validate(); err == nil || !strings.Contains(err.Error(), "Classes must be positive") {
		t.Errorf("zero classes: %v", err)
	}
	if err := (Conditional{MLP: MLP{Dim: 2}, Classes: 2}).Validate(); err == nil {
		t.Error("invalid MLP: no error")
	}
	for _, c := range []struct {
		labels    []int
		allowNull bool
		want      string
	}{
		{[]int{0, 11}, false, "label 11 (row 1) is outside the model's classes 0..9"},
		{[]int{-1}, true, "label -1 (row 0) is outside"},
		{[]int{3, 10}, false, "is ∅"},
	} {
		if err := CheckLabels(c.labels, 10, c.allowNull); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.labels, err, c.want)
		}
	}
	if err := CheckLabels([]int{0, 9, 10}, 10, true); err != nil {
		t.Errorf("∅ allowed: %v", err)
	}
	for _, w := range []float64{math.NaN(), math.Inf(1)} {
		if err := CheckGuidance(w); err == nil || !strings.Contains(err.Error(), "use a finite number") {
			t.Errorf("w=%v: %v", w, err)
		}
	}
	if err := CheckGuidance(-1); err != nil {
		t.Error(err)
	}
}
