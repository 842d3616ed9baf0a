package metric_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowmatching/gofm/fmkit/metric"
	"gonum.org/v1/gonum/mat"
)

// Two particles over t = 0, 0.5, 1: one walks a straight line at constant
// speed (energy = squared displacement), the other goes out and comes back
// (same energy, no displacement).
func ExampleParticleEnergies() {
	traj := []*mat.Dense{
		mat.NewDense(2, 2, []float64{0, 0, 0, 0}),
		mat.NewDense(2, 2, []float64{1, 0, 1, 0}),
		mat.NewDense(2, 2, []float64{2, 0, 0, 0}),
	}
	energy, sqDisp, err := metric.ParticleEnergies(traj, []float64{0, 0.5, 1})
	if err != nil {
		panic(err)
	}
	for i := range energy {
		fmt.Printf("particle %d: E = %.1f, ||x(1) - x(0)||^2 = %.1f\n", i, energy[i], sqDisp[i])
	}
	// Output:
	// particle 0: E = 4.0, ||x(1) - x(0)||^2 = 4.0
	// particle 1: E = 4.0, ||x(1) - x(0)||^2 = 0.0
}

func TestParticleEnergiesAgreeWithKineticEnergy(t *testing.T) {
	// A curved path sampled unevenly: the mean of the energies is KE, and
	// every particle obeys E_i >= D_i.
	times := []float64{0, 0.1, 0.35, 0.7, 1}
	var traj []*mat.Dense
	for _, s := range times {
		x := mat.NewDense(3, 2, nil)
		for i := range 3 {
			r := float64(i + 1)
			x.Set(i, 0, r*math.Cos(math.Pi*s))
			x.Set(i, 1, r*math.Sin(math.Pi*s)+float64(i)*s)
		}
		traj = append(traj, x)
	}
	energy, sqDisp, err := metric.ParticleEnergies(traj, times)
	if err != nil {
		t.Fatal(err)
	}
	ke, err := metric.KineticEnergy(traj, times)
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for i, e := range energy {
		mean += e / float64(len(energy))
		if e < sqDisp[i] {
			t.Errorf("particle %d: energy %v below squared displacement %v", i, e, sqDisp[i])
		}
	}
	if math.Abs(mean-ke) > 1e-12 {
		t.Errorf("mean energy %v, KineticEnergy %v", mean, ke)
	}
	if _, _, err := metric.ParticleEnergies(traj[:1], times[:1]); err == nil {
		t.Error("one time point accepted")
	}
	if _, _, err := metric.ParticleEnergies(traj, times[:3]); err == nil {
		t.Error("mismatched times accepted")
	}
}
