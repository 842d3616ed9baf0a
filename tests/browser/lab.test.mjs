#!/usr/bin/env node
// The browser test: the notebooks in a real JupyterLab, in headless Chromium.
//
//   tests/browser/run.sh [options]      (installs playwright-core, then runs this)
//
// Starts JupyterLab from the project's environment (.venv, the gonb kernel)
// on a free 127.0.0.1 port with a token, serving a scratch copy of
// notebooks/ and exercises/ (running cells through the UI must never change
// the committed notebooks). Debian's Chromium, driven by playwright-core,
// then for each notebook: opens it, selects "Go (gonb)" in the kernel dialog,
// clicks Run > Run All Cells, waits, and checks what the page shows:
//
//   notebooks/index.ipynb          its heading "第6章 流匹配" drawn with real
//                                  Chinese glyphs (no missing-glyph boxes),
//                                  kernel "Go (gonb)", no cell with an error,
//                                  at least one PNG figure rendered and visible,
//                                  a live slider (a cell with nb.Slider) that,
//                                  moved with the keyboard while its cell runs,
//                                  replaces its figure (image bytes before and
//                                  after differ), and an animation (image/gif)
//   exercises/exercise-6.2.ipynb   its Chinese text (if any) drawn with real
//                                  glyphs, kernel "Go (gonb)", no cell with an
//                                  error, every self-check cell shows its checklist
//
// In every notebook run (--notebook too), each nb.Slider is moved and must
// redraw, and each image/gif output must decode in the page with more than
// one frame, at most 1.5 MB (fmkit/plot's MaxAnimationBytes) and change on
// screen (lib/media.mjs).
//
// The Chinese check (lib/glyphs.mjs) runs when the notebook opens, before its
// cells run: without a CJK font (Debian: fonts-noto-cjk) it fails at once.
// Screenshots go to tests/browser/artifacts/ (git-ignored), with the server
// log: KEY.png (the window after the run), KEY-full.png (the whole notebook),
// KEY-chinese.png (the checked Chinese text), KEY-slider-before.png and
// KEY-slider-after.png (the first slider's outputs before and after it was
// moved); FAILED-KEY.png only when KEY
// failed. Each run first empties the folder of the previous run's files. JupyterLab, its kernels and Chromium are stopped whatever happens
// (an error, Ctrl-C, SIGTERM; after a SIGKILL, the detached lib/reaper.mjs),
// and the test then checks that none of the processes it started is left:
// each carries FMKIT_BROWSER_TEST=<run id> in its environment (lib/procs.mjs).
// selftest.mjs (run.sh --selftest) runs those failure cases for real.
//
// Options:
//   --only index|exercise   run one of the two notebooks
//   --notebook PATH         run this notebook instead (repo-relative; checks:
//                           kernel, no error; testing the test itself)
//   --port N                JupyterLab's port (default: a free one)
//   --env NAME=VALUE        extra environment for JupyterLab and its kernels
//                           (e.g. GOMLX_BACKEND=go); repeatable
//   --artifacts DIR         where screenshots and logs go
//   --keep-scratch          keep the scratch copy (tests/browser/.lab-*)
// Environment: CHROMIUM (default /usr/bin/chromium).
//
// Exit status: 0 passed, 1 failed, 2 bad usage.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Lab, LabError, checkPortFree, freePort } from './lib/jupyter.mjs';
import { HAN, checkGlyphs } from './lib/glyphs.mjs';
import { animations, moveSlider, sliderCells } from './lib/media.mjs';
import { Notebook, UIError, clip } from './lib/notebook.mjs';
import { TAG_VAR, describe, reap, tagged, waitGone } from './lib/procs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const KERNEL = 'Go (gonb)';
const VIEWPORT = { width: 1400, height: 900 };
// Chromium as this machine needs it (no network beyond localhost, no GPU,
// root): no background connections, a fresh profile (Playwright makes one).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

// The bound on one animation (fmkit/plot: MaxAnimationBytes).
const MAX_ANIMATION_BYTES = 1500000;

