#!/usr/bin/env bash
# scripts/regen-notebooks.sh: re-execute the notebooks and save their outputs.
#
#   scripts/regen-notebooks.sh                      # notebooks/ exercises/ solutions/
#   scripts/regen-notebooks.sh notebooks/02-x.ipynb # only these notebooks/folders
#   scripts/regen-notebooks.sh --write-failed ...   # any nbrun.py option
#
# Runs nbrun.py --inplace: a notebook is rewritten (atomically) only when it
# passed, unless --write-failed is given. Exits non-zero if any failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"

args=() paths=()
for a in "$@"; do
  if [[ "$a" != -* ]] && [ -e "$a" ]; then paths+=("$a"); else args+=("$a"); fi
done
if [ ${#paths[@]} -eq 0 ]; then
  for dir in notebooks exercises solutions; do
    if [ -d "$dir" ] && [ -n "$(find "$dir" -name '*.ipynb' -not -path '*/.*' -print -quit)" ]; then
      paths+=("$dir")
    fi
  done
fi
if [ ${#paths[@]} -eq 0 ]; then
  echo "regen: no notebooks in notebooks/, exercises/ or solutions/"
  exit 0
fi
exec "$ROOT/.venv/bin/python" "$ROOT/scripts/nbrun.py" --inplace "${args[@]}" "${paths[@]}"
