// A notebook driven through JupyterLab's own UI: open it, pick the kernel in
// the kernel dialog, Run > Run All Cells, wait, and read back what the page
// shows. Checks look at the rendered page (what a reader sees), not at the
// .ipynb file.

export class UIError extends Error {
  constructor(message, details = '') {
    super(message);
    this.details = details;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Lines of a stream output that mean the cell's program crashed or exited
// non-zero (GoNB reports those to Jupyter as success), as in scripts/nbrun.py.
export const STREAM_FAILURE = /^(panic: |exit status \d+|signal: |fatal error: )/m;
// A line of Go compiler output ("./main.go:11:13: undefined: x").
const GO_COMPILER_LINE = /(^|\s)\S+\.go:\d+:\d+: /m;

// Server-log lines of a kernel that did not start or died.
const KERNEL_DEATH = /KernelRestarter: restarting kernel|KernelRestarter: restart failed|Kernel \S+ died|Error starting kernel|Failed to start kernel/;

export function clip(text, maxLines = 15, maxChars = 2000) {
  let lines = String(text).replace(/\s+$/, '').split('\n');
  if (lines.length > maxLines) lines = [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more lines)`];
  const s = lines.join('\n');
  return s.length > maxChars ? s.slice(0, maxChars) + ' ...' : s;
}

// kernelFailure returns the kernel's own words from the server log written
// after offset (GoNB logs its fatal error to stderr, which JupyterLab's log
// collects), or '' when the log shows no dead kernel.
export function kernelFailure(logText, offset) {
  const text = logText.slice(offset).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  if (!KERNEL_DEATH.test(text)) return '';
  const lines = text.split('\n');
  const why = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/(Info|Warning|Error) message$/.test(l)) continue; // GoNB's start-up banner
    if (/^F\d{4} /.test(l) || /^\[E /.test(l) || /^\[C /.test(l)) {
      // glog's "F1128 20:33:37.342663  17708 main.go:231] [id] " prefix
      why.push(l.replace(/^F\d{4} [\d:.]+\s+\d+ \S+\] (\[\w+\] )?/, ''));
      // GoNB prints the cause on the next line, before the stack.
      if (/^F\d{4} /.test(l) && lines[i + 1] && !/^\s/.test(lines[i + 1])) why.push(lines[i + 1]);
    } else if (KERNEL_DEATH.test(l)) {
      why.push(l.replace(/^\[\w [\d-]+ [\d:.]+ \w+\] /, ''));
    }
  }
  // The same message from each restart: once (ids and ports aside).
  const seen = new Set();
  const unique = why.filter((l) => {
    const key = l.replace(/[0-9a-f]{8}(-[0-9a-f-]+)?|\d+/g, '#');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.slice(0, 8).join('\n');
}

export class Notebook {
  // page: a Playwright page; lab: the Lab; rel: path relative to the lab
  // root, e.g. "notebooks/index.ipynb"; say: progress printer.
  // sources: the cells' sources, read from the notebook file.
  constructor(page, lab, rel, sources, say) {
    this.page = page;
    this.sources = sources;
    this.lab = lab;
    this.rel = rel;
    this.name = rel.split('/').pop();
    this.say = say;
    this.panel = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  }

  // open opens the notebook and waits for its cells: in a JupyterLab already
  // loaded in the page, as a reader does (File > Open from Path...);
  // otherwise by loading JupyterLab at the notebook's URL (with a fresh
  // layout: ?reset).
  async open(timeoutMs, { inLoadedLab = false } = {}) {
    this.logOffset = this.lab.logText().length;
    if (inLoadedLab) {
      await this.page.locator('.lm-MenuBar-itemLabel', { hasText: /^File$/ }).click();
      await this.page.locator('.lm-Menu .lm-Menu-itemLabel', { hasText: /^Open from Path/ }).click();
      const dialog = this.page.locator('.jp-Dialog');
      await dialog.waitFor({ timeout: 15000 });
      await dialog.locator('input').fill(this.rel);
      await dialog.locator('button.jp-mod-accept').click();
      await dialog.waitFor({ state: 'detached', timeout: 15000 });
    } else {
      await this.page.goto(this.lab.url(`lab/tree/${this.rel}?reset`), { timeout: timeoutMs });
    }
    const tab = this.page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel');
    const end = Date.now() + timeoutMs;
    // Open when its tab is the current one and every cell is on the page
    // (JupyterLab adds the cells of a long notebook in batches).
    let title = '';
    let cells = 0;
    for (;;) {
      title = ((await tab.textContent({ timeout: timeoutMs }).catch(() => '')) || '').trim();
      cells = title === this.name ? await this.panel.locator('.jp-Notebook .jp-Cell').count() : 0;
      if (cells === this.sources.length) break;
      // Scrolling down makes JupyterLab add the cells still missing, as for
      // a reader who scrolls.
      if (cells > 0) await this.scroll('end');
      if (Date.now() > end) {
        throw new UIError(`JupyterLab did not open ${this.rel} within ${timeoutMs / 1000}s ` +
          `(current tab: "${title}", ${cells} of its ${this.sources.length} cells on the page)`);
      }
      await sleep(300);
    }
    await this.scroll('top');
  }

  // scroll moves the notebook's scrolling area to its top or its end.
  async scroll(where) {
    await this.panel.evaluate((panel, where) => {
      const el = Array.from(panel.querySelectorAll('*')).find((e) =>
        /(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 5);
      if (el) el.scrollTop = where === 'top' ? 0 : el.scrollHeight;
    }, where).catch(() => {});
  }

  async kernelName() {
    return ((await this.panel.locator('.jp-Toolbar-kernelName').textContent({ timeout: 5000 })) || '').trim();
  }

  async session() {
    const sessions = await this.lab.api('/api/sessions');
    return sessions.find((s) => s.path === this.rel) || null;
  }

  checkKernelAlive(when) {
    const why = kernelFailure(this.lab.logText(), this.logOffset);
    if (why) throw new UIError(`${this.name}: the kernel failed ${when}; JupyterLab's log says:`, why);
  }

  // selectKernel picks the kernel whose display name is `display` in
  // JupyterLab's "Select Kernel" dialog (opened from the notebook toolbar,
  // as a reader does), then waits until the new kernel is idle.
  async selectKernel(display, timeoutMs) {
    const end = Date.now() + timeoutMs;
    // Let the session settle: "No Kernel" while JupyterLab initialises it.
    for (;;) {
      this.checkKernelAlive('to start');
      const dialogOpen = await this.page.locator('.jp-Dialog').count();
      const name = await this.kernelName().catch(() => '');
      if (dialogOpen || (name && name !== 'No Kernel')) break;
      if (Date.now() > end) throw new UIError(`${this.name}: no kernel session after ${timeoutMs / 1000}s (toolbar shows "${name}")`);
      await sleep(300);
    }
    const before = (await this.session())?.kernel?.id;
    if (!(await this.page.locator('.jp-Dialog').count())) {
      await this.panel.locator('.jp-Toolbar-kernelName').click();
    }
    const dialog = this.page.locator('.jp-Dialog');
    await dialog.waitFor({ timeout: 15000 });
    const header = ((await dialog.locator('.jp-Dialog-header').textContent()) || '').trim();
    if (header !== 'Select Kernel') {
      throw new UIError(`${this.name}: expected the "Select Kernel" dialog, got "${header}"`, await dialog.innerText());
    }
    const options = await dialog.locator('select option').allTextContents();
    if (!options.some((o) => o.trim() === display)) {
      throw new UIError(`${this.name}: the kernel list has no "${display}" (is the gonb kernel installed? run scripts/setup.sh)`,
        `kernels offered: ${options.map((o) => o.trim()).join(', ')}`);
    }
    await dialog.locator('select').selectOption({ label: display });
    await dialog.locator('button.jp-mod-accept').click();
    await dialog.waitFor({ state: 'detached', timeout: 15000 });
    this.say(`${this.name}: selected "${display}" in the Select Kernel dialog; waiting for the kernel`);

    // Ready when the notebook's session has a new kernel, idle, and the
    // server log shows no kernel that died.
    for (;;) {
      this.checkKernelAlive('to start');
      const s = await this.session().catch(() => null);
      const k = s?.kernel;
      if (k && k.id !== before && k.execution_state === 'idle') {
        if (k.name !== 'gonb') throw new UIError(`${this.name}: the session runs kernel "${k.name}", want gonb`);
        this.kernel = k;
        break;
      }
      if (Date.now() > end) {
        throw new UIError(`${this.name}: kernel "${display}" did not become idle within ${timeoutMs / 1000}s ` +
          `(session: ${k ? `${k.name} ${k.execution_state}` : 'no kernel'})`, this.lab.logTail(15));
      }
      await sleep(500);
    }
    const shown = await this.kernelName();
    if (shown !== display) throw new UIError(`${this.name}: the toolbar shows kernel "${shown}", want "${display}"`);
    const bar = (await this.page.locator('.jp-StatusBar-Widget').allTextContents()).join(' ');
    if (!bar.includes(display)) throw new UIError(`${this.name}: the status bar does not show "${display}"`, bar);
    return shown;
  }

  // state reads every cell from the page. Cells are numbered from 0 over all
  // cells (markdown too), as in scripts/nbrun.py. textContent, not
  // innerText: JupyterLab skips rendering off-screen cells
  // (content-visibility), and innerText of those is empty.
  async state() {
    return this.panel.evaluate((panel) => {
      const status = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') || '';
      const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map((cell, index) => {
        const code = cell.classList.contains('jp-CodeCell');
        const prompt = code ? (cell.querySelector('.jp-InputArea .jp-InputPrompt')?.textContent || '').trim() : '';
        const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map((o) => {
          // The text a reader sees: without <style> blocks and without
          // GoNB's hover pop-ups that repeat the source around an error.
          const shown = o.cloneNode(true);
          shown.querySelectorAll('style, script, .gonb-err-context').forEach((e) => e.remove());
          return {
            mime: o.getAttribute('data-mime-type') || '',
            text: (shown.textContent || '').replace(/\n{3,}/g, '\n\n').trim(),
            gonbError: Boolean(o.querySelector('[class*="gonb-err"]')),
          };
        });
        return { index, code, prompt, outputs };
      });
      return { status, cells };
    }).then((st) => {
      // Sources from the notebook file (JupyterLab's editor renders only the
      // lines in view); the cells must be the file's cells.
      if (st.cells.length !== this.sources.length) {
        throw new UIError(`${this.name}: the page shows ${st.cells.length} cells, the file has ${this.sources.length}`);
      }
      st.cells.forEach((c, i) => { c.source = this.sources[i]; });
      return st;
    });
  }

  // runAll clicks Run > Run All Cells and waits until no cell is queued or
  // running and the kernel is idle. Prints each cell as it starts.
  async runAll(timeoutMs) {
    this.logOffset = this.lab.logText().length;
    await this.page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await this.page.locator('.lm-Menu .lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
    const t0 = Date.now();
    let started = false;
    let running = -1;
    let quiet = 0;
    for (;;) {
      this.checkKernelAlive('while the cells ran');
      const st = await this.state();
      const busy = st.cells.filter((c) => c.code && c.prompt.includes('*'));
      if (busy.length) started = true;
      if (busy.length && busy[0].index !== running) {
        running = busy[0].index;
        const done = st.cells.filter((c) => c.code && /^\[\d+\]/.test(c.prompt)).length;
        const total = st.cells.filter((c) => c.code).length;
        this.say(`${this.name}: cell ${running} running (${done}/${total} code cells done, ${((Date.now() - t0) / 1000).toFixed(0)}s)`);
      }
      if (!busy.length && (started || Date.now() - t0 > 10000) && st.status === 'idle') {
        // Twice in a row: the prompts and the indicator update separately.
        if (++quiet >= 2) {
          if (!started) throw new UIError(`${this.name}: Run All Cells did not start any cell`);
          return { seconds: (Date.now() - t0) / 1000, state: st };
        }
      } else {
        quiet = 0;
      }
      if (Date.now() - t0 > timeoutMs) {
        const where = busy.length ? `cell ${busy[0].index} still running` : `kernel status "${st.status}"`;
        throw new UIError(`${this.name}: cells not finished after ${timeoutMs / 1000}s (${where})`,
          busy.length ? clip(busy[0].outputs.map((o) => o.text).join('\n')) : '');
      }
      await sleep(1000);
    }
  }

  // errors lists what the page shows as failed: an error or stderr output
  // (JupyterLab renders both as application/vnd.jupyter.stderr), a stream
  // line of a crashed or non-zero-exit program, GoNB's compile-error report,
  // and code cells left without an execution count (not run: the run stopped
  // at an earlier error).
  static errors(state) {
    const found = [];
    let firstError = null;
    for (const c of state.cells) {
      if (!c.code) continue;
      const head = c.source.split('\n').find((l) => l.trim() && l.trim() !== '%%')?.trim().slice(0, 80) || '';
      for (const o of c.outputs) {
        let why = '';
        if (o.mime === 'application/vnd.jupyter.stderr') why = 'error output';
        else if (o.mime === 'application/vnd.jupyter.stdout' && STREAM_FAILURE.test(o.text)) why = 'crashed or exited non-zero';
        else if (o.gonbError || (/^text\/(html|markdown)$/.test(o.mime) && GO_COMPILER_LINE.test(o.text) && /Cell\[\d+\]: Line \d+/.test(o.text))) why = 'compile error';
        if (why) {
          found.push({ cell: c.index, why, head, text: clip(o.text) });
          if (firstError === null) firstError = c.index;
          break;
        }
      }
      if (!/^\[\d+\]/.test(c.prompt)) {
        const after = firstError !== null && firstError < c.index ? ` (the run stopped at cell ${firstError})` : '';
        found.push({ cell: c.index, why: `not run${after}`, head, text: '' });
      }
    }
    return found;
  }

  // images checks the PNG outputs one by one: scrolled into view, decoded
  // (naturalWidth > 0), of PNG data, and visible. Returns the visible count.
  async visibleImages() {
    const imgs = this.panel.locator('.jp-OutputArea-output[data-mime-type="image/png"] img');
    const n = await imgs.count();
    let visible = 0;
    for (let i = 0; i < n; i++) {
      const img = imgs.nth(i);
      await img.scrollIntoViewIfNeeded({ timeout: 10000 });
      const ok = await img.evaluate(async (el) => {
        if (!el.complete) await new Promise((r) => el.addEventListener('load', r, { once: true }));
        return el.src.startsWith('data:image/png') && el.naturalWidth > 0 && el.naturalHeight > 0;
      });
      const box = await img.boundingBox();
      if (ok && (await img.isVisible()) && box && box.width > 50 && box.height > 50) visible++;
    }
    return { total: n, visible };
  }

  // screenshot saves the viewport with the element `locator` at its top,
  // and a second picture of the whole notebook (the window made as tall as
  // the notebook, so nothing is scrolled away).
  async screenshots(locator, file, fullFile) {
    const page = this.page;
    if (locator && (await locator.count())) {
      await locator.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    }
    await sleep(500);
    await page.screenshot({ path: file });
    if (!fullFile) return;
    const vp = page.viewportSize();
    // The notebook's scrolling element: how much is hidden below the fold.
    await this.scroll('top');
    const hidden = await this.panel.evaluate((panel) => {
      const el = Array.from(panel.querySelectorAll('*')).find((e) =>
        /(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 5);
      return el ? el.scrollHeight - el.clientHeight : 0;
    });
    await page.setViewportSize({ width: vp.width, height: Math.min(vp.height + hidden, 16000) });
    await sleep(1000);
    await page.screenshot({ path: fullFile });
    await page.setViewportSize(vp);
  }
}
