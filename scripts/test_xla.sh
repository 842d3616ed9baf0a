#!/usr/bin/env bash
# scripts/test_xla.sh: fmkit's tests on XLA's CPU backend, whatever backend
# the set-up chose for the notebooks (pure Go by default). scripts/test.sh
# runs it after `go test ./...`, so that CI tests both backends.
#
#   1. finds XLA's CPU PJRT plugin: the one FMKIT_XLA=cpu scripts/setup.sh
#      installed into .venv, or else installs the same pinned, hash-checked
#      wheel (scripts/requirements-xla-cpu.txt, ~200 MB) into
#      .venv/lib/fmkit-test-xla-cpu, without touching the kernel's choice;
#   2. runs `go test ./fmkit/...` with GOMLX_BACKEND=xla:cpu
#      (fmkit's TestBackendFromEnvIsCreated fails if that backend cannot be
#      created, so a missing plugin cannot pass as a pure-Go run).
#
# Extra arguments go to go test (e.g. -run TestX, -count=1).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
REQ="$ROOT/scripts/requirements-xla-cpu.txt"
TESTDIR="$VENV/lib/fmkit-test-xla-cpu"
GO_TEST_TIMEOUT="${GO_TEST_TIMEOUT:-15m}"

die() { echo "test_xla: $*" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || die "no .venv: run scripts/setup.sh first"

plugin=""
if dir="$("$VENV/bin/python" -c 'import lammps_jax_pjrt_cpu as p; print(p.PLUGIN_PATH.parent) if p.PLUGIN_PATH.is_file() else exit(1)' 2>/dev/null)"; then
  plugin="$dir"
  echo "test_xla: XLA's CPU plugin from the set-up (FMKIT_XLA=cpu): $plugin"
elif [ -f "$TESTDIR/lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so" ]; then
  plugin="$TESTDIR/lammps_jax_pjrt_cpu"
  echo "test_xla: XLA's CPU plugin installed for the tests before: $plugin"
else
  echo "test_xla: installing XLA's CPU plugin for the tests (scripts/requirements-xla-cpu.txt) into ${TESTDIR#"$ROOT"/}"
  t0=$SECONDS
  rm -rf "$TESTDIR.tmp"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
      --only-binary=:all: --target "$TESTDIR.tmp" -r "$REQ" \
    || { rm -rf "$TESTDIR.tmp"; die "pip install -r scripts/requirements-xla-cpu.txt failed (is PyPI reachable?)"; }
  [ -f "$TESTDIR.tmp/lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so" ] \
    || { rm -rf "$TESTDIR.tmp"; die "the wheel holds no lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so"; }
  rm -rf "$TESTDIR"
  mv "$TESTDIR.tmp" "$TESTDIR"
  plugin="$TESTDIR/lammps_jax_pjrt_cpu"
  echo "test_xla: $(du -sh "$TESTDIR" | cut -f1) in $((SECONDS - t0)) s"
fi

export PJRT_PLUGIN_LIBRARY_PATH="$plugin" GOMLX_BACKEND=xla:cpu
unset XLA_FLAGS
echo "test_xla: GOMLX_BACKEND=$GOMLX_BACKEND PJRT_PLUGIN_LIBRARY_PATH=$PJRT_PLUGIN_LIBRARY_PATH go test ./fmkit/..."
exec go test -timeout "$GO_TEST_TIMEOUT" "$@" ./fmkit/...
