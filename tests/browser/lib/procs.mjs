// Processes started by one run of the browser test, found by a tag.
//
// Every process the test starts (JupyterLab, the kernels it launches, the
// programs GoNB builds and runs for each cell, Chromium and its helpers) gets
// FMKIT_BROWSER_TEST=<run id> in its environment, and children inherit it.
// Kernels run in sessions of their own (jupyter_client starts them with
// start_new_session), so killing JupyterLab's process group is not enough;
// the tag finds them wherever they are. Linux only (/proc).

import fs from 'node:fs';

export const TAG_VAR = 'FMKIT_BROWSER_TEST';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`);
  } catch {
    return null; // gone, or not ours to read
  }
}

// tagged returns the live (non-zombie) processes whose environment holds
// FMKIT_BROWSER_TEST=tag, as [{pid, state, cmd}].
export function tagged(tag) {
  const needle = Buffer.from(`${TAG_VAR}=${tag}\0`);
  const found = [];
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const env = readProc(pid, 'environ');
    if (!env || env.indexOf(needle) < 0) continue;
    const stat = readProc(pid, 'stat');
    // stat: "pid (comm) S ..."; comm may contain spaces and parentheses.
    const state = stat ? stat.toString().replace(/^.*\) /s, '')[0] : '?';
    if (state === 'Z' || state === 'X') continue;
    const cmdline = readProc(pid, 'cmdline');
    const cmd = cmdline ? cmdline.toString().split('\0').filter(Boolean).join(' ') : '?';
    found.push({ pid, state, cmd: cmd.length > 160 ? cmd.slice(0, 160) + ' ...' : cmd });
  }
  return found;
}

export function describe(procs) {
  return procs.map((p) => `pid ${p.pid} [${p.state}] ${p.cmd}`).join('\n');
}

// waitGone waits up to ms for every tagged process to exit; returns the
// survivors.
export async function waitGone(tag, ms) {
  const end = Date.now() + ms;
  let left = tagged(tag);
  while (left.length && Date.now() < end) {
    await sleep(200);
    left = tagged(tag);
  }
  return left;
}

function signal(pids, sig) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

// reap ends the tagged processes still running: SIGTERM, then SIGKILL for
// those that remain after graceMs. Returns {killed, survivors}: the processes
// that had to be signalled, and those still alive after SIGKILL.
export async function reap(tag, graceMs = 3000) {
  const killed = tagged(tag);
  if (!killed.length) return { killed, survivors: [] };
  signal(killed.map((p) => p.pid), 'SIGTERM');
  let left = await waitGone(tag, graceMs);
  if (left.length) {
    signal(left.map((p) => p.pid), 'SIGKILL');
    left = await waitGone(tag, 3000);
  }
  return { killed, survivors: left };
}
