#!/usr/bin/env bash
# docker/start.sh: the command of the docker image (docker/Dockerfile).
#
# Starts JupyterLab on this repository (notebooks/, exercises/, solutions/),
# opening notebooks/index.ipynb, with the Go (gonb) kernel of .venv/. It
# listens on all interfaces of the container, so that `docker run -p` can
# reach it, and therefore ALWAYS with a token:
#
#   JUPYTER_TOKEN   the login token; unset or empty: a random one, printed
#   PORT            the port inside the container (default 8888)
#   GOMLX_BACKEND   GoMLX backend for the notebooks (default: XLA on the CPU
#                   when the image has the plugin, else the pure-Go backend)
#
# Extra arguments go to `jupyter lab`; an empty token among them is refused.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PORT="${PORT:-8888}"

die() { echo "start: $*" >&2; exit 2; }

case "$PORT" in ''|*[!0-9]*) die "bad PORT '$PORT': want a port number" ;; esac
[ -x "$VENV/bin/jupyter" ] || die "$VENV/bin/jupyter not found: the image runs scripts/setup.sh when it is built"

# jupyter lab --X.token= (or --X.token '') would switch authentication off.
prev=""
for a in "$@"; do
  case "$a" in
    --*[.-]token=|--*[.-]token=\"\"|--*[.-]token=\'\') die "refusing '$a': JupyterLab listens on 0.0.0.0 here, it needs a token (set JUPYTER_TOKEN, or leave it unset for a random one)" ;;
  esac
  case "$prev" in
    --*[.-]token) [ -n "$a" ] || die "refusing an empty $prev: JupyterLab listens on 0.0.0.0 here, it needs a token" ;;
  esac
  prev="$a"
done

if [ -z "${JUPYTER_TOKEN:-}" ]; then
  JUPYTER_TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fi
[ -n "$JUPYTER_TOKEN" ] || die "could not make a token"
export JUPYTER_TOKEN   # read by Jupyter from the environment: not in `ps`

# XLA plugins installed by scripts/setup.sh (the XLA_CUDA=1 image): the
# kernel has them in its kernel.json; this makes them visible to terminals
# opened in JupyterLab and to the backend line below as well.
if [ -f "$VENV/fmkit-xla.env" ]; then
  . "$VENV/fmkit-xla.env"
fi
export PATH="$VENV/bin:$PATH"
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_PLATFORM_DIRS=1

# Which backend the notebooks will use (fmkit's choice, the backend created).
if [ -x "$VENV/bin/fmkit-backend" ]; then
  "$VENV/bin/fmkit-backend" || echo "start: warning: the notebooks will fail to create this backend (unset GOMLX_BACKEND, or GOMLX_BACKEND=go)" >&2
fi

echo "start: JupyterLab on port $PORT of the container, token required"
echo "start: open http://127.0.0.1:$PORT/lab/tree/notebooks/index.ipynb?token=$JUPYTER_TOKEN"
echo "start: (with the port published, e.g. docker run -p 127.0.0.1:$PORT:$PORT ...)"
cd "$ROOT"
exec "$VENV/bin/jupyter" lab \
  --ServerApp.ip=0.0.0.0 \
  --ServerApp.port="$PORT" \
  --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$ROOT" \
  --ServerApp.open_browser=False \
  --LabApp.default_url=/lab/tree/notebooks/index.ipynb \
  "$@"
