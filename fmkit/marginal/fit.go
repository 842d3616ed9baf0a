package marginal

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Fit trains v_theta by conditional flow matching on the empirical target
// (section 6.1.4's recipe with p1 = the N points): every step draws
// t ~ U[0, 1], x0 ~ N(0, I) and x1 uniformly among the points
// (independent coupling), and takes an Adam step of train.Trainer on
// ||v_theta(t, x_t) - u_t(x_t | x0, x1)||^2.
//
// cfg gives the network, steps, batch, learning rate and seed. Its Source
// must be "gaussian", its Path the target's path and its Coupling
// "independent"; its Target only fixes the dimension (the data come from
// e). It returns the model after each step count in snapshots (sorted,
// each in 1..cfg.Steps) and, last, after cfg.Steps steps; cfg.Steps itself
// may be listed. Models are cached like train.Cached, in train.CacheDir(),
// under a name made of cfg's hash and a hash of the points, so a notebook
// trains once.
func Fit(cfg train.Config, e *Empirical, snapshots ...int) ([]*train.Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case strings.ToLower(cfg.Source) != "gaussian":
		return nil, fmt.Errorf("marginal.Fit: the closed form assumes p0 = N(0, I): set Source to \"gaussian\", got %q", cfg.Source)
	case !strings.EqualFold(cfg.Path, e.Path):
		return nil, fmt.Errorf("marginal.Fit: cfg.Path is %q but the target's path is %q", cfg.Path, e.Path)
	case strings.ToLower(cfg.Coupling) != "independent":
		return nil, fmt.Errorf("marginal.Fit: the closed form is for the independent coupling: set Coupling to \"independent\", got %q", cfg.Coupling)
	case cfg.Field.Dim != e.Dim():
		return nil, fmt.Errorf("marginal.Fit: the field's Dim is %d but the points have dimension %d", cfg.Field.Dim, e.Dim())
	}
	at := append([]int(nil), snapshots...)
	slices.Sort(at)
	at = slices.Compact(at)
	for _, k := range at {
		if k < 1 || k > cfg.Steps {
			return nil, fmt.Errorf("marginal.Fit: snapshot at step %d is outside 1..%d (cfg.Steps)", k, cfg.Steps)
		}
	}
	if len(at) == 0 || at[len(at)-1] != cfg.Steps {
		at = append(at, cfg.Steps)
	}
	files := make([]string, len(at))
	cached := true
	for i, k := range at {
		files[i] = filepath.Join(train.CacheDir(), fmt.Sprintf("empirical-%s-%s-step%d.ckpt", cfg.Hash(), e.hash(), k))
		if _, err := os.Stat(files[i]); err != nil {
			cached = false
		}
	}
	if cached {
		models := make([]*train.Model, len(at))
		var err error
		for i, f := range files {
			if models[i], err = train.Load(f); err != nil {
				break
			}
		}
		if err == nil {
			if !cfg.Quiet {
				fmt.Printf("loaded %d trained models (steps %v) from the cache\n", len(at), at)
			}
			return models, nil
		}
		fmt.Fprintf(os.Stderr, "fmkit: ignoring cached models: %v; training again\n", err)
	}

	tr, err := train.NewTrainer(cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	var prog *nb.Progress
	if !cfg.Quiet {
		prog = nb.NewProgress(fmt.Sprintf("CFM training on %d points", e.Len()), cfg.Steps)
	}
	rng := data.NewRand(cfg.Seed)
	src := data.Gaussian{D: e.Dim()}
	x1 := mat.NewDense(cfg.Batch, e.Dim(), nil)
	t := make([]float64, cfg.Batch)
	models := make([]*train.Model, 0, len(at))
	start := time.Now()
	next := 0
	for k := range cfg.Steps {
		for i := range cfg.Batch {
			copy(x1.RawRowView(i), e.X1.RawRowView(rng.IntN(e.Len())))
		}
		x0 := src.Sample(cfg.Batch, rng)
		for i := range t {
			t[i] = rng.Float64()
		}
		loss, err := tr.StepOn(t, x0, x1, cfg.LearningRate(k))
		if err != nil {
			if prog != nil {
				prog.Done(fmt.Sprintf("stopped at step %d: %v", k+1, err))
			}
			return nil, err
		}
		if prog != nil {
			prog.Update(k+1, fmt.Sprintf("loss %.4f", loss))
		}
		if k+1 == at[next] {
			m := tr.Model()
			m.Seconds = time.Since(start).Seconds()
			if err := m.Save(files[next]); err != nil {
				return nil, fmt.Errorf("marginal.Fit: caching the model at step %d: %w", k+1, err)
			}
			// Reload: a snapshot must not share the trainer's weights.
			snap, err := train.Load(files[next])
			if err != nil {
				return nil, err
			}
			models = append(models, snap)
			next++
		}
	}
	if prog != nil {
		prog.Done(fmt.Sprintf("%d models saved (steps %v)", len(at), at))
	}
	return models, nil
}

// hash identifies the points and the path (16 hex digits).
func (e *Empirical) hash() string {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(e.Path)))
	n, d := e.X1.Dims()
	var buf [8]byte
	for i := range n {
		for j := range d {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(e.X1.At(i, j)))
			h.Write(buf[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
