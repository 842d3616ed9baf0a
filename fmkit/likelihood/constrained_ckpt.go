package likelihood

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit/internal/fsutil"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Checkpoint of a constrained model (all integers little-endian):
//
//	magic   "FMKITCNSTR\n" (11 bytes)
//	uint32  length of the JSON header
//	header  JSON: format, hash, config, loss history, seconds, variables (scope, name, dims)
//	payload the float32 values of every variable under the "field" scope, in header order
//	uint32  CRC-32 (IEEE) of everything before it
//
// written to a temporary name and renamed (atomic).
const (
	constrainedMagic  = "FMKITCNSTR\n"
	constrainedFormat = 1
)

type constrainedVar struct {
	Scope string `json:"scope"`
	Name  string `json:"name"`
	Dims  []int  `json:"dims"`
}

type constrainedHeader struct {
	Format  int               `json:"format"`
	Hash    string            `json:"hash"`
	Config  ConstrainedConfig `json:"config"`
	History []float64         `json:"history"`
	Seconds float64           `json:"seconds"`
	Vars    []constrainedVar  `json:"vars"`
}

// Save writes the model's weights, configuration and loss history to file,
// atomically.
func (m *ConstrainedModel) Save(file string) error {
	h := constrainedHeader{Format: constrainedFormat, Hash: m.Config.Hash(), Config: m.Config, History: m.History, Seconds: m.Seconds}
	var vars []*context.Variable
	for v := range m.ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/field") {
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return fmt.Errorf("likelihood: the constrained model has no weights to save (train it first)")
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].ScopeAndName() < vars[j].ScopeAndName() })
	var payload bytes.Buffer
	for _, v := range vars {
		if v.DType() != dtypes.Float32 {
			return fmt.Errorf("likelihood: variable %s has dtype %s; only float32 is saved", v.ScopeAndName(), v.DType())
		}
		val, err := v.Value()
		if err != nil {
			return fmt.Errorf("likelihood: reading %s: %w", v.ScopeAndName(), err)
		}
		flat, err := tensors.CopyFlatData[float32](val)
		if err != nil {
			return fmt.Errorf("likelihood: reading %s: %w", v.ScopeAndName(), err)
		}
		_ = binary.Write(&payload, binary.LittleEndian, flat)
		h.Vars = append(h.Vars, constrainedVar{Scope: v.Scope(), Name: v.Name(), Dims: v.Shape().Dimensions})
	}
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(constrainedMagic)
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(header)))
	buf.Write(header)
	buf.Write(payload.Bytes())
	_ = binary.Write(&buf, binary.LittleEndian, crc32.ChecksumIEEE(buf.Bytes()))
	return fsutil.WriteFileAtomic(file, buf.Bytes())
}

// LoadConstrained reads a model written by Save.
func LoadConstrained(file string) (*ConstrainedModel, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	bad := func(what string) error {
		return fmt.Errorf("likelihood: %s is not a readable constrained-model checkpoint (%s); delete it to retrain", file, what)
	}
	if len(raw) < len(constrainedMagic)+8 || string(raw[:len(constrainedMagic)]) != constrainedMagic {
		return nil, bad("wrong magic or too short")
	}
	body := raw[:len(raw)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(raw[len(raw)-4:]) {
		return nil, bad("CRC mismatch: truncated or corrupted")
	}
	off := len(constrainedMagic)
	hl := int(binary.LittleEndian.Uint32(body[off:]))
	off += 4
	if off+hl > len(body) {
		return nil, bad("header length beyond the file")
	}
	var h constrainedHeader
	if err := json.Unmarshal(body[off:off+hl], &h); err != nil {
		return nil, bad(err.Error())
	}
	if h.Format != constrainedFormat {
		return nil, bad(fmt.Sprintf("format %d, this fmkit reads %d", h.Format, constrainedFormat))
	}
	payload := body[off+hl:]
	f, err := ConstrainedField(h.Config.Kind, h.Config.Train.Field)
	if err != nil {
		return nil, err
	}
	backend, err := backendOf()
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	p := 0
	for _, v := range h.Vars {
		size := 1
		for _, d := range v.Dims {
			size *= d
		}
		if p+4*size > len(payload) {
			return nil, bad("payload shorter than its variables")
		}
		flat := make([]float32, size)
		for i := range flat {
			flat[i] = math.Float32frombits(binary.LittleEndian.Uint32(payload[p+4*i:]))
		}
		p += 4 * size
		ctx.InAbsPath(v.Scope).VariableWithValue(v.Name, tensors.FromFlatDataAndDimensions(flat, v.Dims...))
	}
	return &ConstrainedModel{Config: h.Config, History: h.History, Seconds: h.Seconds, backend: backend, ctx: ctx, field: f}, nil
}

// ConstrainedCachePath is the checkpoint file of cfg in train.CacheDir().
func ConstrainedCachePath(cfg ConstrainedConfig) string {
	return filepath.Join(train.CacheDir(), fmt.Sprintf("%s-%s-%s.ckpt", cfg.Train.Target, strings.ToLower(cfg.Kind), cfg.Hash()))
}

// CachedConstrained returns the model of cfg from the checkpoint cache,
// training (TrainConstrained) and caching it first if needed, so notebook
// cells (separate processes) can share one trained model.
func CachedConstrained(cfg ConstrainedConfig) (*ConstrainedModel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	file := ConstrainedCachePath(cfg)
	if _, err := os.Stat(file); err == nil {
		m, err := LoadConstrained(file)
		if err == nil {
			if !cfg.Train.Quiet {
				fmt.Printf("loaded trained %s model %s from the cache (%d steps, %.1fs of training)\n", cfg.Kind, filepath.Base(file), len(m.History), m.Seconds)
			}
			return m, nil
		}
		fmt.Fprintf(os.Stderr, "fmkit: ignoring cached model: %v; training again\n", err)
	}
	m, err := TrainConstrained(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Save(file); err != nil {
		return nil, fmt.Errorf("likelihood: caching the model: %w", err)
	}
	return m, nil
}
