#!/usr/bin/env bash
# scripts/test_nbrun.sh: proves that scripts/nbrun.py is a real gate.
#
# Runs the fixture notebooks in scripts/testdata/nbrun/ on the real gonb
# kernel and checks that the good one passes and each bad one fails for the
# right reason, plus the --cell-timeout override and --inplace writing.
# Needs the venv of scripts/setup.sh (runs it when missing). ~30 s.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] && [ -x "$ROOT/.venv/bin/gonb" ] || "$ROOT/scripts/setup.sh" || exit 1
NBRUN=("$PY" "$ROOT/scripts/nbrun.py")
FIX=scripts/testdata/nbrun

OUT="$(mktemp -d)"
SCRATCH="$ROOT/$FIX/.scratch-$$"   # inside the repo: the good fixture uses the repo's module
trap 'rm -rf "$OUT" "$SCRATCH"' EXIT
passed=0 failed=0

ok()  { passed=$((passed + 1)); echo "ok   - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; [ $# -gt 1 ] && [ -f "$2" ] && sed 's/^/       /' "$2"; }
expect_rc()   { local want=$1 got=$2 what=$3 log=${4:-}; if [ "$got" = "$want" ]; then ok "$what (exit $got)"; else bad "$what: exit $got, want $want" "$log"; fi; }
expect_grep() { local pattern=$1 file=$2 what=$3; if grep -qF -- "$pattern" "$file"; then ok "$what"; else bad "$what: no line with '$pattern' in the report" "$file"; fi; }

echo "== nbrun fixtures: one run over the directory"
t0=$SECONDS
"${NBRUN[@]}" "$FIX" >"$OUT/all.txt" 2>&1
rc=$?
echo "   (fixture run took $((SECONDS - t0))s)"
expect_rc 1 "$rc" "a run with failing notebooks exits 1" "$OUT/all.txt"
expect_grep "PASS $FIX/good.ipynb" "$OUT/all.txt" "good.ipynb passes"
expect_grep "1 image" "$OUT/all.txt" "good.ipynb shows its image/png"
expect_grep "$FIX/panic.ipynb: cell 1: panic" "$OUT/all.txt" "panic.ipynb fails: panic in cell 1"
expect_grep "panic: boom from the fixture" "$OUT/all.txt" "  ...and the report quotes the panic"
expect_grep "$FIX/exit3.ipynb: cell 1: non-zero exit status" "$OUT/all.txt" "exit3.ipynb fails: non-zero exit in cell 1"
expect_grep "exit status 3" "$OUT/all.txt" "  ...and the report quotes 'exit status 3'"
expect_grep "$FIX/compile_error.ipynb: cell 1: compile error" "$OUT/all.txt" "compile_error.ipynb fails: compile error in cell 1"
expect_grep "undefined: undefinedName" "$OUT/all.txt" "  ...and the report quotes the compiler"
expect_grep "$FIX/deadlock.ipynb: cell 1: Go runtime fatal error" "$OUT/all.txt" "deadlock.ipynb fails: fatal error in cell 1"
expect_grep "all goroutines are asleep" "$OUT/all.txt" "  ...and the report quotes the runtime"
expect_grep "$FIX/noimage.ipynb: notebook: no image/png output" "$OUT/all.txt" "noimage.ipynb fails: no image"
expect_grep "$FIX/slow.ipynb: cell 1: cell timeout: still running after 6s" "$OUT/all.txt" "slow.ipynb fails: metadata cell timeout (6s)"
expect_grep "$FIX/over_budget.ipynb: cell 2: notebook timeout: exceeded 6s" "$OUT/all.txt" "over_budget.ipynb fails: metadata notebook timeout (6s)"
expect_grep "$FIX/wrong_kernel.ipynb: notebook: kernelspec name is 'python3'" "$OUT/all.txt" "wrong_kernel.ipynb fails: kernelspec"
expect_grep "nbrun: 1 passed, 8 failed" "$OUT/all.txt" "summary counts 1 passed, 8 failed"

echo "== good notebook alone"
"${NBRUN[@]}" "$FIX/good.ipynb" >"$OUT/good.txt" 2>&1
expect_rc 0 $? "nbrun good.ipynb exits 0" "$OUT/good.txt"

echo "== --cell-timeout overrides the notebook's metadata"
"${NBRUN[@]}" --cell-timeout 3 "$FIX/slow.ipynb" >"$OUT/slow.txt" 2>&1
expect_rc 1 $? "slow.ipynb with --cell-timeout 3 fails" "$OUT/slow.txt"
expect_grep "cell 1: cell timeout: still running after 3s" "$OUT/slow.txt" "  ...after 3s, not the metadata's 6s"

echo "== --notebook-timeout on the command line"
"${NBRUN[@]}" --notebook-timeout 3 "$FIX/over_budget.ipynb" >"$OUT/budget.txt" 2>&1
expect_rc 1 $? "over_budget.ipynb with --notebook-timeout 3 fails" "$OUT/budget.txt"
expect_grep "cell 1: notebook timeout: exceeded 3s" "$OUT/budget.txt" "  ...in cell 1, within 3s"

echo "== --inplace"
mkdir -p "$SCRATCH"
cp "$FIX/good.ipynb" "$FIX/panic.ipynb" "$SCRATCH/"
cp "$FIX/panic.ipynb" "$OUT/panic.orig"
"${NBRUN[@]}" --inplace "$SCRATCH/good.ipynb" "$SCRATCH/panic.ipynb" >"$OUT/inplace.txt" 2>&1
expect_rc 1 $? "--inplace over good + panic exits 1" "$OUT/inplace.txt"
if cmp -s "$OUT/panic.orig" "$SCRATCH/panic.ipynb"; then ok "a failing notebook is not overwritten"; else bad "--inplace overwrote a failing notebook"; fi
if "$PY" - "$SCRATCH/good.ipynb" "$ROOT" >"$OUT/check.txt" 2>&1 <<'PY'
import json, sys
import nbformat
path, root = sys.argv[1:]
nb = nbformat.read(path, as_version=4)
nbformat.validate(nb)
raw = open(path).read()
assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs), "no image/png written"
assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), "missing execution counts"
assert all("execution" not in c.metadata for c in nb.cells), "execution timestamps left in cell metadata"
assert root not in raw, "absolute repo path left in outputs"
assert not [f for f in __import__("os").listdir(__import__("os").path.dirname(path)) if f.endswith(".tmp")], "temp file left"
print("written notebook ok")
PY
then ok "--inplace wrote outputs (image, counts) without timestamps or absolute paths"; else bad "--inplace result" "$OUT/check.txt"; fi
"${NBRUN[@]}" --inplace --write-failed "$SCRATCH/panic.ipynb" >"$OUT/wf.txt" 2>&1
expect_rc 1 $? "--inplace --write-failed still exits 1" "$OUT/wf.txt"
if grep -q "boom from the fixture" "$SCRATCH/panic.ipynb"; then ok "--write-failed writes the failing outputs"; else bad "--write-failed did not write outputs"; fi

echo "test_nbrun: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
