package train_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Time two functions round by round and compare them with a paired test:
// sleeping 30 ms is detected as slower than sleeping 1 ms (a gap that a
// loaded machine's late wake-ups, a few ms, cannot hide).
func ExampleTimingRounds() {
	sec, err := train.TimingRounds(6,
		func() error { time.Sleep(time.Millisecond); return nil },
		func() error { time.Sleep(30 * time.Millisecond); return nil })
	if err != nil {
		panic(err)
	}
	c, err := metric.PairedTest(sec[0], sec[1])
	if err != nil {
		panic(err)
	}
	fmt.Println(len(sec[0]), "rounds; verdict:", c.Verdict)
	// Output:
	// 6 rounds; verdict: A lower
}

// Per-round step times of two configurations, as mean ± sd.
func ExampleStepTimeRounds() {
	fm := train.DefaultConfig()
	fm.Path, fm.Batch, fm.Quiet = "vp", 64, true
	sm := fm
	sm.Objective = "score"
	sec, err := train.StepTimeRounds(3, 5, fm, sm)
	if err != nil {
		panic(err)
	}
	a, _ := metric.Summarize(sec[0])
	b, _ := metric.Summarize(sec[1])
	fmt.Println("rounds timed:", a.N, b.N, "all positive:", a.Mean > 0 && b.Mean > 0)
	// Output:
	// rounds timed: 5 5 all positive: true
}

func TestTimingRoundsErrors(t *testing.T) {
	if _, err := train.TimingRounds(0, func() error { return nil }); err == nil {
		t.Error("rounds = 0 accepted")
	}
	if _, err := train.TimingRounds(2); err == nil {
		t.Error("no functions accepted")
	}
	boom := errors.New("boom")
	if _, err := train.TimingRounds(2, func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("error not passed on: %v", err)
	}
	if _, err := train.StepTimeRounds(1, 0, train.DefaultConfig()); err == nil {
		t.Error("rounds = 0 accepted")
	}
	if _, err := train.StepTimeRounds(1, 1); err == nil {
		t.Error("no configurations accepted")
	}
}
