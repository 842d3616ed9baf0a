// Animations and live sliders as the page shows them: the GIF behind an
// <img> decoded to count its frames, and an fmkit slider (nb.Slider) moved
// with the keyboard while its cell runs, its figure's bytes compared before
// and after.

import crypto from 'node:crypto';

import { UIError } from './notebook.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// gifInfo reads the structure of a GIF file (a Buffer): its size, the
// number of frames (image descriptors) and their delays, and checks that
// every block is well formed up to the trailer. Throws on a malformed file.
export function gifInfo(buf) {
  const fail = (why) => {
    throw new Error(`not a well-formed GIF: ${why}`);
  };
  if (buf.length < 14) fail(`${buf.length} bytes`);
  const sig = buf.toString('latin1', 0, 6);
  if (sig !== 'GIF87a' && sig !== 'GIF89a') fail(`signature ${JSON.stringify(sig)}`);
  const width = buf.readUInt16LE(6);
  const height = buf.readUInt16LE(8);
  const table = (flags) => (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  let p = 13 + table(buf[10]);
  const subBlocks = () => {
    for (;;) {
      if (p >= buf.length) fail('truncated data sub-blocks');
      const n = buf[p++];
      if (n === 0) return;
      p += n;
    }
  };
  const delays = [];
  let frames = 0;
  let loops = null;
  let delay = 0;
  for (;;) {
    if (p >= buf.length) fail('no trailer');
    const b = buf[p++];
    if (b === 0x3b) break;
    if (b === 0x21) {
      const label = buf[p++];
      if (label === 0xf9 && buf[p] === 4) delay = buf.readUInt16LE(p + 2) * 10; // graphic control: delay in 1/100 s
      if (label === 0xff && buf.toString('latin1', p + 1, p + 12) === 'NETSCAPE2.0') loops = buf.readUInt16LE(p + 14);
      subBlocks();
    } else if (b === 0x2c) {
      if (p + 9 > buf.length) fail('truncated image descriptor');
      const w = buf.readUInt16LE(p + 4);
      const h = buf.readUInt16LE(p + 6);
      const flags = buf[p + 8];
      if (w === 0 || h === 0) fail(`frame ${frames} is ${w} x ${h}`);
      p += 9 + table(flags) + 1; // descriptor, local colour table, LZW code size
      subBlocks();
      frames++;
      delays.push(delay);
      delay = 0;
    } else {
      fail(`unknown block 0x${b.toString(16)} at byte ${p - 1}`);
    }
  }
  return { width, height, frames, delays, loops, bytes: buf.length };
}

// dataBytes returns the bytes of an <img>'s data: URL (null for another src).
export async function imgBytes(img) {
  const src = await img.getAttribute('src', { timeout: 10000 });
  const m = src && src.match(/^data:image\/[a-z+]+;base64,(.*)$/s);
  return m ? Buffer.from(m[1], 'base64') : null;
}

const md5 = (b) => crypto.createHash('md5').update(b).digest('hex').slice(0, 12);

// animations checks every image/gif output of the notebook: decoded in the
// page (naturalWidth > 0), more than one frame, at most maxBytes, and
// animated on screen (two screenshots of the image a moment apart differ).
export async function animations(nb, maxBytes) {
  const imgs = nb.panel.locator('.jp-OutputArea-output[data-mime-type="image/gif"] img');
  const n = await imgs.count();
  const found = [];
  for (let i = 0; i < n; i++) {
    const img = imgs.nth(i);
    await img.scrollIntoViewIfNeeded({ timeout: 10000 });
    const shown = await img.evaluate(async (el) => {
      if (!el.complete) await new Promise((r) => el.addEventListener('load', r, { once: true }));
      return el.naturalWidth > 0 && el.naturalHeight > 0;
    });
    if (!shown) throw new UIError(`${nb.name}: animation ${i + 1} of ${n} is not rendered (the browser could not decode it)`);
    const bytes = await imgBytes(img);
    if (!bytes) throw new UIError(`${nb.name}: animation ${i + 1} has no data: URL`);
    let info;
    try {
      info = gifInfo(bytes);
    } catch (e) {
      throw new UIError(`${nb.name}: animation ${i + 1}: ${e.message}`);
    }
    if (info.frames < 2) throw new UIError(`${nb.name}: animation ${i + 1} has ${info.frames} frame, want more than one`);
    if (info.bytes > maxBytes) throw new UIError(`${nb.name}: animation ${i + 1} is ${info.bytes} bytes, over the bound of ${maxBytes}`);
    // On screen: the picture changes while we look.
    let moving = false;
    const first = await img.screenshot();
    for (let k = 0; k < 10 && !moving; k++) {
      await sleep(250);
      moving = !first.equals(await img.screenshot());
    }
    if (!moving) throw new UIError(`${nb.name}: animation ${i + 1} (${info.frames} frames) does not change on screen over 2.5 s`);
    found.push({ ...info, md5: md5(bytes) });
  }
  return found;
}

// sliderCells returns the indices of the cells whose source shows an fmkit
// slider (nb.Slider{...}).
export function sliderCells(sources) {
  return sources.map((s, i) => (/\bnb\.Slider\{/.test(s) ? i : -1)).filter((i) => i >= 0);
}

// moveSlider waits, while the notebook runs, until the slider of cell
// `index` is live (its <input type="range"> is on the page and its status
// line says it listens), moves it with the keyboard (End, or Home when it
// is at its end already, as a reader would), and waits until the figure
// under it is replaced. Returns the figure's bytes before and after, the
// positions and the status lines. shots: {before, after} file names for
// screenshots of the cell's outputs. stopped() says to give up (the run
// ended or failed).
export async function moveSlider(nb, index, { timeoutMs, shots, stopped }) {
  const cell = nb.panel.locator('.jp-Notebook .jp-Cell').nth(index);
  const input = cell.locator('.jp-OutputArea-output input[type="range"]');
  const status = cell.locator('[data-fmkit-slider-status="live"]');
  const img = cell.locator('.jp-OutputArea-output[data-mime-type="image/png"] img');
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await input.count()) && (await status.count()) && (await img.count())) break;
    if (stopped()) throw new UIError(`${nb.name}: cell ${index} ended without a live slider (no <input type="range"> with a listening status line)`);
    if (Date.now() > end) throw new UIError(`${nb.name}: the slider of cell ${index} did not become live within ${timeoutMs / 1000}s`);
    await sleep(500);
  }
  const out = cell.locator('.jp-Cell-outputArea');
  await input.scrollIntoViewIfNeeded();
  const before = await imgBytes(img.last());
  const statusBefore = (await status.textContent()).trim();
  const pos = await input.evaluate((el) => ({ min: el.min, max: el.max, value: el.value }));
  if (shots) await out.screenshot({ path: shots.before });
  await input.focus();
  await nb.page.keyboard.press(pos.value === pos.max ? 'Home' : 'End');
  const value = await input.evaluate((el) => el.value);
  if (value === pos.value) throw new UIError(`${nb.name}: the slider of cell ${index} did not move (value ${value})`);
  let after = null;
  let statusAfter = '';
  for (;;) {
    after = await imgBytes(img.last()).catch(() => null);
    const listening = (await status.count()) > 0;
    statusAfter = listening ? ((await status.textContent().catch(() => '')) || '').trim() : '';
    if (after && !after.equals(before) && statusAfter !== statusBefore) break;
    if (!listening) {
      // The slider stopped (its cell ended): nothing will replace the figure now.
      throw new UIError(`${nb.name}: cell ${index}: the slider moved from position ${pos.value} to ${value}, but the figure was not replaced ` +
        `before the slider stopped listening (figure ${md5(before)} before, ${after ? md5(after) : 'none'} after)`);
    }
    if (Date.now() > end) {
      throw new UIError(`${nb.name}: cell ${index}: the slider moved from position ${pos.value} to ${value}, but the figure was not replaced ` +
        `within ${timeoutMs / 1000}s`, `status: ${statusAfter}`);
    }
    await sleep(300);
  }
  await sleep(300); // the image element has loaded its new source
  if (shots) await out.screenshot({ path: shots.after });
  return {
    from: pos.value, to: value, range: `${pos.min}..${pos.max}`,
    before: { bytes: before.length, md5: md5(before) }, after: { bytes: after.length, md5: md5(after) },
    statusBefore, statusAfter,
  };
}
