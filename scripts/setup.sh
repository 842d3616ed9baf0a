#!/usr/bin/env bash
# scripts/setup.sh: prepare everything the notebooks need, inside the repo.
#
#   .venv/                              Python venv with the pinned Jupyter stack
#                                       (scripts/requirements.txt)
#   .venv/bin/gonb, .venv/bin/goimports built from the tool deps in go.mod
#   .venv/share/jupyter/kernels/gonb/   the GoNB kernel spec ("Go (gonb)"),
#                                       found by Jupyter through sys.prefix;
#                                       its env puts .venv/bin and go's directory
#                                       first on the kernel's PATH, and links
#                                       cells without debug information
#                                       (GOFLAGS, faster builds).
#
# Opt-in, XLA (the pure-Go backend needs nothing of this):
#   FMKIT_XLA=cpu scripts/setup.sh  also installs XLA's CPU PJRT plugin from
#       PyPI into .venv (scripts/requirements-xla-cpu.txt: the wheel
#       lammps-jax-pjrt-cpu, pinned by version and hash, without its Python
#       dependencies: it is a plain shared library) and points the gonb kernel
#       at it (PJRT_PLUGIN_LIBRARY_PATH in its kernel.json), so fmkit's
#       automatic choice runs notebooks on XLA; for a terminal,
#       `. .venv/fmkit-xla.env` does the same.
#   FMKIT_XLA=cuda scripts/setup.sh  XLA on an NVIDIA GPU: the CPU plugin as
#       above, plus the JAX team's CUDA 12 PJRT plugin and the NVIDIA runtime
#       wheels it loads (scripts/requirements-xla-cuda.txt, pinned with hashes,
#       ~3 GB download), laid out as go-xla's own installer does:
#       .venv/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so next to the
#       libraries (nvidia/cublas/lib, ...). fmkit then prefers xla:cuda. On a
#       machine without an NVIDIA GPU (no /dev/nvidia*, no working nvidia-smi)
#       it stops before downloading anything and changes nothing; set
#       FMKIT_XLA_FORCE=1 to install anyway (building an image for GPU hosts).
#   FMKIT_XLA=off scripts/setup.sh  uninstalls them and removes the setting.
#   Unset, the last choice stays (recorded in .venv/.fmkit-xla).
#
# No Jupyter files are written to $HOME. Idempotent: when nothing it depends on changed
# (requirements, go.mod/go.sum, this script, the go and python it uses, the
# repo's location) it only checks that the pieces are there and returns.
# Set FMKIT_SETUP_FORCE=1 to redo everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements.txt"
KDIR="$VENV/share/jupyter/kernels/gonb"
STAMP="$VENV/.fmkit-setup"   # .py and .go stamps
PYTHON="${PYTHON:-python3}"

say() { echo "setup: $*"; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }

cd "$ROOT"

# --- prerequisites -----------------------------------------------------------
GO="$(command -v go || true)"
[ -n "$GO" ] || die "go not found on PATH: install Go 1.26+ (https://go.dev/dl/) and put its bin/ on PATH"
GO="$(cd "$(dirname "$GO")" && pwd -P)/$(basename "$GO")"   # resolve the directory
GOVERSION="$("$GO" env GOVERSION 2>/dev/null || true)"
case "$GOVERSION" in
  go1.2[6-9]*|go1.[3-9][0-9]*|go[2-9]*) ;;
  *) die "go at $GO is '${GOVERSION:-unknown}': Go 1.26+ is required" ;;
esac
GOBINDIR="$(dirname "$GO")"

PY="$(command -v "$PYTHON" || true)"
[ -n "$PY" ] || die "$PYTHON not found on PATH: install Python 3.11+ (or set PYTHON=/path/to/python3)"
# One interpreter start: version check, venv support, real executable, version.
PYINFO="$("$PY" -c '
import sys
if sys.version_info < (3, 11):
    print("old", sys.version.split()[0]); sys.exit()
try:
    import venv, ensurepip
except ImportError:
    print("novenv", sys.version.split()[0]); sys.exit()
print("ok", sys.version.split()[0], sys.executable)' 2>&1)" || die "$PY does not run: $PYINFO"
set -- $PYINFO
case "$1" in
  ok) PYVERSION="$2"; PY="$3" ;;
  old) die "$PY is Python $2: Python 3.11+ is required (set PYTHON=/path/to/python3.11)" ;;
  novenv) die "$PY (Python $2) cannot create virtual environments (venv/ensurepip missing); on Debian/Ubuntu: apt-get install python3-venv" ;;
  *) die "unexpected answer from $PY: $PYINFO" ;;
esac

