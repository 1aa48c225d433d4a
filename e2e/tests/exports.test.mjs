// Exports: the memory map, the buddy free lists, /proc/buddyinfo and the session charts export
// as SVG and PNG like the slab views, and every exported file is named after what it shows:
// the lesson id or the mode, the view and the step (`sandbox-memory-map-step-8.svg`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SCREENSHOT_DIR, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { CACHE_CELLS, showViews } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };

// "step 5 / 20 · operation 2 / 8" (or ステップ …): the first number pair is the step.
const stepOf = async (page) => Number(/(\d+) \/ \d+/.exec(await page.textContent('#step-counter'))[1]);

async function grab(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return [dl.suggestedFilename(), readFileSync(await dl.path())];
}

const isPng = (b) => b.length > 2000 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

/** Export `view` as SVG and PNG; check the names; keep both in target/e2e/ to look at. */
async function exportBoth(page, view, prefix, step) {
  const [svgName, svg] = await grab(page, `#export-svg-${view}`);
  assert.equal(svgName, `${prefix}-${view}-step-${step}.svg`);
  const text = svg.toString();
  assert.match(text, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, `${view}: an SVG document`);
  assert.doesNotMatch(text, /foreignObject/, `${view}: plain SVG (so it draws on a canvas)`);
  const [pngName, png] = await grab(page, `#export-png-${view}`);
  assert.equal(pngName, `${prefix}-${view}-step-${step}.png`);
  assert.ok(isPng(png), `${view}: a PNG with content`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  writeFileSync(join(SCREENSHOT_DIR, `export-${svgName}`), svg);
  writeFileSync(join(SCREENSHOT_DIR, `export-${pngName}`), png);
  return text;
}

test('sandbox: memory map, free lists, buddyinfo and charts export as SVG and PNG, named by mode, view and step', opts, async (t) => {
  const page = await showViews(await openApp(t));
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  const step = await stepOf(page);
  assert.ok(step > 0);
  const map = await exportBoth(page, 'memory-map', 'sandbox', step);
  assert.match(map, /class="[^"]*block/, "the map blocks");
  assert.match(map, /<pattern id="pat-free"/, 'its patterns travel with it');
  assert.match(map, /fill:\s*(rgb|url)\(/, 'styles inlined');
  const lists = await exportBoth(page, 'free-lists', 'sandbox', step);
  assert.match(lists, /<text[^>]*>free_area\[0\]<\/text>/, 'the free lists as text');
  assert.doesNotMatch(lists, />SVG<\/text>/, 'the export buttons are not in the picture');
  const info = await exportBoth(page, 'buddyinfo', 'sandbox', step);
  assert.match(info, /Node 0, zone/);
  for (const chart of ['timeline-chart', 'orders-chart', 'frag-chart', 'nr-free-chart']) {
    const svg = await exportBoth(page, chart, 'sandbox', step);
    assert.match(svg, /<polyline|<rect/, `${chart}: the data`);
  }
  // The slab views are named the same way (they were `cache.svg` before).
  await page.fill('#command', 'repeat 8 { kmalloc 64 as=p[] }');
  await page.press('#command', 'Enter');
  await page.waitForSelector(CACHE_CELLS);
  const now = await stepOf(page);
  await exportBoth(page, 'cache', 'sandbox', now);
  const [txt] = await grab(page, '#export-slabinfo');
  assert.equal(txt, `sandbox-slabinfo-step-${now}.txt`);
  await finish(t, page, 'exports-sandbox');
});

test('lesson and trace exports are named after the lesson id or the mode', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'buddy-split', lstep: 3 } });
  await page.waitForSelector('#lesson-player');
  const step = await stepOf(page);
  await exportBoth(page, 'free-lists', 'buddy-split', step);
  await exportBoth(page, 'buddyinfo', 'buddy-split', step);
  // Japanese, dark: the PNG keeps the theme (saved in target/e2e/ to look at).
  const ja = await openApp(t, { colorScheme: 'dark', query: { lesson: 'buddy-split', lstep: 3, lang: 'ja' } });
  await ja.waitForSelector('#lesson-player');
  const s = await stepOf(ja);
  await exportBoth(ja, 'memory-map', 'buddy-split', s);
  await exportBoth(ja, 'free-lists', 'buddy-split', s);
  await finish(t, ja, 'exports-lesson-ja-dark');
  const tr = await openApp(t);
  await tr.click('#mode-trace');
  await tr.setInputFiles('#trace-file', join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'));
  await tr.waitForFunction(() => /2000 events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 30_000 });
  const [name] = await grab(tr, '#export-svg-memory-map');
  assert.match(name, /^trace-memory-map-step-\d+\.svg$/);
  await finish(t, page, 'exports-lesson');
});
