#!/usr/bin/env node
// Self-test of the browser test: its failure cases, each run for real.
//
//   tests/browser/run.sh --selftest
//
// Runs lab.test.mjs as a child process in situations that must make it
// fail, and checks that it exits non-zero, says which thing failed and why,
// and leaves no process of its run (found by the run's tag in /proc) and no
// scratch folder behind:
//
//   chromium     CHROMIUM points at a missing file
//   port         --port N while another socket listens on 127.0.0.1:N
//   kernel       the gonb kernel cannot start (its TMPDIR does not exist,
//                so GoNB fails to create its folder and exits)
//   sigterm      SIGTERM while the kernel starts: it cleans up and exits 143
//   sigkill      SIGKILL at the same point: its reaper cleans up
//   cell         testdata/cell-error.ipynb: a cell that panics and one that
//                does not compile are named (and the two good cells are not)
//   slider       testdata/slider-still.ipynb: an fmkit slider whose figure is
//                the same for every value; moved, its figure is not replaced
//   animation    testdata/animation-still.ipynb: an image/gif of one frame
//   font         Chromium without a CJK font (fontconfig told to reject every
//                font with Chinese): index.ipynb's heading "第6章 流匹配" is
//                drawn as missing-glyph boxes, and the test says so
//
// Each case writes its screenshots and logs to a folder of its own under a
// temporary folder (never tests/browser/artifacts/, which keeps the last real
// run's); the temporary folder is removed when every case behaved, and kept
// (its path printed) otherwise.
// Exit status: 0 when every case behaved, 1 otherwise.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, reap, tagged } from './lib/procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

// runTest runs lab.test.mjs; with interrupt {after, signal}, it sends the
// signal once the output matches `after`.
function runTest(args, env, interrupt) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(HERE, 'lab.test.mjs'), ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let sent = false;
    const onData = (d) => {
      out += d;
      if (interrupt && !sent && interrupt.after.test(out)) {
        sent = true;
        child.kill(interrupt.signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code: code ?? signal, out, seconds: (Date.now() - t0) / 1000 }));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function listen() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