# --- fast path ---------------------------------------------------------------
# Two stamps: the Python side depends on the requirements and the interpreter,
# the Go side (gonb, goimports, kernel.json) on go.mod/go.sum, go and the
# repo's location. This script's own text is part of both.
SELF_SUM="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
PY_WANT="$( { echo "self=$SELF_SUM root=$ROOT python=$PY $PYVERSION"; cat "$REQ"; } | sha256sum | cut -d' ' -f1)"
GO_WANT="$( { echo "self=$SELF_SUM root=$ROOT go=$GO $GOVERSION"; cat "$ROOT/go.mod" "$ROOT/go.sum"; } | sha256sum | cut -d' ' -f1)"

py_done() {
  [ -x "$VENV/bin/python" ] && [ -x "$VENV/bin/jupyter" ] && [ -x "$VENV/bin/jupyter-lab" ] \
    && [ -f "$STAMP.py" ] && [ "$(cat "$STAMP.py")" = "$PY_WANT" ]
}
go_done() {
  [ -x "$VENV/bin/gonb" ] && [ -x "$VENV/bin/goimports" ] && [ -f "$KDIR/kernel.json" ] \
    && [ -f "$STAMP.go" ] && [ "$(cat "$STAMP.go")" = "$GO_WANT" ]
}
# XLA's plugins (opt-in, see the top of this file).
XLA_CPU_REQ="$ROOT/scripts/requirements-xla-cpu.txt"
XLA_CUDA_REQ="$ROOT/scripts/requirements-xla-cuda.txt"
XLA_STATE="$VENV/.fmkit-xla"
XLA_ENV="$VENV/fmkit-xla.env"
XLA_CUDA_DIR="$VENV/lib/go-xla/nvidia"   # go-xla's layout: the plugin next to the NVIDIA libraries
XLA_WANT="${FMKIT_XLA:-$(cat "$XLA_STATE" 2>/dev/null || echo off)}"
case "$XLA_WANT" in
  cpu|cuda|off) ;;
  *) die "FMKIT_XLA=$XLA_WANT: use FMKIT_XLA=cpu (XLA's CPU plugin), FMKIT_XLA=cuda (XLA on an NVIDIA GPU) or FMKIT_XLA=off (remove them)" ;;
esac
# has_nvidia_gpu: the test go-xla itself makes (pkg/installer/cuda.go):
# a /dev/nvidia* device file, or nvidia-smi that runs and names itself.
# FMKIT_ASSUME_NO_GPU=1 answers no (the test suite's check of this path).
has_nvidia_gpu() {
  [ "${FMKIT_ASSUME_NO_GPU:-0}" = 1 ] && return 1
  compgen -G '/dev/nvidia*' >/dev/null && return 0
  command -v nvidia-smi >/dev/null && nvidia-smi 2>/dev/null | grep -q NVIDIA-SMI
}
xla_plugin_dir() {
  "$VENV/bin/python" -c 'import lammps_jax_pjrt_cpu as p; print(p.PLUGIN_PATH.parent) if p.PLUGIN_PATH.is_file() else exit(1)' 2>/dev/null
}
# xla_paths prints the PJRT_PLUGIN_LIBRARY_PATH the choice needs (fails if a plugin is missing).
xla_paths() {
  local cpu
  case "$XLA_WANT" in
    cpu) xla_plugin_dir ;;
    cuda) cpu="$(xla_plugin_dir)" && [ -f "$XLA_CUDA_DIR/pjrt_c_api_cuda_plugin.so" ] && echo "$XLA_CUDA_DIR:$cpu" ;;
    *) echo "" ;;
  esac
}
# kernel_pjrt prints the kernel's PJRT_PLUGIN_LIBRARY_PATH (empty if none).
kernel_pjrt() {
  "$VENV/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("env", {}).get("PJRT_PLUGIN_LIBRARY_PATH", ""))' "$KDIR/kernel.json" 2>/dev/null
}
xla_done() {
  [ -f "$XLA_STATE" ] && [ "$(cat "$XLA_STATE")" = "$XLA_WANT" ] && [ -f "$KDIR/kernel.json" ] || return 1
  if [ "$XLA_WANT" != off ]; then
    local paths
    paths="$(xla_paths)" && [ -n "$paths" ] && [ "$(kernel_pjrt)" = "$paths" ] && [ -f "$XLA_ENV" ]
  else
    [ -z "$(kernel_pjrt)" ] && [ ! -f "$XLA_ENV" ]
  fi
}
complete() { [ "${FMKIT_SETUP_FORCE:-0}" != 1 ] && py_done && go_done && xla_done; }

