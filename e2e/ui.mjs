// Helpers for the instrument layout: each mode shows its own views by default (the rest one click
// away in #view-picker), and the sandbox's tools live in the #tools drawer.

/**
 * Click the language button and wait until the page is in the other language: the Japanese
 * texts are fetched the first time (web/src/i18n.rs, `JA_FILE`), so the switch is not
 * synchronous with the click.
 */
export async function switchLang(page) {
  const before = await page.evaluate(() => document.documentElement.lang);
  await page.click('#lang');
  await page.waitForFunction((b) => document.documentElement.lang !== b, before);
}

/**
 * Show views through the view picker (all of them when `ids` is omitted), as a user would click
 * them; a page without a picture (lesson index, empty trace mode, a lesson frame) is returned as is.
 */
export async function showViews(page, ids) {
  if ((await page.locator('#view-picker').count()) === 0) return page;
  const wanted = ids ?? (await page.$$eval('#view-picker [data-view-toggle]', (l) => l.map((e) => e.dataset.viewToggle)));
  for (const id of wanted) {
    const chip = page.locator(`#view-picker [data-view-toggle="${id}"]`);
    if ((await chip.getAttribute('aria-pressed')) === 'false') {
      await chip.click();
      await page.waitForSelector(`#view-picker [data-view-toggle="${id}"][aria-pressed="true"]`);
    }
  }
  return page;
}

/** Open the sandbox's tools drawer (common operations, workload, configuration, script). */
export async function openTools(page) {
  if (!(await page.$eval('#tools', (d) => d.open))) await page.click('#tools > summary');
}

/** True when the element's box lies inside the viewport (at least `min` px of it on each axis). */
export async function inViewport(scope, selector, min = 1) {
  return scope.locator(selector).first().evaluate((el, min) => {
    const r = el.getBoundingClientRect();
    const w = window.innerWidth, h = window.innerHeight;
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.top + min <= h && r.left + min <= w && r.right <= w + 0.5;
  }, min);
}

/** No horizontal overflow: the document is no wider than the window. */
export async function noHorizontalOverflow(scope) {
  return scope.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth);
}

// s6-frame (#14): the cache view draws a slab's object cells as one `path.cells` per state, not an
// element per object. Every test reads and clicks object cells through these helpers (the one
// place that knows how they are drawn): a row `g.slab-row` carries its cells as text
// (`data-cells`: u used, f free, c on a CPU freelist, k cached), its first address and stride,
// and the cells' x origin and width in the svg's coordinates; the app hit-tests the pointer.

/** Selector of a drawn object cell (any state) in the sandbox's cache view. */
export const CACHE_CELLS = '#cache-svg path.cells';

/**
 * In the page: the object cells under `scope` (a CSS selector of svgs, rows or containers), of
 * `state` (`used`, `free`, `cpufree`, `cached`, or several comma-separated; all when empty), in
 * row order, with their centre in client coordinates.
 */
function cellsInPage([scope, state]) {
  const names = { u: 'used', f: 'free', c: 'cpufree', k: 'cached' };
  const want = state ? state.split(',') : null;
  const out = [];
  const rows = new Set();
  for (const root of document.querySelectorAll(scope)) {
    if (root.matches('g.slab-row[data-cells]')) rows.add(root);
    for (const g of root.querySelectorAll('g.slab-row[data-cells]')) rows.add(g);
  }
  for (const g of rows) {
    const codes = g.dataset.cells;
    const first = BigInt(g.dataset.first);
    const stride = BigInt(g.dataset.stride);
    const x0 = Number(g.dataset.x0);
    const cw = Number(g.dataset.cw);
    const m = g.getScreenCTM();
    for (let i = 0; i < codes.length; i++) {
      const st = names[codes[i]];
      if (want && !want.includes(st)) continue;
      // The cells' band: y 10..24 in the row (cache_view.rs CELL_Y, CELL_H).
      const p = m ? new DOMPoint(x0 + (i + 0.5) * cw, 17).matrixTransform(m) : { x: NaN, y: NaN };
      out.push({ pfn: Number(g.dataset.pfn), index: i, addr: `0x${(first + BigInt(i) * stride).toString(16)}`, state: st, x: p.x, y: p.y });
    }
  }
  return out;
}
export { cellsInPage };

/** The object cells (see `cellsInPage`): `{ pfn, index, addr, state, x, y }`. */
export async function cacheCells(page, { scope = '#cache-svg', state = '' } = {}) {
  return page.evaluate(cellsInPage, [scope, state]);
}

/** How many object cells are drawn under `scope` (of `state`). */
export async function countCells(page, { scope = '#cache-svg', state = '' } = {}) {
  return (await cacheCells(page, { scope, state })).length;
}

/**
 * Pick one object cell (filters: `state`, `index`, `addr`, `pfn`; then the `nth` match, or the
 * `last`), scroll its row into view, wait for the rows to stop gliding, and click it (or only
 * `hover` it) with the real pointer. Returns the cell (its `addr`, `index`, `state`, `pfn`).
 */
export async function clickCell(page, { scope = '#cache-svg', state = '', index, addr, pfn, nth = 0, last = false, hover = false, force } = {}) {
  void force; // (locator.click's option; the pointer is used directly)
  const pick = async () => {
    let cells = await cacheCells(page, { scope, state });
    if (index !== undefined) cells = cells.filter((c) => c.index === index);
    if (addr !== undefined) cells = cells.filter((c) => c.addr === addr);
    if (pfn !== undefined) cells = cells.filter((c) => c.pfn === Number(pfn));
    const c = last ? cells.at(-1) : cells[nth % Math.max(1, cells.length)];
    if (!c) throw new Error(`no object cell ${JSON.stringify({ scope, state, index, addr, pfn, nth, last })} (of ${cells.length})`);
    return c;
  };
  const c0 = await pick();
  await page.evaluate(([scope, pfn]) => {
    for (const root of document.querySelectorAll(scope)) {
      const g = root.matches(`g.slab-row[data-pfn="${pfn}"]`) ? root : root.querySelector(`g.slab-row[data-pfn="${pfn}"]`);
      if (g) { g.scrollIntoView({ block: 'center', inline: 'nearest' }); return; }
    }
  }, [scope, c0.pfn]);
  // Rows glide to a new list (a CSS transition): wait until none is running.
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || !a.effect?.target?.closest?.('svg')), null, { timeout: 5000 }).catch(() => {});
  const c = await pick();
  if (hover) await page.mouse.move(c.x, c.y);
  else await page.mouse.click(c.x, c.y);
  return c;
}

/** The inspector's bytes marked `cls` (a byte kind, `corrupt` or `obj-start`): the hex dump is
 * text with a `span.hb` per run of bytes of one kind (#14), each with `data-offset` and
 * `data-len`. Returns `{ count, runs: [{ offset, len, text }] }`, `count` the bytes of those runs
 * (for `obj-start`: the runs, one per object). */
export async function hexBytes(page, cls) {
  return page.$$eval(`#hexdump .hb.${cls}`, (els, cls) => {
    const runs = els.map((e) => ({ offset: Number(e.dataset.offset), len: Number(e.dataset.len), text: e.textContent }));
    return { runs, count: cls === 'obj-start' ? runs.length : runs.reduce((a, r) => a + r.len, 0) };
  }, cls);
}
