#!/usr/bin/env bash
# scripts/screenshot.sh: refresh docs/lab.png, the README's picture of the lab.
#
# Runs the browser test on notebooks/index.ipynb (JupyterLab from .venv/,
# headless Chromium; see tests/browser/run.sh), which executes the notebook
# through JupyterLab's UI and saves a screenshot of the result; that
# screenshot replaces docs/lab.png (atomically, and only if the test passed).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/docs/lab.png"
ART="$(mktemp -d)"
trap 'rm -rf "$ART"' EXIT

"$ROOT/tests/browser/run.sh" --only index --artifacts "$ART"
[ -s "$ART/index.png" ] || { echo "screenshot: the browser test passed but saved no $ART/index.png" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
cp "$ART/index.png" "$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
echo "screenshot: wrote ${OUT#"$ROOT"/} ($(wc -c <"$OUT") bytes)"