if complete; then
  say "up to date: $VENV (gonb kernel, $GOVERSION, Python $PYVERSION)"
  exit 0
fi

# XLA on a GPU: refuse before downloading gigabytes when there is no GPU.
if [ "$XLA_WANT" = cuda ] && ! has_nvidia_gpu && [ "${FMKIT_XLA_FORCE:-0}" != 1 ] \
   && ! [ -f "$XLA_CUDA_DIR/pjrt_c_api_cuda_plugin.so" ]; then
  echo "setup: no NVIDIA GPU on this machine (no /dev/nvidia* device, no working nvidia-smi):" >&2
  echo "setup:   not installing XLA's CUDA plugin (~3 GB of wheels); nothing was changed." >&2
  echo "setup:   On the CPU: scripts/setup.sh (pure Go) or FMKIT_XLA=cpu scripts/setup.sh (XLA)." >&2
  echo "setup:   To install it anyway (an image for GPU hosts): FMKIT_XLA=cuda FMKIT_XLA_FORCE=1 scripts/setup.sh" >&2
  exit 3
fi

# Serialise concurrent runs (e.g. lab.sh and test.sh started together).
mkdir -p "$VENV"
if command -v flock >/dev/null; then
  exec 9<"$VENV"   # lock the directory itself: `venv --clear` keeps it
  flock 9
  if complete; then
    say "up to date (set up by a concurrent run)"
    exit 0
  fi
fi
T0=$SECONDS

# --- Python venv -------------------------------------------------------------
setup_python() {
  local have
  have="$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || true)"
  if [ "$have" != "$PYVERSION" ]; then
    say "creating venv $VENV with $PY ($PYVERSION)${have:+, replacing one with Python $have}"
    "$PY" -m venv --clear "$VENV" || die "could not create the venv at $VENV"
  fi
  say "installing pinned Python packages from scripts/requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ" \
    || die "pip install -r scripts/requirements.txt failed with Python $PYVERSION (see above; is PyPI reachable?)"
  # XLA's CPU plugin wheel declares jax as a dependency, which it does not
  # need (fmkit loads only its .so; it is installed with --no-deps): that
  # one complaint of pip check is expected when the plugin is installed.
  local check rest
  if ! check="$("$VENV/bin/python" -m pip check 2>&1)"; then
    rest="$(printf '%s\n' "$check" | grep -v '^lammps-jax-pjrt-cpu .* requires jax, which is not installed\.$' || true)"
    [ -z "$rest" ] || { printf '%s\n' "$rest" >&2; die "pip check failed"; }
  fi
}

# --- gonb and goimports from go.mod's tool deps; kernel spec in the venv -------
setup_go() {
  say "building gonb and goimports (go.mod tool deps) into .venv/bin"
  # A stray go.work must not change what go.mod pins.
  GOWORK=off "$GO" build -o "$VENV/bin/gonb" github.com/janpfeifer/gonb \
    || die "go build github.com/janpfeifer/gonb failed (is the Go module proxy reachable?)"
  GOWORK=off "$GO" build -o "$VENV/bin/goimports" golang.org/x/tools/cmd/goimports \
    || die "go build golang.org/x/tools/cmd/goimports failed"

  say "installing the gonb kernel into .venv/share/jupyter/kernels/gonb"
  rm -rf "$KDIR"
  local log
  log="$(mktemp)"
  if ! PATH="$VENV/bin:$GOBINDIR:$PATH" JUPYTER_DATA_DIR="$VENV/share/jupyter" \
       "$VENV/bin/gonb" --install --force_deps >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; die "gonb --install failed"
  fi
  rm -f "$log"
  [ -f "$KDIR/kernel.json" ] || die "gonb --install did not write $KDIR/kernel.json"

  # Give the kernel a PATH on which go and goimports are found, whoever starts
  # Jupyter. ${PATH} is expanded by jupyter_client from the launcher's PATH.
  "$VENV/bin/python" - "$KDIR/kernel.json" "$VENV/bin" "$GOBINDIR" <<'PY' || die "could not rewrite kernel.json"
import json, os, sys
path, venv_bin, go_bin = sys.argv[1:]
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})
spec["env"]["PATH"] = os.pathsep.join([venv_bin, go_bin, "${PATH}"])
# GoNB builds every cell as a new program; linking it without the symbol
# table and DWARF (-s -w) takes about half the time (~1.2 s instead of
# ~2.5 s per cell for a program importing fmkit). Panics still print their
# stack traces. Quoted: cmd/go splits GOFLAGS like a shell.
spec["env"]["GOFLAGS"] = "'-ldflags=-s -w'"
spec.setdefault("metadata", {})["fmkit"] = "written by scripts/setup.sh"
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
os.replace(tmp, path)
PY
}

