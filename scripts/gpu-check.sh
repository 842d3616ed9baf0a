#!/usr/bin/env bash
# scripts/gpu-check.sh: check fmkit on an NVIDIA GPU (GoMLX backend xla:cuda),
# after `FMKIT_XLA=cuda scripts/setup.sh`. It runs, on xla:cuda,
#
#   1. go test ./fmkit/...                     (GOMLX_BACKEND=xla:cuda)
#   2. the training benchmark                  (go run ./cmd/fmbench -backends xla:cuda,xla:cpu)
#   3. the index notebook, not written back    (.venv/bin/python scripts/nbrun.py notebooks/index.ipynb)
#
# and prints a short report (each step's result and time, the benchmark's
# table); the logs stay in $GPU_CHECK_LOGS (default: a temporary folder).
# On a machine without an NVIDIA GPU, or without the plugin, it stops at once
# (exit 3) and says what is missing. Exit 1 when a step failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"
stop() { echo "gpu-check: $*" >&2; exit 3; }

# The same test as scripts/setup.sh and go-xla: a /dev/nvidia* device file,
# or nvidia-smi that runs and names itself. FMKIT_ASSUME_NO_GPU=1 answers no.
has_nvidia_gpu() {
  [ "${FMKIT_ASSUME_NO_GPU:-0}" = 1 ] && return 1
  compgen -G '/dev/nvidia*' >/dev/null && return 0
  command -v nvidia-smi >/dev/null && nvidia-smi 2>/dev/null | grep -q NVIDIA-SMI
}
has_nvidia_gpu || stop "no NVIDIA GPU on this machine (no /dev/nvidia* device, no working nvidia-smi): nothing to check here. fmkit runs on the CPU: GOMLX_BACKEND=go, or xla:cpu after FMKIT_XLA=cpu scripts/setup.sh."
[ -f "$VENV/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so" ] && [ -f "$VENV/fmkit-xla.env" ] \
  || stop "XLA's CUDA plugin is not installed in $VENV: run FMKIT_XLA=cuda scripts/setup.sh first."
. "$VENV/fmkit-xla.env"
export GOMLX_BACKEND=xla:cuda

LOGS="${GPU_CHECK_LOGS:-$(mktemp -d -t gpu-check.XXXXXX)}"
mkdir -p "$LOGS"
report=()
failed=0
step() {  # step NAME LOG CMD...: run CMD, log its output, record the result
  local name="$1" log="$LOGS/$2" t0=$SECONDS
  shift 2
  echo "gpu-check: $name ..."
  if "$@" >"$log" 2>&1; then
    report+=("ok    $(printf '%4ds' $((SECONDS - t0)))  $name")
  else
    report+=("FAIL  $(printf '%4ds' $((SECONDS - t0)))  $name (log: $log)")
    failed=1
  fi
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$LOGS/gpu.txt" 2>&1 || true
step "fmkit backend on xla:cuda" backend.log go run ./docker/backend -want xla
step "go test ./fmkit/... on xla:cuda" test.log go test -count=1 -timeout 30m ./fmkit/...
step "training benchmark (fmbench, xla:cuda and xla:cpu)" fmbench.log go run ./cmd/fmbench -backends xla:cuda,xla:cpu
step "index notebook on xla:cuda (nbrun, not written back)" nbrun.log "$VENV/bin/python" scripts/nbrun.py notebooks/index.ipynb

echo
echo "gpu-check report ($(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  GPU: $(head -n 1 "$LOGS/gpu.txt")"
echo "  $(grep -m1 'fmkit backend' "$LOGS/backend.log" || echo 'fmkit backend: see backend.log')"
printf '  %s\n' "${report[@]}"
echo "  benchmark:"
grep -E '^(formulation|gomlx-example|fmkit) ' "$LOGS/fmbench.log" | sed 's/^/    /'
echo "  notebook: $(grep -E 'index.ipynb' "$LOGS/nbrun.log" | tail -n 1)"
echo "  logs: $LOGS"
exit "$failed"
