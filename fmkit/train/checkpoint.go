package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
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

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/internal/fsutil"
)

// Checkpoint file layout (all integers little-endian):
//
//	magic    "FMKITCKPT\n" (10 bytes)
//	uint32   length of the JSON header
//	header   JSON: format, config, hash, loss history, variables (name, shape)
//	payload  the float32 values of every variable, in header order
//	uint32   CRC-32 (IEEE) of everything before it
//
// Files are written to a temporary name in the same directory and renamed,
// so a reader never sees a half-written checkpoint; a truncated or corrupted
// file fails the length or CRC check with an error that says so.
const (
	checkpointMagic  = "FMKITCKPT\n"
	checkpointFormat = 1
)

type ckptVar struct {
	Scope string `json:"scope"`
	Name  string `json:"name"`
	Dims  []int  `json:"dims"`
}

type ckptHeader struct {
	Format  int       `json:"format"`
	Hash    string    `json:"hash"`
	Config  Config    `json:"config"`
	History []float64 `json:"history"`
	Seconds float64   `json:"seconds"`
	Vars    []ckptVar `json:"vars"`
}

// ErrCorrupt is wrapped by Load errors for unreadable checkpoint files.
var ErrCorrupt = errors.New("corrupt checkpoint")

// Save writes the model's weights, configuration and loss history to file,
// atomically.
func (m *Model) Save(file string) error {
	h := ckptHeader{Format: checkpointFormat, Hash: m.Config.Hash(), Config: m.Config, History: m.History, Seconds: m.Seconds}
	var payload bytes.Buffer
	var vars []*context.Variable
	for v := range m.ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), "/"+fieldScope) {
			vars = append(vars, v)
		}
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].ScopeAndName() < vars[j].ScopeAndName() })
	for _, v := range vars {
		if v.DType() != dtypes.Float32 {
			return fmt.Errorf("checkpoint: variable %s has dtype %s, only float32 is supported", v.ScopeAndName(), v.DType())
		}
		val, err := v.Value()
		if err != nil {
			return fmt.Errorf("checkpoint: reading %s: %w", v.ScopeAndName(), err)
		}
		flat, err := tensors.CopyFlatData[float32](val)
		if err != nil {
			return fmt.Errorf("checkpoint: reading %s: %w", v.ScopeAndName(), err)
		}
		if err := binary.Write(&payload, binary.LittleEndian, flat); err != nil {
			return err
		}
		h.Vars = append(h.Vars, ckptVar{Scope: v.Scope(), Name: v.Name(), Dims: v.Shape().Dimensions})
	}
	if len(vars) == 0 {
		return fmt.Errorf("checkpoint: the model has no weights to save")
	}
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(checkpointMagic)
	_ = binary.Write(&buf, binary.LittleEndian, uint32(len(header)))
	buf.Write(header)
	buf.Write(payload.Bytes())
	_ = binary.Write(&buf, binary.LittleEndian, crc32.ChecksumIEEE(buf.Bytes()))
	return fsutil.WriteFileAtomic(file, buf.Bytes())
}

// Load reads a checkpoint written by Save and returns the model, ready to
// evaluate on the current backend.
func Load(file string) (*Model, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	h, payload, err := parseCheckpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", file, err)
	}
	backend, err := fmkit.Backend()
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	off := 0
	for _, v := range h.Vars {
		size := 1
		for _, d := range v.Dims {
			size *= d
		}
		flat := make([]float32, size)
		for i := range flat {
			flat[i] = math.Float32frombits(binary.LittleEndian.Uint32(payload[off+4*i:]))
		}
		off += 4 * size
		ctx.InAbsPath(v.Scope).VariableWithValue(v.Name, tensors.FromFlatDataAndDimensions(flat, v.Dims...))
	}
	return &Model{Config: h.Config, History: h.History, Seconds: h.Seconds, backend: backend, ctx: ctx}, nil
}

func parseCheckpoint(raw []byte) (ckptHeader, []byte, error) {
	var h ckptHeader
	if len(raw) < len(checkpointMagic)+8 || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return h, nil, fmt.Errorf("%w: not an fmkit checkpoint (bad magic or too short: %d bytes)", ErrCorrupt, len(raw))
	}
	body, tail := raw[:len(raw)-4], raw[len(raw)-4:]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(tail) {
		return h, nil, fmt.Errorf("%w: checksum mismatch (the file is truncated or damaged); delete it and train again", ErrCorrupt)
	}
	rest := body[len(checkpointMagic):]
	n := int(binary.LittleEndian.Uint32(rest))
	rest = rest[4:]
	if n > len(rest) {
		return h, nil, fmt.Errorf("%w: header length %d exceeds the file", ErrCorrupt, n)
	}
	if err := json.Unmarshal(rest[:n], &h); err != nil {
		return h, nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if h.Format != checkpointFormat {
		return h, nil, fmt.Errorf("%w: format %d, this fmkit reads format %d", ErrCorrupt, h.Format, checkpointFormat)
	}
	payload := rest[n:]
	want := 0
	for _, v := range h.Vars {
		size := 1
		for _, d := range v.Dims {
			if d <= 0 {
				return h, nil, fmt.Errorf("%w: variable %s/%s has invalid shape %v", ErrCorrupt, v.Scope, v.Name, v.Dims)
			}
			size *= d
		}
		want += 4 * size
	}
	if want != len(payload) {
		return h, nil, fmt.Errorf("%w: %d bytes of weights, header describes %d", ErrCorrupt, len(payload), want)
	}
	if err := h.Config.Validate(); err != nil {
		return h, nil, fmt.Errorf("%w: stored configuration is invalid: %v", ErrCorrupt, err)
	}
	return h, payload, nil
}

// CacheDir is where Cached keeps checkpoints: $FMKIT_CACHE if set, else
// fmkit/ under the user's cache directory (~/.cache/fmkit on Linux).
// scripts/lab.sh sets FMKIT_CACHE to .venv/fmkit-cache in the repository (the
// notebooks' models stay inside the clone); the notebook runner and the
// tests use temporary folders.
func CacheDir() string {
	if d := os.Getenv("FMKIT_CACHE"); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "fmkit")
}

// CachePath is the checkpoint file of a configuration in CacheDir.
func CachePath(cfg Config) string {
	return filepath.Join(CacheDir(), fmt.Sprintf("%s-%s.ckpt", cfg.Target, cfg.Hash()))
}

// Cached returns the model of cfg from the checkpoint cache, training and
// caching it first if needed. A damaged cache file is reported and replaced.
func Cached(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	file := CachePath(cfg)
	if _, err := os.Stat(file); err == nil {
		m, err := Load(file)
		if err == nil {
			if !cfg.Quiet {
				fmt.Printf("loaded trained model %s from the cache (%d steps, %.1fs of training)\n", filepath.Base(file), len(m.History), m.Seconds)
			}
			return m, nil
		}
		fmt.Fprintf(os.Stderr, "fmkit: ignoring cached model: %v; training again\n", err)
	}
	m, err := Train(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Save(file); err != nil {
		return nil, fmt.Errorf("train: caching the model: %w", err)
	}
	return m, nil
}