verify() {
  # JUPYTER_PATH takes precedence over the user's own kernels (~/.local/share/jupyter),
  # which is how lab.sh and nbrun.py start Jupyter too.
  JUPYTER_PATH="$VENV/share/jupyter" JUPYTER_PLATFORM_DIRS=1 \
    "$VENV/bin/jupyter" kernelspec list --json >"$VENV/.kernelspecs.json" \
    || die "jupyter kernelspec list failed"
  "$VENV/bin/python" - "$VENV/.kernelspecs.json" "$KDIR" <<'PY' || die "gonb kernel spec check failed"
import json, os, sys
specs = json.load(open(sys.argv[1]))["kernelspecs"]
g = specs.get("gonb")
if g is None:
    sys.exit("gonb not listed by `jupyter kernelspec list`: %s" % sorted(specs))
if g["spec"]["display_name"] != "Go (gonb)":
    sys.exit("gonb display name is %r, want 'Go (gonb)'" % g["spec"]["display_name"])
if os.path.realpath(g["resource_dir"]) != os.path.realpath(sys.argv[2]):
    sys.exit("gonb kernel resolves to %s, not %s" % (g["resource_dir"], sys.argv[2]))
print("setup: kernelspec list: gonb -> %s (%s)" % (g["resource_dir"], g["spec"]["display_name"]))
PY
  rm -f "$VENV/.kernelspecs.json"
  for d in "${JUPYTER_DATA_DIR:-}" "$HOME/.local/share/jupyter"; do
    if [ -n "$d" ] && [ -f "$d/kernels/gonb/kernel.json" ]; then
      say "note: another gonb kernel is installed in $d; scripts/lab.sh and nbrun.py use the venv's"
    fi
  done
}

