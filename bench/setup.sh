#!/usr/bin/env bash
# bench/setup.sh: the environment of the PyTorch and JAX peers of fmkit's
# benchmark, in bench/.venv (its own venv: not the project's .venv, and never
# used by scripts/test.sh).
#
#   bench/setup.sh              # JAX (CPU) and PyTorch, pinned (requirements-*.txt)
#   bench/setup.sh --no-torch   # JAX only
#
# PyPI has no CPU-only PyTorch for Linux x86-64: its torch wheel is built with
# CUDA and will not import without the CUDA runtime libraries, which come as
# PyPI packages too (nvidia-*, about 3 GB installed; unused on a CPU). This
# script installs them with torch; --no-torch skips all of it. A part that
# cannot be installed is reported and the other still installed; then
# `go run ./cmd/fmbench -peers` (or bench/run.sh) prints a row saying so.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/bench/.venv"
PYTHON="${PYTHON:-python3}"
TORCH=1
for a in "$@"; do
  case "$a" in
    --no-torch) TORCH=0 ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/setup.sh: unknown argument '$a' (use --no-torch or --help)" >&2; exit 2 ;;
  esac
done

say() { echo "bench/setup: $*"; }
command -v "$PYTHON" >/dev/null || { echo "bench/setup: $PYTHON not found: install Python 3.11+ (or set PYTHON=...)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" --upgrade pip >/dev/null 2>&1 || true

failed=()
say "installing JAX (CPU) from bench/requirements-jax.txt"
if "${PIP[@]}" -r "$ROOT/bench/requirements-jax.txt" \
   && "$VENV/bin/python" -c 'import jax; jax.numpy.ones(2).block_until_ready()' 2>/dev/null; then
  say "JAX: $("$VENV/bin/python" -c 'import jax; print(jax.__version__, jax.devices())')"
else
  failed+=("JAX")
fi
if [ "$TORCH" = 1 ]; then
  say "installing PyTorch from bench/requirements-torch.txt (with the CUDA runtime libraries it needs to import; ~3 GB)"
  if "${PIP[@]}" -r "$ROOT/bench/requirements-torch.txt" \
     && "$VENV/bin/python" -c 'import torch; torch.ones(2) @ torch.ones(2)' 2>/dev/null; then
    say "PyTorch: $("$VENV/bin/python" -c 'import torch; print(torch.__version__, "threads", torch.get_num_threads())')"
  else
    failed+=("PyTorch")
  fi
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench/setup: could not install: ${failed[*]} (see the messages above); fmbench -peers reports them as not measured" >&2
  exit 1
fi
say "done: run bench/run.sh"