const T0 = Date.now();
const elapsed = () => ((Date.now() - T0) / 1000).toFixed(1).padStart(6);
const say = (msg) => console.log(`browser: [${elapsed()}s] ${msg}`);

class Failure extends Error {
  constructor(message, details = '') {
    super(message);
    this.details = details;
  }
}

function usage(msg) {
  console.error(`lab.test.mjs: ${msg}`);
  console.error('usage: node lab.test.mjs [--only index|exercise] [--notebook PATH] [--port N] [--env NAME=VALUE] [--artifacts DIR] [--keep-scratch]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { only: null, notebooks: [], port: null, env: {}, artifacts: path.join(HERE, 'artifacts'), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--only': {
        o.only = val();
        if (!['index', 'exercise'].includes(o.only)) usage(`--only ${o.only}: want index or exercise`);
        break;
      }
      case '--notebook': o.notebooks.push(val()); break;
      case '--port': {
        const p = val();
        if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) usage(`--port ${p}: want a port number 1..65535`);
        o.port = Number(p);
        break;
      }
      case '--env': {
        const kv = val();
        const m = kv.match(/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s);
        if (!m) usage(`--env ${kv}: want NAME=VALUE`);
        o.env[m[1]] = m[2];
        break;
      }
      case '--artifacts': o.artifacts = path.resolve(val()); break;
      case '--keep-scratch': o.keep = true; break;
      case '-h': case '--help': {
        const src = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
        console.log(src.slice(1, src.findIndex((l) => l.startsWith('import'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        process.exit(0);
      }
      default: usage(`unknown argument ${a}`);
    }
  }
  if (o.only && o.notebooks.length) usage('--only and --notebook do not go together');
  return o;
}

// The notebooks to run, each with its checks.
function plan(o) {
  if (o.notebooks.length) {
    return o.notebooks.map((p) => {
      const abs = path.resolve(REPO, p);
      if (!fs.existsSync(abs)) usage(`--notebook ${p}: no such file`);
      return { key: path.basename(p, '.ipynb'), src: abs, rel: `notebooks/${path.basename(p)}`, images: false, selfChecks: false, chinese: HAN,
        slider: false, animation: false };
    });
  }
  const all = [
    // shot: what the screenshot shows at the top of the window (index: the
    // W2 table above the figures, the picture in the README).
    // chinese: the text whose glyphs are checked (a string: it must be
    // there; HAN: the first rendered text with Chinese in it, if any).
    // slider: a cell with nb.Slider must show a live slider, which is
    // moved; animation: an image/gif output with several frames is required.
    { key: 'index', src: path.join(REPO, 'notebooks/index.ipynb'), rel: 'notebooks/index.ipynb', images: true, selfChecks: false,
      chinese: '第6章 流匹配', slider: true, animation: true,
      shot: (panel) => panel.locator('.jp-OutputArea-output[data-mime-type="text/markdown"]').last() },
    // optional: skipped, with a message, while the file does not exist.
    { key: 'exercise', src: path.join(REPO, 'exercises/exercise-6.2.ipynb'), rel: 'exercises/exercise-6.2.ipynb', images: false, selfChecks: true, optional: true,
      slider: false, animation: false,
      chinese: HAN,
      shot: (panel) => panel.locator('.jp-OutputArea-output[data-mime-type="text/html"]:has(li)').first() },
  ];
  return all.filter((n) => !o.only || n.key === o.only);
}

function notebookBudget(src) {
  // A limit against a hung run, not a speed test: the UI adds its own time
  // to the runner's budget (metadata fmkit.max_seconds), and a shared
  // machine can be several times slower. Three times the budget, at least
  // 5 minutes.
  try {
    const meta = JSON.parse(fs.readFileSync(src, 'utf8')).metadata || {};
    const s = Number(meta.fmkit?.max_seconds);
    return Math.max(300, Number.isFinite(s) && s > 0 ? 3 * s : 0) * 1000;
  } catch (e) {
    throw new Failure(`cannot read ${path.relative(REPO, src)}: ${e.message}`);
  }
}

// selfCheckReport checks the exercise's checklists: every cell that calls a
// check of fmkit/exercise (exercise.Check...) shows, as rendered HTML, a
// titled list whose items each carry a status.
async function selfChecks(nb, state) {
  const checkCells = state.cells.filter((c) => c.code && /\bexercise\.Check\w*\(/.test(c.source));
  if (!checkCells.length) throw new Failure(`${nb.name}: no self-check cell found (cells calling exercise.Check...)`);
  const summaries = [];
  for (const c of checkCells) {
    const cell = nb.panel.locator('.jp-Notebook .jp-Cell').nth(c.index);
    const html = cell.locator('.jp-OutputArea-output[data-mime-type="text/html"]').filter({ has: nb.page.locator('li') });
    if (!(await html.count())) {
      throw new Failure(`${nb.name}: cell ${c.index} (${c.source.split('\n').find((l) => /exercise\.Check/.test(l)).trim()}) shows no self-check list`,
        clip(c.outputs.map((o) => `[${o.mime}] ${o.text}`).join('\n')));
    }
    const out = html.first();
    await out.scrollIntoViewIfNeeded();
    if (!(await out.isVisible())) throw new Failure(`${nb.name}: the self-check list of cell ${c.index} is not visible`);
    const items = await out.locator('li').allTextContents();
    const bad = items.filter((t) => !/\((passed|failed|not yet written|waiting)\)/.test(t));
    if (bad.length) throw new Failure(`${nb.name}: cell ${c.index}: self-check items without a status`, clip(bad.join('\n')));
    // The title line: the element just before the list.
    const title = (await out.locator('li').first().evaluate((li) => li.parentElement.previousElementSibling?.textContent || '')).trim();
    if (!/\d+ of \d+ passed/.test(title)) throw new Failure(`${nb.name}: cell ${c.index}: the self-check list has no summary ("N of M passed")`, title);
    summaries.push(`cell ${c.index}: ${title} (${items.length} item${items.length === 1 ? '' : 's'})`);
  }
  return summaries;
}

// chineseText checks that the notebook's Chinese text is drawn with real
// glyphs (lib/glyphs.mjs) and saves a screenshot of it (KEY-chinese.png).
// Returns null when item.chinese is HAN and the notebook shows no Chinese.
async function chineseText(nb, item, o) {
  const texts = nb.panel.locator('.jp-MarkdownCell .jp-RenderedMarkdown')
    .locator('h1, h2, h3, h4, h5, h6, p, li, summary, td, th');
  const el = texts.filter({ hasText: item.chinese }).first();
  try {
    await el.waitFor({ timeout: 15000 });
  } catch {
    if (item.chinese === HAN) return null;
    throw new Failure(`${nb.name}: no rendered Markdown shows "${item.chinese}", the Chinese text this test checks`);
  }
  const g = await checkGlyphs(nb.page, el);
  await el.screenshot({ path: path.join(o.artifacts, `${item.key}-chinese.png`) }).catch(() => {});
  if (!g.ok) {
    throw new Failure(`${nb.name}: Chinese text renders with missing glyphs: ${g.missing.length} of the ${g.chars.length} ` +
      `Chinese characters of "${clip(g.text, 1, 60)}" are drawn as the missing-glyph box (${g.missing.join(' ')}). ` +
      'Chromium finds no font with Chinese glyphs: install one (Debian: apt-get install fonts-noto-cjk; .ci/run does)',
    `font: ${g.font}\nfonts Chromium used: ${g.fonts}`);
  }
  return g;
}

// runNotebook runs one notebook in the page. The first notebook loads
// JupyterLab; the next ones are opened in it, unless the previous one failed
// (then JupyterLab is loaded afresh).
async function runNotebook(page, lab, item, o, results) {
  const r = { notebook: item.rel, ok: false, seconds: 0 };
  const inLoadedLab = results.length > 0 && results[results.length - 1].ok;
  results.push(r);
  const t = Date.now();
  // The copy JupyterLab serves (the repository's file may change meanwhile).
  const copy = path.join(lab.root, item.rel);
  const sources = JSON.parse(fs.readFileSync(copy, 'utf8')).cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
  const nb = new Notebook(page, lab, item.rel, sources, say);
  try {
    say(`${item.rel}: opening in JupyterLab`);
    await nb.open(120000, { inLoadedLab });
    if (item.chinese) {
      const g = await chineseText(nb, item, o);
      r.chinese = g ? `"${clip(g.text, 1, 40)}": ${g.chars.length} Chinese characters drawn with real glyphs (${g.fonts})`
        : 'no Chinese text to check';
      say(`${item.rel}: ${r.chinese}`);
    }
    r.kernel = await nb.selectKernel(KERNEL, 180000);
    say(`${item.rel}: kernel "${r.kernel}" idle (${nb.kernel.name}, id ${nb.kernel.id.slice(0, 8)}); Run > Run All Cells`);
    // Sliders listen only while their cell runs: each is moved during the run.
    const sliders = sliderCells(sources);
    if (item.slider && !sliders.length) throw new Failure(`${item.rel}: no cell with a slider (nb.Slider{...}) found`);
    const budget = notebookBudget(copy);
    let runEnded = false;
    const runP = nb.runAll(budget).finally(() => { runEnded = true; });
    const sliderP = (async () => {
      const moved = [];
      for (const index of sliders) {
        const shots = { before: path.join(o.artifacts, `${item.key}-slider-before.png`), after: path.join(o.artifacts, `${item.key}-slider-after.png`) };
        const m = await moveSlider(nb, index, { timeoutMs: budget, shots: moved.length ? null : shots, stopped: () => runEnded });
        say(`${item.rel}: cell ${index}: slider moved ${m.from} -> ${m.to} (${m.range}); figure ${m.before.md5} (${m.before.bytes} B) -> ` +
          `${m.after.md5} (${m.after.bytes} B); "${clip(m.statusAfter, 1, 90)}"`);
        moved.push({ cell: index, ...m });
      }
      return moved;
    })();
    const [runR, sliderR] = await Promise.allSettled([runP, sliderP]);
    if (runR.status === 'rejected') throw runR.reason;
    const run = runR.value;
    r.runSeconds = run.seconds;
    const kernelNow = await nb.kernelName();
    if (kernelNow !== KERNEL) throw new Failure(`${item.rel}: after the run the toolbar shows kernel "${kernelNow}", want "${KERNEL}"`);
    const errs = Notebook.errors(run.state);
    if (errs.length) {
      const lines = errs.map((e) => `cell ${e.cell} (${e.head || 'empty'}): ${e.why}${e.text ? '\n' + e.text.replace(/^/gm, '    | ') : ''}`);
      throw new Failure(`${item.rel}: ${errs.length} cell${errs.length > 1 ? 's' : ''} with an error or not run`, lines.join('\n'));
    }
    if (sliderR.status === 'rejected') throw sliderR.reason;
    r.sliders = sliderR.value;
    r.cells = run.state.cells.filter((c) => c.code).length;
    r.animations = await animations(nb, MAX_ANIMATION_BYTES);
    if (item.animation && !r.animations.length) throw new Failure(`${item.rel}: no animation (image/gif output) found`);
    const img = await nb.visibleImages();
    r.images = img.visible;
    if (item.images && img.visible < 1) {
      throw new Failure(`${item.rel}: no PNG figure is visible (${img.total} image/png outputs, ${img.visible} rendered and visible)`);
    }
    if (item.selfChecks) r.selfChecks = await selfChecks(nb, run.state);
    const shot = item.shot ? item.shot(nb.panel) : null;
    r.screenshot = path.join(o.artifacts, `${item.key}.png`);
    await nb.screenshots(shot, r.screenshot, path.join(o.artifacts, `${item.key}-full.png`));
    r.ok = true;
  } catch (e) {
    r.error = e;
    await page.screenshot({ path: path.join(o.artifacts, `FAILED-${item.key}.png`) }).catch(() => {});
  } finally {
    r.seconds = (Date.now() - t) / 1000;
  }
  if (r.ok) {
    say(`${item.rel}: PASS in ${r.seconds.toFixed(1)}s (cells ran ${r.runSeconds.toFixed(1)}s; ${r.cells} code cells, ` +
      `${r.images} figure${r.images === 1 ? '' : 's'} visible; kernel "${r.kernel}")`);
    for (const s of r.selfChecks || []) say(`${item.rel}: self-check ${s}`);
    for (const a of r.animations) {
      say(`${item.rel}: animation ${a.md5}: ${a.frames} frames, ${a.width} x ${a.height}, ${a.bytes} bytes, changes on screen`);
    }
  } else {
    say(`${item.rel}: FAIL after ${r.seconds.toFixed(1)}s`);
  }
  return r.ok;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const tag = `${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
  say(`run ${tag} (processes carry ${TAG_VAR}=${tag})`);

  const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
  try {
    fs.accessSync(chromium, fs.constants.X_OK);
  } catch {
    throw new Failure(`Chromium not found at ${chromium}: the browser test drives Debian's chromium package with ` +
      `playwright-core and cannot download a browser. Install it (apt-get install chromium; .ci/run does) or set CHROMIUM=/path/to/chromium.`);
  }
  let playwright;
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    throw new Failure(`playwright-core is not installed in tests/browser/node_modules: run tests/browser/run.sh (it runs npm ci) (${e.message})`);
  }

  const items = plan(o);
  const todo = [];
  for (const it of items) {
    if (fs.existsSync(it.src)) todo.push(it);
    else if (it.optional) say(`SKIP ${path.relative(REPO, it.src)}: the file does not exist (yet); its part of the test is skipped`);
    else throw new Failure(`${path.relative(REPO, it.src)} does not exist`);
  }
  if (!todo.length) throw new Failure('no notebook to run');

  fs.mkdirSync(o.artifacts, { recursive: true });
  for (const f of fs.readdirSync(o.artifacts)) {
    if (/\.(png|log|txt)$/.test(f)) fs.rmSync(path.join(o.artifacts, f), { force: true });
  }

  // Scratch folders of runs that were killed (SIGKILL leaves no time to clean
  // up): removed when an hour old and none of their processes is running.
  for (const d of fs.readdirSync(HERE)) {
    const m = d.match(/^\.lab-(.+)$/);
    if (!m || m[1] === tag) continue;
    const full = path.join(HERE, d);
    if (Date.now() - fs.statSync(full).mtimeMs > 3600e3 && tagged(m[1]).length === 0) {
      fs.rmSync(full, { recursive: true, force: true });
      say(`removed the scratch folder of an old run: tests/browser/${d}`);
    }
  }

  let port = o.port;
  if (port) await checkPortFree(port);
  else port = await freePort();

  // The scratch copy lives inside the repository: the notebooks' first cell
  // finds the fmkit module with `go list -m` from the notebook's folder.
  // cleanup() removes it.
  const scratch = path.join(HERE, `.lab-${tag}`);
  const root = path.join(scratch, 'lab');
  const log = path.join(o.artifacts, 'jupyter.log');

  // If this process dies without cleaning up (SIGKILL), the reaper does it.
  const reaper = spawn(process.execPath, [path.join(HERE, 'lib', 'reaper.mjs'), String(process.pid), tag, scratch], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  reaper.unref();

  const lab = new Lab({ repo: REPO, scratch, root, port, tag, extraEnv: o.env, log });
  let browser = null;
  const results = [];
  let failure = null;
  let cleaned = null;

  const cleanup = async () => {
    if (cleaned) return cleaned;
    cleaned = (async () => {
      const c = { problems: [] };
      if (browser) {
        await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 15000))]).catch(() => {});
      }
      c.lab = await lab.stop().catch((e) => `error: ${e.message}`);
      // Kernels and cell programs get a moment to exit after the shutdown.
      let left = await waitGone(tag, 10000);
      if (left.length) {
        c.forced = left;
        const { survivors } = await reap(tag);
        if (survivors.length) c.problems.push(`still running after SIGKILL:\n${describe(survivors)}`);
      }
      const final = tagged(tag);
      if (final.length) c.problems.push(`processes of this run still running:\n${describe(final)}`);
      if (!o.keep) fs.rmSync(scratch, { recursive: true, force: true });
      try {
        process.kill(reaper.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      return c;
    })();
    return cleaned;
  };
  // Ctrl-C, `timeout`, CI cancelling, a crash: clean up, then exit.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, async () => {
      say(`${sig}: stopping JupyterLab and Chromium`);
      await cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  const crash = async (e) => {
    say(`internal error: ${e?.stack || e}; stopping JupyterLab and Chromium`);
    await cleanup();
    process.exit(1);
  };
  process.once('uncaughtException', crash);
  process.once('unhandledRejection', crash);

  try {
    for (const it of todo) {
      fs.mkdirSync(path.dirname(path.join(root, it.rel)), { recursive: true });
      fs.copyFileSync(it.src, path.join(root, it.rel));
    }
    say(`starting JupyterLab on 127.0.0.1:${port} (scratch copy ${path.relative(REPO, root)})`);
    await lab.start(120000);
    say(`JupyterLab ready (pid ${lab.child.pid}; log ${path.relative(REPO, log)})`);
    browser = await playwright.chromium.launch({
      executablePath: chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      // Chromium's own folders (crash reports, GTK's cache) in the scratch
      // folder, not in the user's home.
      env: { ...process.env, [TAG_VAR]: tag, XDG_CONFIG_HOME: path.join(scratch, 'xdg-config'), XDG_CACHE_HOME: path.join(scratch, 'xdg-cache') },
      timeout: 60000,
    });
    say(`Chromium ${browser.version()} (${chromium}) started`);
    const ctx = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await ctx.newPage();
    page.setDefaultTimeout(60000);
    for (const it of todo) {
      await runNotebook(page, lab, it, o, results);
    }
  } catch (e) {
    failure = e;
  }
  const c = await cleanup();
  const leftover = c.problems.length === 0;

  // Report.
  console.log('');
  console.log(`browser: summary (run ${tag}, ${elapsed().trim()}s)`);
  for (const r of results) {
    console.log(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.notebook} (${r.seconds.toFixed(1)}s)`);
    if (r.error) {
      console.log(`       ${r.error.message}`);
      if (r.error.details) console.log(r.error.details.replace(/^/gm, '       | '));
    }
  }
  if (failure) {
    console.log(`  FAIL ${failure.message}`);
    if (failure.details) console.log(failure.details.replace(/^/gm, '       | '));
    if (!(failure instanceof Failure || failure instanceof LabError || failure instanceof UIError)) console.log(failure.stack);
  }
  console.log(`  JupyterLab stopped: ${c.lab === 'api' ? 'through its API (kernels shut down first)' : c.lab}`);
  if (c.forced) console.log(`  note: ${c.forced.length} process(es) outlived the shutdown by 10s and were killed:\n${describe(c.forced).replace(/^/gm, '       ')}`);
  console.log(leftover
    ? `  leftover check: no JupyterLab, kernel or Chromium process of this run is running (${TAG_VAR}=${tag})`
    : `  FAIL leftover check: ${c.problems.join('\n')}`);
  console.log(`  artifacts: ${path.relative(process.cwd(), o.artifacts) || '.'}/`);
  const ok = !failure && leftover && results.length > 0 && results.every((r) => r.ok);
  console.log(`browser: ${ok ? 'PASS' : 'FAIL'} in ${elapsed().trim()}s`);
  return ok ? 0 : 1;
}

// A reader that went away (`| head`, a dead log collector) must not stop
// the test before it has cleaned up: output is dropped instead.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

main().then(
  (code) => process.exit(code),
  (e) => {
    // Failures before anything was started (bad set-up, port in use).
    console.log(`browser: FAIL ${e.message}`);
    if (e.details) console.log(e.details.replace(/^/gm, '       | '));
    if (!(e instanceof Failure || e instanceof LabError)) console.log(e.stack);
    process.exit(1);
  },
);