# --- XLA's plugins (opt-in) -----------------------------------------------------
pip_hashed() {  # pip_hashed REQ [pip args...]: install REQ's pinned, hash-checked wheels
  local req="$1"; shift
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
    --only-binary=:all: -r "$req" "$@"
}
setup_xla_cuda() {
  # pip installs the wheels into a scratch folder; the plugin is then moved
  # next to the NVIDIA libraries (go-xla's layout; its RPATH and go-xla's
  # checks look for them in the plugin's folder) and the folder renamed into
  # place, so an interrupted install leaves no half plugin behind.
  local stage="$VENV/lib/go-xla.tmp" t0=$SECONDS
  rm -rf "$stage"
  say "installing XLA's CUDA PJRT plugin and the NVIDIA libraries (scripts/requirements-xla-cuda.txt, ~3 GB) into .venv/lib/go-xla"
  pip_hashed "$XLA_CUDA_REQ" --target "$stage/site" \
    || { rm -rf "$stage"; die "pip install -r scripts/requirements-xla-cuda.txt failed (is PyPI reachable? disk space?); FMKIT_XLA=cpu scripts/setup.sh for XLA on the CPU"; }
  local so
  so="$(find "$stage/site/jax_plugins" -name 'xla_cuda_plugin.so' | head -n 1)"
  [ -n "$so" ] || { rm -rf "$stage"; die "the jax-cuda12-pjrt wheel holds no xla_cuda_plugin.so"; }
  mkdir -p "$stage/go-xla"
  mv "$stage/site/nvidia" "$stage/go-xla/nvidia"
  mv "$so" "$stage/go-xla/nvidia/pjrt_c_api_cuda_plugin.so"
  # XLA runs ptxas from <cuda data dir>/bin (go-xla's installer links it the same way).
  mkdir -p "$stage/go-xla/nvidia/bin"
  ln -sf ../cuda_nvcc/bin/ptxas "$stage/go-xla/nvidia/bin/ptxas"
  rm -rf "$VENV/lib/go-xla"
  mv "$stage/go-xla" "$VENV/lib/go-xla"
  rm -rf "$stage"
  say "CUDA plugin: $(du -sh "$VENV/lib/go-xla" | cut -f1) in .venv/lib/go-xla, $((SECONDS - t0)) s"
}
setup_xla() {
  local paths=""
  if [ "$XLA_WANT" != off ]; then
    say "installing XLA's CPU PJRT plugin (scripts/requirements-xla-cpu.txt, ~200 MB) into .venv"
    pip_hashed "$XLA_CPU_REQ" \
      || die "pip install -r scripts/requirements-xla-cpu.txt failed (is PyPI reachable?); FMKIT_XLA=off scripts/setup.sh goes back to the pure-Go backend"
    xla_plugin_dir >/dev/null || die "the plugin package installed but pjrt_c_api_cpu_plugin.so is missing from it"
  fi
  if [ "$XLA_WANT" = cuda ]; then
    [ -f "$XLA_CUDA_DIR/pjrt_c_api_cuda_plugin.so" ] || setup_xla_cuda
  elif [ -d "$VENV/lib/go-xla" ]; then
    say "removing XLA's CUDA plugin from .venv/lib/go-xla"
    rm -rf "$VENV/lib/go-xla"
  fi
  if [ "$XLA_WANT" = off ]; then
    if "$VENV/bin/python" -m pip show --quiet lammps-jax-pjrt-cpu >/dev/null 2>&1; then
      say "removing XLA's CPU PJRT plugin from .venv"
      "$VENV/bin/python" -m pip uninstall --quiet --yes lammps-jax-pjrt-cpu || die "pip uninstall lammps-jax-pjrt-cpu failed"
    fi
    rm -f "$XLA_ENV"
  else
    paths="$(xla_paths)" || die "an XLA plugin is missing after the install (see above)"
    {
      echo "export PJRT_PLUGIN_LIBRARY_PATH='$paths'"
      # go-xla v0.1.4 points XLA at a hard-coded CUDA folder unless XLA_FLAGS names one.
      # (An if, not `[ ] && echo`: that would end the group with status 1 on
      # cpu, and the && below would silently skip the rename.)
      if [ "$XLA_WANT" = cuda ]; then
        echo "export XLA_FLAGS='--xla_gpu_cuda_data_dir=$XLA_CUDA_DIR'"
      fi
    } >"$XLA_ENV.tmp" || die "could not write $XLA_ENV.tmp"
    mv "$XLA_ENV.tmp" "$XLA_ENV"
  fi
  # The kernel finds the plugins through PJRT_PLUGIN_LIBRARY_PATH (and, for
  # CUDA, the libraries through XLA_FLAGS) in its env.
  local flags=""
  [ "$XLA_WANT" = cuda ] && flags="--xla_gpu_cuda_data_dir=$XLA_CUDA_DIR"
  "$VENV/bin/python" - "$KDIR/kernel.json" "$paths" "$flags" <<'PY' || die "could not update kernel.json for XLA"
import json, os, sys
path, plugin_paths, flags = sys.argv[1:]
with open(path) as f:
    spec = json.load(f)
env = spec.setdefault("env", {})
for key, value in (("PJRT_PLUGIN_LIBRARY_PATH", plugin_paths), ("XLA_FLAGS", flags)):
    if value:
        env[key] = value
    else:
        env.pop(key, None)
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
os.replace(tmp, path)
PY
  echo "$XLA_WANT" >"$XLA_STATE"
  case "$XLA_WANT" in
    cpu) say "XLA on the CPU: the gonb kernel now runs fmkit on xla:cpu (plugin in $paths);" ;;
    cuda) say "XLA on the GPU: the gonb kernel now runs fmkit on xla:cuda (xla:cpu also available; plugins in $paths);"
          has_nvidia_gpu || say "  note: no NVIDIA GPU here (installed with FMKIT_XLA_FORCE=1): run with GOMLX_BACKEND=xla:cpu or go on this machine" ;;
    off) say "XLA plugins: off (fmkit runs on the pure-Go backend unless a plugin is installed elsewhere)" ;;
  esac
  [ "$XLA_WANT" = off ] || say "  in a terminal: . .venv/fmkit-xla.env; back to pure Go: FMKIT_XLA=off scripts/setup.sh (or GOMLX_BACKEND=go)"
}

if [ "${FMKIT_SETUP_FORCE:-0}" = 1 ] || ! py_done; then
  rm -f "$STAMP.py" "$STAMP.go"   # the kernel spec is checked with the venv's jupyter
  setup_python
  echo "$PY_WANT" >"$STAMP.py"
else
  say "Python packages up to date"
fi
if [ "${FMKIT_SETUP_FORCE:-0}" = 1 ] || ! go_done; then
  rm -f "$STAMP.go"
  setup_go
  verify
  echo "$GO_WANT" >"$STAMP.go"
else
  say "gonb, goimports and the kernel spec up to date"
fi
if ! xla_done; then
  setup_xla
fi

GONB_VERSION="$(GOWORK=off "$GO" list -m -f '{{.Version}}' github.com/janpfeifer/gonb 2>/dev/null || echo '?')"
say "done in $((SECONDS - T0))s: gonb $GONB_VERSION, jupyterlab $(sed -n 's/^jupyterlab==//p' "$REQ"), $GOVERSION at $GOBINDIR, Python $PYVERSION"
