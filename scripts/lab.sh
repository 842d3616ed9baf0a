#!/usr/bin/env bash
# scripts/lab.sh: open the notebooks in JupyterLab with the Go (gonb) kernel.
#
#   scripts/lab.sh                 # random free port on 127.0.0.1
#   scripts/lab.sh --port 8888     # a given port (or PORT=8888 scripts/lab.sh)
#   scripts/lab.sh -- ARGS...      # extra arguments for `jupyter lab`
#
# Runs scripts/setup.sh first (fast once set up). The server listens on
# 127.0.0.1 only and keeps token authentication: open the URL with ?token=...
# that it prints. Set JUPYTER_TOKEN to choose the token yourself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PORT="${PORT:-}"
EXTRA=()

while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "lab.sh: --port needs a number" >&2; exit 2; }; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; EXTRA+=("$@"); break ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done

"$ROOT/scripts/setup.sh"

export PATH="$VENV/bin:$PATH"
# The venv's gonb kernel comes before any the user installed in ~/.local/share/jupyter.
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_PLATFORM_DIRS=1

if [ -z "$PORT" ]; then
  PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
case "$PORT" in ''|*[!0-9]*) echo "lab.sh: bad port '$PORT'" >&2; exit 2 ;; esac

# Token authentication stays on. An empty JUPYTER_TOKEN would switch it off,
# so one is made up unless a non-empty one was given (passed through the
# environment, not the command line, so it does not show in `ps`).
if [ -z "${JUPYTER_TOKEN:-}" ]; then
  JUPYTER_TOKEN="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
fi
export JUPYTER_TOKEN

BROWSER_OPT=(--ServerApp.open_browser=False)
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; then
  BROWSER_OPT=()
fi

# Jupyter refuses to run as root without --allow-root (CI machines and
# containers run as root).
if [ "$(id -u)" = 0 ]; then
  BROWSER_OPT+=(--allow-root)
fi

# The lab serves the whole repository, so that exercises/ and solutions/ open
# too (the index links to them), and starts on notebooks/index.ipynb.
START=lab/tree/notebooks/index.ipynb
echo "lab: JupyterLab on http://127.0.0.1:$PORT/$START?token=$JUPYTER_TOKEN"
echo "lab: notebooks in $ROOT/notebooks, exercise 6.2 in exercises/ and solutions/ (kernel: Go (gonb)); Ctrl-C to stop"
cd "$ROOT"
exec "$VENV/bin/jupyter" lab \
  --ServerApp.ip=127.0.0.1 \
  --ServerApp.port="$PORT" \
  --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$ROOT" \
  --LabApp.default_url="/$START" \
  "${BROWSER_OPT[@]}" \
  "${EXTRA[@]}"
