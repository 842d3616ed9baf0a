#!/usr/bin/env bash
# bench/run.sh: fmkit's CFM training step on every backend available here
# (pure Go, and XLA on the CPU when its plugin is installed: FMKIT_XLA=cpu
# scripts/setup.sh) beside the PyTorch and JAX peers (bench/setup.sh), in one
# table of steps/s and ratios. Extra arguments go to fmbench, e.g.
#
#   bench/run.sh -steps 300 -rounds 5
#   bench/run.sh -json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -z "${PJRT_PLUGIN_LIBRARY_PATH:-}" ] && [ -f .venv/fmkit-xla.env ]; then
  . .venv/fmkit-xla.env
fi
echo "bench/run: load average $(cut -d' ' -f1-3 /proc/loadavg) (measure on a quiet machine)" >&2
exec go run ./cmd/fmbench -backends all -peers "$@"
