// Does the page draw Chinese text with real glyphs? Without a CJK font,
// Chromium draws every Chinese character as the same "missing glyph" box
// (tofu). The check draws each Chinese character of a rendered element, in
// the element's own computed font, on a canvas, and compares the pixels with
// those of two code points no font has (U+0378, unassigned, and U+10FFFD, a
// private-use noncharacter), which always come out as that box. Canvas text
// goes through the same font fallback as the page's text.

// HAN matches one Chinese (Han) character.
export const HAN = /\p{Script=Han}/u;

// inPage runs in the page: el is the element, returns what was drawn.
function inPage(el) {
  const cs = getComputedStyle(el);
  const font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
  const px = Math.max(8, parseFloat(cs.fontSize) || 16);
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(px * 2);
  canvas.height = Math.ceil(px * 2);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const draw = (ch) => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = font;
    ctx.fillStyle = '#000';
    ctx.textBaseline = 'middle';
    ctx.fillText(ch, px * 0.25, px);
    const alpha = [];
    const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < d.length; i += 4) alpha.push(d[i]);
    return { alpha, ink: alpha.filter((a) => a > 0).length, width: ctx.measureText(ch).width };
  };
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const text = el.textContent || '';
  const chars = [...new Set(Array.from(text).filter((c) => /\p{Script=Han}/u.test(c)))];
  const tofu = ['\u0378', '\u{10FFFD}'].map(draw);
  const drawn = chars.map((ch) => {
    const g = draw(ch);
    return { ch, ink: g.ink, width: g.width, missing: g.ink === 0 || tofu.some((t) => same(t.alpha, g.alpha)) };
  });
  return { font, text: text.trim(), chars: drawn, tofuWidth: tofu[0].width };
}

// checkGlyphs checks the element `locator` (Playwright) shows Chinese text
// with real glyphs. Returns {ok, text, font, chars, missing, fonts}: fonts
// are the platform fonts Chromium used for the element (DevTools protocol),
// e.g. "Noto Sans CJK JP (5 glyphs), DejaVu Sans (25 glyphs)".
export async function checkGlyphs(page, locator) {
  await locator.scrollIntoViewIfNeeded();
  const r = await locator.evaluate(inPage);
  const missing = r.chars.filter((c) => c.missing).map((c) => c.ch);
  let fonts = '';
  try {
    const cdp = await page.context().newCDPSession(page);
    const mark = `fmkit-glyphs-${Date.now()}`;
    await locator.evaluate((el, m) => el.setAttribute('data-fmkit-glyphs', m), mark);
    const doc = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: doc.root.nodeId, selector: `[data-fmkit-glyphs="${mark}"]` });
    await cdp.send('CSS.enable');
    const pf = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    fonts = pf.fonts.map((f) => `${f.familyName} (${f.glyphCount} glyph${f.glyphCount === 1 ? '' : 's'})`).join(', ');
    await locator.evaluate((el) => el.removeAttribute('data-fmkit-glyphs'));
    await cdp.detach();
  } catch (e) {
    fonts = `(fonts not readable: ${e.message.split('\n')[0]})`;
  }
  return { ok: r.chars.length > 0 && missing.length === 0, text: r.text, font: r.font, chars: r.chars.map((c) => c.ch), missing, fonts };
}
