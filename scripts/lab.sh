#!/usr/bin/env bash
# scripts/lab.sh: open the notebooks in JupyterLab with the Go (gonb) kernel.
#
#   scripts/lab.sh                 # random free port on 127.0.0.1
#   scripts/lab.sh --port 8888     # a given port (or PORT=8888 scripts/lab.sh)
#   scripts/lab.sh --stop          # stop the lab of this folder
#   scripts/lab.sh -- ARGS...      # extra arguments for `jupyter lab`
#
# Runs scripts/setup.sh first (fast once set up). The server listens on
# 127.0.0.1 only and keeps token authentication: open the URL with ?token=...
# that it prints. Set JUPYTER_TOKEN to choose the token yourself.
#
# One lab per folder: if a lab of this folder is already running, it prints
# that lab's URL and starts nothing. A --port that is taken fails at once.
#
# Jupyter's files and the models the notebooks train go under .venv/, not
# into your home (a variable set beforehand is kept):
#   .venv/jupyter/runtime   JUPYTER_RUNTIME_DIR (server info, kernel connections)
#   .venv/jupyter/config    JUPYTER_CONFIG_DIR
#   .venv/jupyter/data      JUPYTER_DATA_DIR (notebook trust database)
#   .venv/jupyter/lab       JUPYTERLAB_SETTINGS_DIR, JUPYTERLAB_WORKSPACES_DIR
#   .venv/jupyter/ipython   IPYTHONDIR
#   .venv/fmkit-cache       FMKIT_CACHE (train.Cached's trained models)
# Go itself writes where it always does (go env GOMODCACHE GOCACHE, its
# telemetry counters, goimports's cache), and GoNB builds cells in $TMPDIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PORT="${PORT:-}"
STOP=0
EXTRA=()

die() { echo "lab: ERROR: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || { echo "lab.sh: --port needs a number" >&2; exit 2; }; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    --stop) STOP=1; shift ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; EXTRA+=("$@"); break ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
case "$PORT" in *[!0-9]*) echo "lab.sh: bad port '$PORT'" >&2; exit 2 ;; esac

export JUPYTER_RUNTIME_DIR="${JUPYTER_RUNTIME_DIR:-$VENV/jupyter/runtime}"
export JUPYTER_CONFIG_DIR="${JUPYTER_CONFIG_DIR:-$VENV/jupyter/config}"
export JUPYTER_DATA_DIR="${JUPYTER_DATA_DIR:-$VENV/jupyter/data}"
export IPYTHONDIR="${IPYTHONDIR:-$VENV/jupyter/ipython}"
export JUPYTERLAB_SETTINGS_DIR="${JUPYTERLAB_SETTINGS_DIR:-$VENV/jupyter/lab/user-settings}"
export JUPYTERLAB_WORKSPACES_DIR="${JUPYTERLAB_WORKSPACES_DIR:-$VENV/jupyter/lab/workspaces}"
export FMKIT_CACHE="${FMKIT_CACHE:-$VENV/fmkit-cache}"

# The lab opens notebooks/index.ipynb (its file browser shows notebooks/).
START=lab/tree/notebooks/index.ipynb

# running_lab prints "STATE PORT PID URL" of a JupyterLab serving this folder
# (STATE: ok, or noanswer when its process lives but its API does not answer),
# and nothing when there is none. It reads the server info files
# (jpserver-PID.json) in this lab's runtime folder and in Jupyter's default one
# (labs started by hand, or by an older lab.sh), without changing either.
running_lab() {
  [ -x "$VENV/bin/python" ] || return 0
  "$VENV/bin/python" - "$ROOT" "$JUPYTER_RUNTIME_DIR" "$START" <<'PY'
import glob, json, os, subprocess, sys, urllib.request

root, ours, start = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3]
dirs = [ours]
# Jupyter's default runtime folders (with and without JUPYTER_PLATFORM_DIRS).
for platform in ("1", "0"):
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR")}
    env["JUPYTER_PLATFORM_DIRS"] = platform
    try:
        d = subprocess.run([sys.executable, "-c", "from jupyter_core.paths import jupyter_runtime_dir as r; print(r())"],
                           env=env, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        d = ""
    if d and d not in dirs:
        dirs.append(d)
for d in dirs:
    for f in sorted(glob.glob(os.path.join(d, "jpserver-*.json"))):
        try:
            with open(f, encoding="utf-8") as fh:
                info = json.load(fh)
            pid = int(info["pid"])
            os.kill(pid, 0)  # alive? (raises if not)
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if os.path.realpath(info.get("root_dir", "")) != root:
            continue
        url, token = info.get("url", ""), info.get("token", "")
        state = "noanswer"
        try:
            req = urllib.request.Request(url.rstrip("/") + "/api/status",
                                         headers={"Authorization": "token " + token} if token else {})
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status == 200:
                    state = "ok"
        except Exception:
            pass
        full = url.rstrip("/") + "/" + start + ("?token=" + token if token else "")
        print(state, info.get("port", "?"), pid, full)
        sys.exit(0)
PY
}

