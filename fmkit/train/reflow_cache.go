package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flowmatching/gofm/fmkit/internal/fsutil"
)

// reflowFormat versions the cache files of reflow stages.
const reflowFormat = 1

// stageKey identifies a stage: a hash of the parent lineage's key, the
// kind of stage and its options (without Quiet).
func stageKey(parentKey, kind string, opt ReflowOptions) string {
	b, _ := json.Marshal(struct {
		Format int
		Parent string
		Kind   string
		Opt    ReflowOptions
	}{reflowFormat, parentKey, kind, opt})
	h := sha256.Sum256(b)
	return kind + "-" + hex.EncodeToString(h[:8])
}

// stageMeta is what the cache keeps beside a stage's checkpoint: the
// stage's identity and its cost, which the checkpoint does not hold.
type stageMeta struct {
	Format int        `json:"format"`
	Key    string     `json:"key"`
	Config string     `json:"config_hash"`
	Cost   ReflowCost `json:"cost"`
}

// stageFiles are the checkpoint and the metadata of a stage in CacheDir.
func stageFiles(target, key string) (ckpt, meta string) {
	base := filepath.Join(CacheDir(), fmt.Sprintf("%s-%s", target, key))
	return base + ".ckpt", base + ".json"
}

// loadStage loads a cached stage; ok is false when it is absent or
// unusable (a damaged or mismatched file is reported and will be
// replaced).
func loadStage(key string, cfg Config, quiet bool) (m *Model, cost ReflowCost, ok bool) {
	ckpt, metaFile := stageFiles(cfg.Target, key)
	raw, err := os.ReadFile(metaFile)
	if err != nil {
		return nil, cost, false
	}
	var meta stageMeta
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Format != reflowFormat || meta.Key != key || meta.Config != cfg.Hash() {
		fmt.Fprintf(os.Stderr, "fmkit: ignoring cached reflow stage %s: unreadable or mismatched metadata; training again\n", filepath.Base(metaFile))
		return nil, cost, false
	}
	m, err = Load(ckpt)
	if err == nil && m.Config.Hash() != cfg.Hash() {
		err = fmt.Errorf("its configuration %s is not the stage's %s", m.Config.Hash(), cfg.Hash())
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fmkit: ignoring cached reflow stage: %v; training again\n", err)
		return nil, cost, false
	}
	m.Config.Quiet = cfg.Quiet
	if !quiet {
		fmt.Printf("loaded %s from the cache (%d steps, %.1fs of training; %d pairs, NFE %d each, %.1fs)\n",
			filepath.Base(ckpt), meta.Cost.TrainSteps, meta.Cost.TrainSeconds, meta.Cost.Pairs, meta.Cost.PairNFE, meta.Cost.PairSeconds)
	}
	return m, meta.Cost, true
}

// saveStage writes the stage's checkpoint and then its metadata, each
// atomically; a stage is loaded only when both are present and agree.
func saveStage(r *Rectified, cost ReflowCost) error {
	ckpt, metaFile := stageFiles(r.Config.Target, r.Key)
	if err := r.Model.Save(ckpt); err != nil {
		return fmt.Errorf("%s: caching the model: %w", r.Kind, err)
	}
	raw, err := json.MarshalIndent(stageMeta{Format: reflowFormat, Key: r.Key, Config: r.Config.Hash(), Cost: cost}, "", " ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(metaFile, append(raw, '\n')); err != nil {
		return fmt.Errorf("%s: caching the model: %w", r.Kind, err)
	}
	return nil
}
