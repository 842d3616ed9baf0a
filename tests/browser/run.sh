#!/usr/bin/env bash
# tests/browser/run.sh: the browser test of the notebooks in a real JupyterLab.
#
#   tests/browser/run.sh                 # index + exercise notebooks
#   tests/browser/run.sh --only index    # one of them
#   tests/browser/run.sh --selftest      # the test's own failure cases
#
# Needs Node.js 20+ with npm, Debian's Chromium at /usr/bin/chromium (or
# CHROMIUM=/path): playwright-core drives it; no browser is downloaded; and a
# font with Chinese glyphs (Debian: fonts-noto-cjk), without which the test
# fails on the notebooks' Chinese text.
# Runs scripts/setup.sh (fast when done) and `npm ci` here when
# package-lock.json changed, then lab.test.mjs (or selftest.mjs) with the
# remaining arguments. Screenshots and the JupyterLab log of the last run:
# artifacts/ (the self-test's go to a temporary folder of their own).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

die() { echo "browser: ERROR: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found: install Node.js 20+ (Debian: apt-get install nodejs npm)"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" -ge 20 ] || die "node $(node --version) is too old: playwright-core needs Node.js 20+"

"$ROOT/scripts/setup.sh"

# playwright-core as pinned by package-lock.json; `npm ci` only when the lock
# changed since the last install (the copy in node_modules is the stamp).
if ! cmp -s "$HERE/package-lock.json" "$HERE/node_modules/.fmkit-package-lock.json" 2>/dev/null; then
  command -v npm >/dev/null || die "npm not found: install npm (Debian: apt-get install npm)"
  echo "browser: npm ci (playwright-core, from package-lock.json)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in tests/browser (is the npm registry reachable?)"
  cp "$HERE/package-lock.json" "$HERE/node_modules/.fmkit-package-lock.json"
fi

script="$HERE/lab.test.mjs"
if [ "${1:-}" = --selftest ]; then
  shift
  script="$HERE/selftest.mjs"
fi
cd "$ROOT"
exec node "$script" "$@"