# stop_lab shuts the lab down through its API (kernels first), as Ctrl-C does.
stop_lab() {
  local lab state port pid url
  lab="$(running_lab)"
  if [ -z "$lab" ]; then
    echo "lab: no JupyterLab of this folder is running"
    return 0
  fi
  read -r state port pid url <<<"$lab"
  echo "lab: stopping JupyterLab on port $port (pid $pid)"
  "$VENV/bin/python" - "$url" <<'PY' || kill -TERM "$pid" 2>/dev/null || true
import sys, urllib.parse, urllib.request
u = urllib.parse.urlsplit(sys.argv[1])
token = urllib.parse.parse_qs(u.query).get("token", [""])[0]
req = urllib.request.Request(f"{u.scheme}://{u.netloc}/api/shutdown", method="POST",
                             headers={"Authorization": "token " + token} if token else {})
try:
    urllib.request.urlopen(req, timeout=10)
except Exception as e:
    print(f"lab: the shutdown request failed ({e}); sending SIGTERM", file=sys.stderr)
    sys.exit(1)
PY
  # Kernels get time to shut down; then SIGTERM (which JupyterLab handles
  # like Ctrl-C).
  local i
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { echo "lab: stopped"; return 0; }
    if [ "$i" = 30 ]; then kill -TERM "$pid" 2>/dev/null || true; fi
    sleep 0.5
  done
  die "JupyterLab (pid $pid) is still running after 30 s: kill $pid"
}

if [ "$STOP" = 1 ]; then
  stop_lab
  exit 0
fi

# One lab per folder.
lab="$(running_lab)"
if [ -n "$lab" ]; then
  read -r state port pid url <<<"$lab"
  if [ "$state" != ok ]; then
    die "a JupyterLab of this folder is running (pid $pid, port $port) but does not answer; stop it (scripts/lab.sh --stop, or kill $pid) and start again"
  fi
  echo "lab: JupyterLab is already running for this folder (pid $pid), not starting a second one:"
  echo "lab: JupyterLab on $url"
  echo "lab: it keeps the environment it was started with (GOMLX_BACKEND, ...); to stop it: Ctrl-C in its terminal, or scripts/lab.sh --stop"
  if [ -n "$PORT" ] && [ "$PORT" != "$port" ]; then
    die "asked for port $PORT, but this folder's lab runs on port $port: stop it first (scripts/lab.sh --stop)"
  fi
  exit 0
fi

# A taken --port fails here, before the set-up and before any URL is printed.
# Bound as JupyterLab binds (SO_REUSEADDR), so that a port a stopped lab left
# in TIME_WAIT counts as free.
if [ -n "$PORT" ]; then
  PY="$VENV/bin/python"
  [ -x "$PY" ] || PY="$(command -v "${PYTHON:-python3}" || true)"
  if [ -n "$PY" ]; then
    "$PY" - "$PORT" <<'PY' || exit 1
import errno, socket, sys
port = int(sys.argv[1])
if not 1 <= port <= 65535:
    sys.exit(f"lab: ERROR: port {port}: want a port number 1..65535")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", port))
except OSError as e:
    if e.errno == errno.EADDRINUSE:
        sys.exit(f"lab: ERROR: port {port} on 127.0.0.1 is already in use by another program, so JupyterLab cannot "
                 f"listen there: choose another --port, or leave --port out to use a free one "
                 f"(`ss -ltnp 'sport = :{port}'` shows what holds it)")
    sys.exit(f"lab: ERROR: cannot listen on 127.0.0.1:{port}: {e}")
finally:
    s.close()
PY
  fi
fi

"$ROOT/scripts/setup.sh"

export PATH="$VENV/bin:$PATH"
# The venv's kernels (Go (gonb)) only: JUPYTER_DATA_DIR above hides those in your home.
export JUPYTER_PATH="$VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_PLATFORM_DIRS=1
mkdir -p "$JUPYTER_RUNTIME_DIR" "$FMKIT_CACHE"

if [ -z "$PORT" ]; then
  PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi

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
echo "lab: JupyterLab on http://127.0.0.1:$PORT/$START?token=$JUPYTER_TOKEN"
echo "lab: notebooks in $ROOT/notebooks, exercise 6.2 in exercises/ and solutions/ (kernel: Go (gonb)); Ctrl-C to stop"
cd "$ROOT"
exec "$VENV/bin/jupyter" lab \
  --ServerApp.ip=127.0.0.1 \
  --ServerApp.port="$PORT" \
  --ServerApp.port_retries=0 \
  --ServerApp.root_dir="$ROOT" \
  --LabApp.default_url="/$START" \
  --LanguageServerManager.autodetect=False \
  "${BROWSER_OPT[@]}" \
  "${EXTRA[@]}"
