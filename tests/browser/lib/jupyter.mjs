// JupyterLab for the browser test: started from the project's environment the
// way scripts/lab.sh starts it (the venv's jupyter, the venv's gonb kernel
// first on JUPYTER_PATH, 127.0.0.1 only, a token, --allow-root as root), but
// on a scratch copy of the notebooks and with every Jupyter directory private
// to the run, so that neither the repository's notebooks nor the user's
// Jupyter settings are touched.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { TAG_VAR } from './procs.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class LabError extends Error {}

// freePort asks the kernel for a free port on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// checkPortFree fails with a clear message when 127.0.0.1:port is taken.
export function checkPortFree(port) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', (e) => {
      if (e.code === 'EADDRINUSE') {
        reject(new LabError(
          `port ${port} on 127.0.0.1 is already in use, so JupyterLab cannot listen there: ` +
          `stop what holds it (\`ss -ltnp 'sport = :${port}'\` shows it) or leave out --port to use a free one`));
      } else {
        reject(new LabError(`cannot listen on 127.0.0.1:${port}: ${e.message}`));
      }
    });
    s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
  });
}

function writeJSON(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

// Lab is one JupyterLab server process (and its process group).
export class Lab {
  // opts: repo (repository root), scratch (private folder of this run),
  // root (the folder JupyterLab serves), port, tag, env (extra variables),
  // log (path of the server log).
  constructor(opts) {
    Object.assign(this, opts);
    this.token = crypto.randomBytes(24).toString('hex');
    this.base = `http://127.0.0.1:${this.port}`;
    this.child = null;
    this.exited = null; // {code, signal} once the server process ended
  }

  url(p) {
    return `${this.base}/${p.replace(/^\//, '')}${p.includes('?') ? '&' : '?'}token=${this.token}`;
  }

  async api(p, init = {}) {
    const res = await fetch(`${this.base}${p}`, {
      ...init,
      headers: { Authorization: `token ${this.token}`, ...(init.headers || {}) },
      signal: AbortSignal.timeout(10000),
    });
    if (!res.ok) throw new LabError(`${init.method || 'GET'} ${p}: HTTP ${res.status}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  logText() {
    try {
      return fs.readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(n = 25) {
    const lines = this.logText().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split('\n');
    return lines
      .filter((l) => !/(Info|Warning|Error) message$/.test(l)) // GoNB's start-up banner
      .slice(-n)
      .join('\n');
  }

  prepare() {
    const venv = path.join(this.repo, '.venv');
    const jupyter = path.join(venv, 'bin', 'jupyter');
    if (!fs.existsSync(jupyter)) {
      throw new LabError(`${jupyter} not found: run scripts/setup.sh first (scripts/test.sh and tests/browser/run.sh do)`);
    }
    const kernel = path.join(venv, 'share', 'jupyter', 'kernels', 'gonb', 'kernel.json');
    if (!fs.existsSync(kernel)) {
      throw new LabError(`the gonb kernel is not installed (${kernel} is missing): run scripts/setup.sh`);
    }
    const dir = (name) => {
      const d = path.join(this.scratch, name);
      fs.mkdirSync(d, { recursive: true });
      return d;
    };
    this.dirs = {
      settings: dir('jupyter/settings'),
      workspaces: dir('jupyter/workspaces'),
      config: dir('jupyter/config'),
      data: dir('jupyter/data'),
      runtime: dir('jupyter/runtime'),
      ipython: path.join(this.scratch, 'jupyter/ipython'), // made by whoever needs it
      cache: dir('fmkit-cache'),
      tmp: dir('tmp'),
    };
    // Lab settings of this run: no autosave (the copies are never written
    // back anyway), and no news or update pop-ups over the screenshots.
    writeJSON(path.join(this.dirs.settings, '@jupyterlab/docmanager-extension/plugin.jupyterlab-settings'),
      { autosave: false });
    writeJSON(path.join(this.dirs.settings, '@jupyterlab/apputils-extension/notification.jupyterlab-settings'),
      { fetchNews: 'false', checkForUpdates: false });
    this.jupyter = jupyter;
    this.venv = venv;
  }

  env() {
    const env = { ...process.env };
    // No desktop browser: the test brings its own.
    for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'BROWSER']) delete env[k];
    Object.assign(env, {
      PATH: `${path.join(this.venv, 'bin')}${path.delimiter}${process.env.PATH || ''}`,
      // As scripts/lab.sh: the venv's gonb kernel before any other.
      JUPYTER_PATH: [path.join(this.venv, 'share', 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
      JUPYTER_PLATFORM_DIRS: '1',
      JUPYTER_CONFIG_DIR: this.dirs.config,
      JUPYTER_DATA_DIR: this.dirs.data,
      JUPYTER_RUNTIME_DIR: this.dirs.runtime,
      IPYTHONDIR: this.dirs.ipython,
      JUPYTER_TOKEN: this.token,
      // As scripts/nbrun.py: an empty model cache (the training cells really
      // train, as for a new reader) and a private TMPDIR for GoNB's code.
      FMKIT_CACHE: this.dirs.cache,
      TMPDIR: this.dirs.tmp,
      [TAG_VAR]: this.tag,
      ...this.extraEnv,
    });
    return env;
  }

  async start(timeoutMs) {
    this.prepare();
    const args = [
      'lab',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${this.port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${this.root}`,
      '--ServerApp.open_browser=False',
      `--LabApp.user_settings_dir=${this.dirs.settings}`,
      `--LabApp.workspaces_dir=${this.dirs.workspaces}`,
      // As scripts/lab.sh: no search for language servers (it runs npm,
      // which writes a log into ~/.npm).
      '--LanguageServerManager.autodetect=False',
    ];
    if (process.getuid && process.getuid() === 0) args.push('--allow-root');
    const out = fs.openSync(this.log, 'a');
    // detached: JupyterLab leads a process group of its own, which stop()
    // signals as a whole.
    this.child = spawn(this.jupyter, args, { cwd: this.root, env: this.env(), detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve(this.exited);
      });
      this.child.on('error', (e) => {
        this.exited = { code: null, signal: null, error: e };
        resolve(this.exited);
      });
    });
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) {
        const log = this.logText();
        const m = log.match(/The port (\d+) is already in use|port (\d+) is not available/);
        if (m) {
          throw new LabError(`port ${this.port} on 127.0.0.1 is already in use: JupyterLab could not listen there ` +
            `and exited (${this.describeExit()})`);
        }
        throw new LabError(`JupyterLab exited before it was ready (${this.describeExit()}); its log ends with:\n${this.logTail()}`);
      }
      try {
        await this.api('/api/status');
        return;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) {
        throw new LabError(`JupyterLab did not answer on ${this.base} within ${timeoutMs / 1000}s; its log ends with:\n${this.logTail()}`);
      }
      await sleep(300);
    }
  }

  describeExit() {
    const e = this.exited || {};
    if (e.error) return e.error.message;
    return e.signal ? `killed by ${e.signal}` : `exit status ${e.code}`;
  }

  // stop shuts JupyterLab down through its API (which shuts the kernels down
  // first), then signals its process group if it is still running. Returns
  // how it ended: "api", "SIGTERM", "SIGKILL" or "not running".
  async stop() {
    if (!this.child || this.exited) return 'not running';
    let how = 'api';
    try {
      await this.api('/api/shutdown', { method: 'POST' });
    } catch {
      how = 'SIGTERM';
    }
    if (how === 'api' && (await this.waitExit(30000))) return how;
    how = 'SIGTERM';
    this.killGroup('SIGTERM');
    if (await this.waitExit(8000)) return how;
    this.killGroup('SIGKILL');
    await this.waitExit(5000);
    return 'SIGKILL';
  }

  killGroup(sig) {
    try {
      process.kill(-this.child.pid, sig);
    } catch {
      // gone
    }
  }

  async waitExit(ms) {
    if (this.exited) return true;
    await Promise.race([this.exitPromise, sleep(ms)]);
    return Boolean(this.exited);
  }
}