const cases = [
  {
    name: 'chromium',
    what: 'Chromium missing',
    args: ['--only', 'index'],
    env: { CHROMIUM: '/nonexistent/chromium' },
    want: [/Chromium not found at \/nonexistent\/chromium/, /apt-get install chromium/],
  },
  {
    name: 'port',
    what: 'port already in use',
    setup: async (c) => {
      c.server = await listen();
      c.args = ['--only', 'index', '--port', String(c.server.address().port)];
      c.want = [new RegExp(`port ${c.server.address().port} on 127\\.0\\.0\\.1 is already in use`)];
    },
    teardown: (c) => c.server.close(),
  },
  {
    name: 'kernel',
    what: 'kernel fails to start',
    args: ['--only', 'index', '--env', 'TMPDIR=/nonexistent/fmkit-browser-selftest'],
    want: [/index\.ipynb: the kernel failed to start/, /failed to create temporary directory "\/nonexistent\/fmkit-browser-selftest/],
  },
  {
    name: 'sigterm',
    what: 'stopped by SIGTERM (Ctrl-C, timeout, CI) while the kernel starts',
    args: ['--only', 'index'],
    interrupt: { after: /selected "Go \(gonb\)"/, signal: 'SIGTERM' },
    exit: 143,
    want: [/SIGTERM: stopping JupyterLab and Chromium/],
  },
  {
    name: 'sigkill',
    what: 'killed by SIGKILL (no chance to clean up: the reaper does)',
    args: ['--only', 'index'],
    interrupt: { after: /selected "Go \(gonb\)"/, signal: 'SIGKILL' },
    exit: 'SIGKILL',
    want: [/Chromium .* started/],
    graceMs: 30000,
  },
  {
    name: 'font',
    what: 'no Chinese font: Chinese text drawn as missing-glyph boxes',
    // A fontconfig set-up that is the system's minus every font covering
    // Chinese, given to Chromium (through lab.test.mjs's environment) as a
    // machine without fonts-noto-cjk would have it.
    setup: async (c, dir) => {
      const conf = path.join(dir, 'fonts-without-cjk.conf');
      fs.writeFileSync(conf, `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
`);
      c.env = { FONTCONFIG_FILE: conf };
    },
    args: ['--only', 'index'],
    want: [
      /index\.ipynb: Chinese text renders with missing glyphs: \d+ of the \d+ Chinese characters of "[^"]*第6章 流匹配/,
      /apt-get install fonts-noto-cjk/,
    ],
    files: ['FAILED-index.png', 'index-chinese.png'],
  },
  {
    name: 'cell',
    what: 'notebook cells that error',
    args: ['--notebook', 'tests/browser/testdata/cell-error.ipynb'],
    want: [
      /cell-error\.ipynb: 2 cells with an error or not run/,
      /cell 2 \(panic\("deliberate panic of the self-test fixture"\)\): error output\n.*\| panic: deliberate panic of the self-test fixture/,
      /cell 3 \(var n int = "not a number"\): compile error\n(.*\n)*.*Cell\[3\]: Line 2\n.*cannot use "not a number"/,
    ],
    unwanted: [/cell [014] \(/],
  },
  {
    name: 'slider',
    what: 'a slider whose figure does not change',
    args: ['--notebook', 'tests/browser/testdata/slider-still.ipynb'],
    want: [
      /slider-still\.ipynb: cell 2: the slider moved from position 1 to 2, but the figure was not replaced before the slider stopped listening/,
    ],
    files: ['slider-still-slider-before.png', 'FAILED-slider-still.png'],
  },
  {
    name: 'animation',
    what: 'an animation of one frame',
    args: ['--notebook', 'tests/browser/testdata/animation-still.ipynb'],
    want: [/animation-still\.ipynb: animation 1 has 1 frame, want more than one/],
  },
];

async function main() {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !cases.some((c) => c.name === n));
  if (unknown.length) {
    console.log(`selftest: no case ${unknown.join(', ')} (cases: ${cases.map((c) => c.name).join(', ')})`);
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fmkit-browser-selftest-'));
  let failed = 0;
  for (const c of cases) {
    if (only.length && !only.includes(c.name)) continue;
    console.log(`selftest: ${c.name}: ${c.what} ...`);
    const dir = path.join(tmp, c.name);
    fs.mkdirSync(dir, { recursive: true });
    if (c.setup) await c.setup(c, dir);
    const r = await runTest([...c.args, '--artifacts', path.join(dir, 'artifacts')], c.env || {}, c.interrupt);
    if (c.teardown) c.teardown(c);
    const problems = [];
    const want = c.exit ?? 1;
    if (r.code !== want) problems.push(`exit ${r.code}, want ${want}`);
    for (const re of c.want) if (!re.test(r.out)) problems.push(`output does not match ${re}`);
    for (const re of c.unwanted || []) if (re.test(r.out)) problems.push(`output matches ${re}, and should not`);
    for (const f of c.files || []) {
      if (!fs.existsSync(path.join(dir, 'artifacts', f))) problems.push(`no ${f} among its screenshots`);
    }
    const tag = (r.out.match(/run (\S+) \(processes carry/) || [])[1];
    if (!tag) {
      problems.push('no run tag in the output');
    } else {
      // After a SIGKILL the reaper needs a moment (it polls every second).
      const end = Date.now() + (c.graceMs || 0);
      while (Date.now() < end && (tagged(tag).length || fs.existsSync(path.join(HERE, `.lab-${tag}`)))) await sleep(500);
      const left = tagged(tag);
      if (left.length) {
        problems.push(`processes of the run still running:\n${describe(left)}`);
        await reap(tag);
      }
      if (fs.existsSync(path.join(HERE, `.lab-${tag}`))) {
        problems.push(`scratch folder tests/browser/.lab-${tag} left behind`);
        fs.rmSync(path.join(HERE, `.lab-${tag}`), { recursive: true, force: true });
      }
    }
    if (problems.length) {
      failed++;
      console.log(`selftest: FAIL ${c.name} (${r.seconds.toFixed(1)}s):\n  ${problems.join('\n  ')}`);
      console.log(r.out.replace(/^/gm, '    | '));
    } else {
      const said = r.out.split('\n').filter((l) => c.want.some((re) => re.test(l))).map((l) => l.trim());
      console.log(`selftest: ok   ${c.name} (${r.seconds.toFixed(1)}s): exit ${r.code}, nothing left running; it said:`);
      for (const l of said.slice(0, 3)) console.log(`    ${l.length > 200 ? l.slice(0, 200) + ' ...' : l}`);
    }
  }
  if (failed) {
    console.log(`selftest: ${failed} case(s) FAILED; their screenshots and logs: ${tmp}`);
  } else {
    fs.rmSync(tmp, { recursive: true, force: true });
    console.log('selftest: all cases behaved');
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.log(`selftest: error: ${e.stack}`);
  process.exit(1);
});
