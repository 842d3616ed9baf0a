package coupling_test

import (
	"testing"

	"github.com/flowmatching/gofm/fmkit/coupling"
	"github.com/flowmatching/gofm/fmkit/train"
)

// train.Trainer draws its pairs through this package: with the same seed
// the three couplings see the same x0 and x1, "ot" pairs them at the
// optimal (lowest) cost, and "sinkhorn" trains.
func TestTrainerUsesCouplings(t *testing.T) {
	cost := map[string]float64{}
	for _, name := range []string{"independent", "ot", "sinkhorn"} {
		cfg := train.DefaultConfig()
		cfg.Coupling, cfg.SinkhornEps, cfg.Quiet = name, 0.5, true
		cfg.Steps, cfg.Batch = 5, 64
		cfg.Field.Width = 16
		tr, err := train.NewTrainer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, x0, x1, err := tr.Draw()
		if err != nil {
			t.Fatal(err)
		}
		cost[name], _ = coupling.Cost(x0, x1)
		want, _ := coupling.ExactOT{}.Pair(x0, x1, nil)
		best, _ := coupling.Cost(want, x1)
		if name == "ot" && cost[name] > best+1e-12 {
			t.Errorf("trainer's OT pairs cost %.6f, the optimum is %.6f", cost[name], best)
		}
		tr.Close()
		if _, err := train.Train(cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	t.Logf("pair costs of the first batch: %v", cost)
	if !(cost["ot"] < cost["independent"]) {
		t.Errorf("OT cost %.3f not below independent %.3f", cost["ot"], cost["independent"])
	}
}
