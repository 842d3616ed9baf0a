#!/usr/bin/env bash
# scripts/test.sh: everything that must pass before a change lands.
#
#   1. scripts/setup.sh                    (venv, gonb kernel; fast when done)
#   2. go vet ./...
#   3. go test ./...                       (timeout $GO_TEST_TIMEOUT, default 10m;
#                                           the backend the set-up chose, pure Go by default)
#   4. scripts/test_xla.sh                 (go test ./fmkit/... on XLA's CPU backend;
#                                           installs the pinned plugin wheel for it if needed)
#   5. scripts/test_nbrun.sh               (the notebook runner catches failures)
#   6. nbrun.py notebooks/ exercises/ solutions/   (folders without notebooks skipped)
#   7. go vet + go test in docker/dockertest (a module of its own, which ./... does
#      not enter: BuildKit's Dockerfile parser on docker/Dockerfile)
#   8. tests/browser/run.sh                (index and exercise notebooks run through
#                                           JupyterLab's UI in headless Chromium)
#   9. tests/browser/run.sh --selftest     (the browser test's own failure cases)
#
# All steps run even when one fails; the summary lists each with its time and
# the script exits non-zero if any failed. Extra arguments go to nbrun.py
# (e.g. --cell-timeout 600); so does $NBRUN_ARGS.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
GO_TEST_TIMEOUT="${GO_TEST_TIMEOUT:-10m}"
# shellcheck disable=SC2206
NBRUN_EXTRA=(${NBRUN_ARGS:-} "$@")

T_ALL=$SECONDS
names=() results=() times=()
passed=0 failed=0 skipped=0

step() {  # step NAME COMMAND...
  local name=$1; shift
  echo
  echo "=== $name"
  local t0=$SECONDS rc
  "$@"
  rc=$?
  names+=("$name"); times+=($((SECONDS - t0)))
  if [ $rc -eq 0 ]; then
    results+=(PASS); passed=$((passed + 1))
  else
    results+=("FAIL (exit $rc)"); failed=$((failed + 1))
  fi
  return $rc
}
skip() {
  echo
  echo "=== $1: skipped ($2)"
  names+=("$1"); results+=("skipped: $2"); times+=(0); skipped=$((skipped + 1))
}

if ! step "setup" scripts/setup.sh; then
  echo "test: setup failed; nothing else can run" >&2
  echo "test: 0 passed, 1 failed"
  exit 1
fi

step "go vet" go vet ./...
step "go test" go test -timeout "$GO_TEST_TIMEOUT" ./...
step "go test on xla:cpu" scripts/test_xla.sh
step "nbrun self-test" scripts/test_nbrun.sh

for dir in notebooks exercises solutions; do
  if [ -d "$dir" ] && [ -n "$(find "$dir" -name '*.ipynb' -not -path '*/.*' -print -quit)" ]; then
    step "notebooks: $dir/" .venv/bin/python scripts/nbrun.py "${NBRUN_EXTRA[@]}" "$dir"
  else
    skip "notebooks: $dir/" "no notebooks"
  fi
done

step "docker parser test" bash -c 'cd docker/dockertest && go vet ./... && go test -timeout "$1" ./...' _ "$GO_TEST_TIMEOUT"
step "browser test" tests/browser/run.sh
step "browser self-test" tests/browser/run.sh --selftest

echo
echo "=== summary ($((SECONDS - T_ALL))s)"
for i in "${!names[@]}"; do
  printf '  %-24s %-22s %4ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
done
echo "test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
