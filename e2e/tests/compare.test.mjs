// Compare mode (issue #19): one script under 2–4 configurations in columns that share one cursor,
// the difference charts and the table at the cursor, the selection shared by object name, the
// snapshot diff of two /proc/slabinfo (and /proc/buddyinfo) files, the URL round trip, an embed,
// and axe on the mode (English, Japanese, dark, phone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { deflateRawSync } from 'node:zlib';
import { TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { clickCell, countCells } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const SCRIPT = `kmalloc 64 as=a
kmalloc 64 as=b
kmalloc 192 as=c
kfree a
kmalloc 64 as=d
repeat 30 { kmalloc 64 as=p[] }
kfree b
`;
const OPS = 36;
const s = deflateRawSync(Buffer.from(SCRIPT)).toString('base64url');
const hash = (extra = '') => `#mode=compare&cfg=mem=1M&s=${s}&compare=slab=slub|slab=slab${extra}`;

const ops = (page, i) => page.getAttribute(`#compare-col-${i}`, 'data-ops').then(Number);
const position = (page) => page.getAttribute('#compare-counter', 'data-position').then(Number);
const waitPos = (page, n) =>
  page.waitForFunction((n) => document.querySelector('#compare-counter')?.dataset.position === String(n), n);

async function axeClean(page, label) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_PATH });
  const bad = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(bad, [], `axe (${label})`);
}

test('columns share one cursor: buttons, keys and the scrubber move every column to the same op', opts, async (t) => {
  const page = await openApp(t, { path: hash('&cpos=2'), viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-columns');
  assert.equal(await page.getAttribute('#mode-compare', 'aria-selected'), 'true');
  assert.equal(await page.locator('.compare-column').count(), 2);
  assert.equal(await position(page), 2);
  assert.equal(await page.getAttribute('#compare-counter', 'data-total'), String(OPS));
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [2, 2]);
  await page.click('#compare-next');
  await waitPos(page, 3);
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [3, 3]);
  assert.match(await page.textContent('#compare-op'), /kmalloc 192 as=c/);
  // The page's step keys move the shared cursor in this mode.
  await page.locator('#compare-title').click();
  await page.keyboard.press('ArrowLeft');
  await waitPos(page, 2);
  await page.keyboard.press('End');
  await waitPos(page, OPS);
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [OPS, OPS]);
  await page.locator('#compare-scrub').fill('10');
  await waitPos(page, 10);
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [10, 10]);
  // Each column is its own run: SLUB and classic SLAB draw different caches' slabs.
  assert.ok((await page.locator('#compare-col-0 [data-compare-view="memory"] svg rect').count()) > 0);
  const slab0 = await countCells(page, { scope: '#compare-col-0' });
  const slab1 = await countCells(page, { scope: '#compare-col-1' });
  assert.ok(slab0 > 0 && slab1 > 0, 'both columns draw the selected cache');
  // The table at the cursor: values per column, the delta of column 2 marked with a sign.
  const slabRow = page.locator('#compare-table tr[data-measure="slab_pages"]');
  const v0 = Number(await slabRow.locator('td[data-col="0"]').getAttribute('data-value'));
  const v1 = Number(await slabRow.locator('td[data-col="1"]').getAttribute('data-value'));
  const d1 = Number(await slabRow.locator('td[data-col="1"]').getAttribute('data-delta'));
  assert.equal(d1, v1 - v0);
  const opsRow = page.locator('#compare-table tr[data-measure="ops"] td[data-col="1"]');
  assert.equal(await opsRow.getAttribute('data-value'), '10');
  assert.match(await opsRow.textContent(), /±0/);
  // Seven difference charts, one line per configuration, told apart by dash pattern too.
  assert.equal(await page.locator('.compare-chart').count(), 7);
  const lines = page.locator('.compare-chart[data-measure="slab_pages"] polyline');
  assert.equal(await lines.count(), 2);
  assert.notEqual(await lines.nth(0).getAttribute('stroke-dasharray'), await lines.nth(1).getAttribute('stroke-dasharray'));
  // The URL keeps the configurations and the cursor.
  await page.waitForFunction(() => /cpos=10/.test(location.hash));
  assert.match(await page.evaluate(() => location.hash), /compare=slab=slub\|slab=slab/);
  await finish(t, page, 'compare-1366');
});

// A real pointer click (page.mouse at the cell's centre, after scrolling it into view). The s4 todo
// clicked `rect.cell.used` anywhere in the column, whose last match is the legend's swatch (no
// data-addr): the hit-testing was right, the selector was not.
test('the same object name selected in one column is highlighted in every column', opts, async (t) => {
  const page = await openApp(t, { path: hash('&cpos=5'), viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-col-1 path.cells');
  // The cells are paths (one per state): the point is on the used-cells path of the cell's slab.
  const cell = await clickCell(page, { scope: '#compare-col-0 svg.cache-svg', state: 'used', last: true, hover: true });
  const hit = await page.evaluate(({ x, y }) => {
    const el = document.elementFromPoint(x, y);
    return el?.matches('path.cells.used') ? Number(el.closest('g.slab-row').dataset.pfn) : null;
  }, cell);
  assert.equal(hit, cell.pfn, 'the cell is what the pointer hits');
  const box = { x: cell.x, y: cell.y, width: 0, height: 0 };
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  assert.equal(await page.getAttribute('#compare-col-0 rect.hl-object', 'data-addr'), cell.addr, 'the hit-tested object is selected');
  await page.waitForSelector('#compare-col-0 .compare-picked');
  const picked = await page.textContent('#compare-col-0 .compare-picked');
  const name = picked.match(/: (\S+)$/)?.[1];
  assert.ok(name, `a named object: ${picked}`);
  assert.match(await page.textContent('#compare-col-1 .compare-picked'), new RegExp(`every column: ${name.replace(/[[\]]/g, '\\$&')}`));
  const sel1 = await page.getAttribute('#compare-col-1', 'data-selected');
  assert.match(sel1, /Object/, 'resolved to an object in column 2');
  const addr1 = BigInt(sel1.match(/addr: (\d+)/)[1]);
  assert.equal(
    await page.locator(`#compare-col-1 rect.hl-object[data-addr="0x${addr1.toString(16)}"]`).count(),
    1,
    'outlined in the other column at its own address',
  );
  // Hover is shared by name too: the pointer over a named cell in column 1 outlines it in column 2.
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2); // clear the selection
  await page.waitForFunction(() => !document.querySelector('#compare-col-1').dataset.selected);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => /Object/.test(document.querySelector('#compare-col-1').dataset.hovered ?? ''));
  const hov1 = BigInt((await page.getAttribute('#compare-col-1', 'data-hovered')).match(/addr: (\d+)/)[1]);
  assert.equal(hov1, addr1, 'the same name hovered resolves to the same object as selected');
  assert.equal(await page.locator(`#compare-col-1 rect.hl-object[data-addr="0x${hov1.toString(16)}"]`).count(), 1);
  // The cursor moves: the name is looked up again in every column.
  await page.click('#compare-end');
  await waitPos(page, OPS);
  assert.match(await page.getAttribute('#compare-col-1', 'data-selected') ?? '', /Object|^$/);
  await finish(t, page, 'compare-selection');
});

const SLAB_A = `slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
kmalloc-64          1024   1024     64   64    1 : tunables    0    0    0 : slabdata     16     16      0
dentry               210    210    192   21    1 : tunables    0    0    0 : slabdata     10     10      0
`;
const SLAB_B = `slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
kmalloc-64          2000   2048     64   64    1 : tunables    0    0    0 : slabdata     32     32      0
dentry               200    210    192   21    1 : tunables    0    0    0 : slabdata     10     10      0
task_struct           10     14   2304   14    8 : tunables    0    0    0 : slabdata      1      1      0
`;
const BUDDY_A = 'Node 0, zone   Normal    10     8     4     2     1     0     0     0     0     0     1\n';
const BUDDY_B = 'Node 0, zone   Normal     4     8     5     2     1     0     0     0     0     0     0\n';
const file = (name, text) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });

test('snapshot diff: per-cache deltas sorted by change, per-order buddy deltas, located errors', opts, async (t) => {
  const page = await openApp(t, { path: '#mode=compare', viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-diff');
  await page.setInputFiles('#diff-slab-a', file('before.slabinfo', SLAB_A));
  await page.setInputFiles('#diff-slab-b', file('after.slabinfo', SLAB_B));
  await page.waitForSelector('#diff-slab-table');
  const names = await page.$$eval('#diff-slab-table tbody tr', (rows) => rows.map((r) => r.dataset.cache));
  // task_struct: +8 pages (32 KiB) vs kmalloc-64: +16 pages (64 KiB); dentry unchanged.
  assert.deepEqual(names, ['kmalloc-64', 'task_struct', 'dentry']);
  const k = page.locator('#diff-slab-table tr[data-cache="kmalloc-64"] td');
  assert.deepEqual(await k.evaluateAll((c) => c.map((x) => x.dataset.delta)), ['976', '1024', '16', String(16 * 4096)]);
  assert.match(await k.nth(0).textContent(), /▲ \+976/);
  assert.match(await page.textContent('#diff-slab-table tr[data-cache="dentry"]'), /▼ −10/);
  assert.match(await page.textContent('#diff-slab-table tr[data-cache="task_struct"] th'), /new/);
  assert.equal(await page.locator('#diff-chart-svg rect.bar').count(), 2);
  await page.setInputFiles('#diff-buddy-a', file('before.buddyinfo', BUDDY_A));
  await page.setInputFiles('#diff-buddy-b', file('after.buddyinfo', BUDDY_B));
  await page.waitForSelector('#diff-buddy-table');
  const cells = await page.$$eval('#diff-buddy-table tr[data-zone="0-Normal"] td', (c) => c.map((x) => x.dataset.delta));
  assert.deepEqual(cells, ['-6', '0', '1', '0', '0', '0', '0', '0', '0', '0', '-1', String(-6 + 4 - 1024)]);
  await finish(t, page, 'compare-diff');
  // A bad file: the error names the file, line and column; the last good diff is not shown as its result.
  await page.setInputFiles('#diff-slab-b', file('broken.slabinfo', SLAB_A + 'kmalloc-8 12 x 8 512 1 : tunables 0 0 0 : slabdata 1 1 0\n'));
  await page.waitForFunction(() => document.querySelector('#diff-errors').textContent.length > 0);
  assert.match(await page.textContent('#diff-errors'), /^broken\.slabinfo:5:\d+: /);
  assert.equal(await page.locator('#diff-slab-table').count(), 0);
});

test('bad compare= values are reported with the policy table; a good link round-trips', opts, async (t) => {
  const page = await openApp(t, { path: '#mode=compare&compare=slab=slub|slab=slb&cpos=x' });
  const errors = await page.textContent('#param-errors');
  assert.match(errors, /configuration 2 `slab=slb`: 1:6: .*expected slub, sheaves, slab, aether, slob/);
  assert.equal(await page.locator('#compare-columns').count(), 0, 'nothing ran');
  // Four columns from the form, then the copied address opens the same comparison.
  await page.click('#compare-add');
  await page.click('#compare-add');
  assert.equal(await page.isDisabled('#compare-add'), true, 'at most four');
  await page.selectOption('#compare-policy-2', 'slob');
  await page.fill('#compare-cfg-3', 'slab=slub percpu=magazine cpus=2');
  await page.press('#compare-cfg-3', 'Tab');
  await page.click('#compare-run');
  await page.waitForSelector('#compare-col-3');
  // Beside a comparison the snapshot diff is folded under its heading (the columns come first).
  assert.equal(await page.$eval('#compare-diff', (d) => d.open), false);
  assert.equal(await page.isVisible('#diff-slab-a'), false);
  await page.click('#compare-diff > summary');
  assert.equal(await page.isVisible('#compare-diff .diff-files'), true);
  await page.waitForFunction(() => /compare=/.test(location.hash));
  const url = await page.evaluate(() => location.href);
  assert.match(url, /compare=slab=slub\|slab=slab\|slab=slob\|slab=slub,percpu=magazine,cpus=2/);
  const again = await openApp(t, { path: url.slice(url.indexOf('#')) });
  await again.waitForSelector('#compare-col-3');
  assert.equal(await again.locator('.compare-column').count(), 4);
  assert.equal(await again.inputValue('#compare-cfg-3'), 'slab=slub percpu=magazine cpus=2');
  await finish(t, again, 'compare-four');
});

test('axe: compare mode in English and Japanese, light, dark and on a phone', opts, async (t) => {
  const page = await openApp(t, { path: hash('&cpos=8'), viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-columns');
  await clickCell(page, { scope: '#compare-col-0 svg.cache-svg', state: 'used' });
  await axeClean(page, 'en light');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  assert.match(await page.textContent('#compare-title'), /実行を並べて比較/);
  await axeClean(page, 'ja');
  await finish(t, page, 'compare-ja');
  const dark = await openApp(t, { path: hash('&cpos=8'), colorScheme: 'dark', viewport: { width: 1366, height: 768 } });
  await dark.waitForSelector('#compare-columns');
  await axeClean(dark, 'dark');
  await finish(t, dark, 'compare-dark');
  const phone = await openApp(t, { path: hash('&cpos=8'), viewport: { width: 390, height: 844 } });
  await phone.waitForSelector('#compare-columns');
  assert.ok(await phone.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth), 'no horizontal overflow');
  await axeClean(phone, 'phone');
  await finish(t, phone, 'compare-phone');
});

test('a lesson opens Compare mode on its configurations; an embed accepts compare=', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'slab-vs-slub' }, viewport: { width: 1366, height: 768 } });
  await page.click('#lesson-compare');
  await page.waitForSelector('#compare-columns');
  assert.equal(await page.getAttribute('#mode-compare', 'aria-selected'), 'true');
  // At the end of the lesson's first step (100 kmalloc), in both columns.
  assert.equal(await position(page), 100);
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [100, 100]);
  const slabs = page.locator('#compare-table tr[data-measure="slab_pages"] td');
  assert.deepEqual(await slabs.evaluateAll((c) => c.map((x) => x.dataset.value)), ['4', '4'], 'lesson 18 step 1: 4 slabs each');
  const frame = await openApp(t, {
    query: { embed: 1, lesson: 'slab-vs-slub', compare: 'slab=slub|slab=slab', cpos: 301, lang: 'ja' },
    viewport: { width: 720, height: 480 },
  });
  await frame.waitForSelector('#compare-columns');
  assert.equal(await frame.locator('#compare-form').count(), 0, 'no set-up form in a frame');
  assert.equal(await frame.locator('#param-errors').count(), 0);
  assert.equal(await position(frame), 301);
  // Lesson 18's last step: SLUB 8 slab pages, SLAB 7.
  const end = frame.locator('#compare-table tr[data-measure="slab_pages"] td');
  assert.deepEqual(await end.evaluateAll((c) => c.map((x) => x.dataset.value)), ['8', '7']);
  assert.match(await end.nth(1).textContent(), /▼ −1/);
  await axeClean(frame, 'embed ja');
  // s13: the frame is the screen: the columns' pictures (their memory maps, side by side) and the
  // cursor that explains them are in view at once; the table at the cursor is a scroll away.
  await embedShowsPicture(frame, '720×480');
  await finish(t, frame, 'compare-embed-720');
  const small = await openApp(t, {
    query: { embed: 1, lesson: 'slab-vs-slub', compare: 'slab=slub|slab=slab', cpos: 150 },
    viewport: { width: 480, height: 360 },
  });
  await small.waitForSelector('#compare-col-1 .memory-map > svg');
  await embedShowsPicture(small, '480×360');
  // s14: the map's hint is its short form in a small frame's columns, the long one elsewhere.
  const hint = async (p, sel) => p.locator(`#compare-col-0 .page-details ${sel}`).isVisible();
  assert.deepEqual([await hint(small, '.hint-short'), await hint(small, '.hint-long')], [true, false], '480×360: short hint');
  assert.deepEqual([await hint(frame, '.hint-short'), await hint(frame, '.hint-long')], [false, true], '720×480: long hint');
  await axeClean(small, 'embed 480');
  await finish(t, small, 'compare-embed-480');
  // The same small frame in Japanese and the dark theme.
  const dark = await openApp(t, {
    query: { embed: 1, lesson: 'slab-vs-slub', compare: 'slab=slub|slab=slab', cpos: 150, lang: 'ja' },
    viewport: { width: 480, height: 360 },
    colorScheme: 'dark',
  });
  await embedShowsPicture(dark, '480×360 ja dark');
  assert.equal(await dark.getAttribute('html', 'lang'), 'ja');
  // The dark theme applies: the column's background is dark (sum of RGB under 3 × 80).
  const bg = await dark.locator('#compare-col-0').evaluate((e) => getComputedStyle(e).backgroundColor);
  const rgb = bg.match(/\d+/g).slice(0, 3).map(Number);
  assert.ok(rgb[0] + rgb[1] + rgb[2] < 240, `dark column background (${bg})`);
  await axeClean(dark, 'embed 480 ja dark');
  await finish(t, dark, 'compare-embed-480-ja-dark');
});

/** In a compare frame: both columns' memory maps and the cursor's counter are on the first screen. */
async function embedShowsPicture(frame, size) {
  await frame.waitForSelector('#compare-col-1 .memory-map > svg');
  for (const sel of ['#compare-counter', '#compare-col-0 .memory-map > svg', '#compare-col-1 .memory-map > svg']) {
    assert.ok(await inViewport(frame, sel, 60), `${size}: ${sel} on the first screen`);
  }
  // Side by side: the second column starts level with the first, not under it.
  const [a, b] = await Promise.all([0, 1].map((i) => frame.locator(`#compare-col-${i}`).boundingBox()));
  assert.ok(Math.abs(a.y - b.y) < 2 && b.x > a.x, `${size}: columns side by side (${JSON.stringify([a, b])})`);
  assert.ok(await noHorizontalOverflow(frame), `${size}: no horizontal overflow`);
  // The frame does not scroll as a page; the panel's body does (the table below the columns).
  assert.ok(await frame.evaluate(() => document.scrollingElement.scrollHeight <= innerHeight + 1), `${size}: the page does not scroll`);
  assert.ok(await frame.locator('#compare-table').count(), `${size}: the table is there`);
}

// ---- s6-compare (#19): seeded workloads (cwl=), the sliced build, traces, the one-screen layout ----
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness.mjs';
import { inViewport, noHorizontalOverflow } from '../ui.mjs';
import { load } from '../trace-ui.mjs';

const CWL = '#mode=compare&compare=slab=slub|slab=slab&cwl=1,2000,mixed';

test('cwl=: a seeded workload runs in every column (the demo machine is not its base)', opts, async (t) => {
  const page = await openApp(t, { path: CWL, viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-columns .compare-column');
  assert.equal(await page.textContent('#compare-error'), '');
  assert.equal(await page.getAttribute('#compare-counter', 'data-total'), '2000');
  assert.equal(await position(page), 2000, 'the cursor opens at the end');
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [2000, 2000]);
  assert.equal(await page.isChecked('#compare-source-workload'), true);
  assert.equal(await page.inputValue('#compare-wl-count'), '2000');
  // The same link with a cursor, and the address keeps the workload.
  const again = await openApp(t, { path: `${CWL}&cpos=700`, viewport: { width: 1366, height: 768 } });
  await again.waitForSelector('#compare-columns .compare-column');
  assert.deepEqual([await ops(again, 0), await ops(again, 1)], [700, 700]);
  await again.waitForFunction(() => /cwl=1,2000,mixed/.test(location.hash) && /cpos=700/.test(location.hash));
});

test('cwl=: a generated op that fails names its number, its text and the configuration', opts, async (t) => {
  // A 128 KiB machine cannot hold the mixed workload's slab caches: some op runs out of memory.
  const page = await openApp(t, { path: '#mode=compare&compare=slab=slub,mem=128K|slab=slab,mem=128K&cwl=1,2000,mixed' });
  await page.waitForFunction(() => document.querySelector('#compare-error')?.textContent.length > 0);
  const text = await page.textContent('#compare-error');
  assert.match(text, /^workload op \d+ `[^`]+`: .+ \(under configuration \d `slab=sl[au]b mem=128K`\)$/);
  assert.doesNotMatch(text, /^0:/, 'no meaningless line 0');
  assert.equal(await page.locator('#compare-columns').count(), 0);
});

test('a big comparison builds in slices with progress; Cancel keeps the comparison shown', opts, async (t) => {
  const page = await openApp(t, { path: CWL, viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-columns .compare-column');
  await page.click('.compare-setup > summary');
  await page.fill('#compare-wl-count', '200000');
  await page.press('#compare-wl-count', 'Tab');
  await page.click('#compare-run');
  await page.waitForSelector('#compare-progress progress');
  // The page answers between slices: the progress moves while the old columns stay.
  const first = Number(await page.getAttribute('#compare-progress progress', 'value'));
  // The workload's 200,000 ops are made a slice at a time too (s7-compare), then 2 columns run them.
  assert.equal(await page.getAttribute('#compare-progress progress', 'max'), '600000', '200,000 ops made + 2 columns × 200,000 run');
  await page.waitForFunction(
    (v) => Number(document.querySelector('#compare-progress progress')?.getAttribute('value')) > v,
    first,
  );
  assert.equal(await page.getAttribute('#compare-counter', 'data-total'), '2000', 'the old comparison is still shown');
  await page.click('#compare-cancel');
  await page.waitForSelector('#compare-progress', { state: 'detached' });
  assert.equal(await page.getAttribute('#compare-counter', 'data-total'), '2000');
  assert.deepEqual([await ops(page, 0), await ops(page, 1)], [2000, 2000]);
  // Nothing carries on in the background after Cancel.
  await page.waitForTimeout(300);
  assert.equal(await page.getAttribute('#compare-counter', 'data-total'), '2000');
  assert.equal(await page.locator('#compare-progress').count(), 0);
});

// The CLI's figures for this trace are in a golden file that cli/tests/compare.rs checks against
// `slabscope compare --json` (and, there, against `slabscope replay` per configuration).
const GOLDEN = JSON.parse(readFileSync(join(REPO_ROOT, 'cli/tests/golden/compare-trace-2000.json'), 'utf8'));
const SMALL_TRACE = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt');
const fromSeries = (m, key) =>
  ({
    ops: m.ops,
    events: m.events,
    used_pages: m.used_pages,
    slab_pages: m.slab_pages,
    resident: m.resident_bytes,
    unusable: m.unusable_order3,
    fast_path: m.allocs > 0 ? m.fast_allocs / m.allocs : null,
    waste: m.waste_bytes,
    events_per_op: m.ops > 0 ? m.events / m.ops : null,
  })[key];

test('a loaded trace is compared as a trace replay: the columns show the CLI figures', opts, async (t) => {
  const page = await openApp(t, { viewport: { width: 1366, height: 768 } });
  await page.click('#mode-trace');
  await load(page, SMALL_TRACE, 'kmem-ls-sort-2000.perf.txt', 2000);
  await page.click('#mode-compare');
  assert.match(await page.textContent('label:has(#compare-source-session)'), /trace/i);
  // What a user gets is said before and after the run: every configuration replays the whole
  // trace from a fresh machine, not the trace view's picture.
  assert.match(await page.textContent('#compare-trace-fresh'), /fresh machine and replays the whole trace/);
  await page.click('#compare-run');
  await page.waitForSelector('#compare-columns .compare-column');
  // The cursor opens at the end: every retained trace event replayed.
  assert.equal(await position(page), Number(await page.getAttribute('#compare-counter', 'data-total')));
  const keys = await page.$$eval('#compare-table tr[data-measure]', (rows) => rows.map((r) => r.dataset.measure));
  assert.equal(keys.length, 9);
  assert.match(await page.textContent('#compare-trace-note'), /from its first event/);
  for (const [i, col] of GOLDEN.columns.entries()) {
    const end = col.series[col.series.length - 1];
    for (const key of keys) {
      const v = await page.getAttribute(`#compare-table tr[data-measure="${key}"] td[data-col="${i}"]`, 'data-value');
      const want = fromSeries(end, key);
      if (want === null) assert.equal(v, null, `${col.config} ${key}`);
      else assert.equal(Number(v), want, `${col.config} ${key}: web ${v}, CLI ${want}`);
    }
  }
  await finish(t, page, 'compare-trace-1366');
});

test('one screen at 1366×768: cursor, table, charts and the columns’ first view; phone stacks', opts, async (t) => {
  const page = await openApp(t, { path: hash('&cpos=12'), viewport: { width: 1366, height: 768 } });
  await page.waitForSelector('#compare-col-1 .cell');
  for (const sel of ['#compare-cursor', '#compare-table', '.compare-chart', '#compare-col-0 .compare-col-title',
    '#compare-col-1 .compare-col-title', '#compare-col-0 [data-compare-view="memory"] svg[viewBox]',
    '#compare-col-1 [data-compare-view="memory"] svg[viewBox]']) {
    assert.ok(await inViewport(page, sel), `${sel} within the first 768 px`);
  }
  // s8-compare: each column's first view, the memory map, shows its whole legend without
  // scrolling the column (the legend was cut at the column's foot).
  for (const i of [0, 1]) {
    const fit = await page.evaluate((i) => {
      const col = document.querySelector(`#compare-col-${i}`).getBoundingClientRect();
      const items = [...document.querySelectorAll(`#compare-col-${i} [data-compare-view="memory"] .legend li`)];
      return { n: items.length, bottom: Math.max(...items.map((li) => li.getBoundingClientRect().bottom)), foot: col.bottom };
    }, i);
    assert.ok(fit.n >= 5 && fit.bottom <= fit.foot, `column ${i}: the memory map's legend above the column's foot: ${JSON.stringify(fit)}`);
  }
  const doc = await page.evaluate(() => ({ h: document.scrollingElement.scrollHeight, w: document.scrollingElement.scrollWidth }));
  // One screen (s7-compare): the page does not scroll; the columns and the summary box do. The
  // document used to be ~1030 px tall: the views' absolutely positioned sr-only text deep inside
  // a column's scrolled content was placed against the page (styles/compare.css).
  assert.ok(doc.h <= 768, `the page does not scroll at 1366×768: ${JSON.stringify(doc)}`);
  assert.ok(doc.w <= 1366, `no horizontal overflow: ${JSON.stringify(doc)}`);
  // The columns scroll inside themselves down to the cache view.
  const col = page.locator('#compare-col-0');
  assert.ok(await col.evaluate((el) => el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY === 'auto'));
  // Columns side by side, the same width.
  const [a, b] = [await page.locator('#compare-col-0').boundingBox(), await page.locator('#compare-col-1').boundingBox()];
  assert.ok(b.x > a.x + a.width - 1 && Math.abs(a.y - b.y) < 1 && Math.abs(a.width - b.width) < 2);
  await finish(t, page, 'compare-onescreen-1366');
  const wide = await openApp(t, { path: hash('&cpos=12&lang=ja'), colorScheme: 'dark', viewport: { width: 1920, height: 1080 } });
  await wide.waitForSelector('#compare-col-1 .cell');
  assert.ok(await inViewport(wide, '#compare-col-1 [data-compare-view="memory"] svg[viewBox]'), 'at 1920 too');
  const wideDoc = await wide.evaluate(() => document.scrollingElement.scrollHeight);
  assert.ok(wideDoc <= 1080, `the page does not scroll at 1920×1080: ${wideDoc}`);
  // With every view shown the columns are taller still: they scroll, the page does not.
  for (const v of ['percpu']) await page.click(`.view-chip[data-compare-view="${v}"]`);
  await page.waitForSelector('#compare-col-1 [data-compare-view="percpu"]');
  assert.ok(await page.evaluate(() => document.scrollingElement.scrollHeight) <= 768, 'four views: still one screen');
  await finish(t, wide, 'compare-onescreen-1920-ja-dark');
  const phone = await openApp(t, { path: hash('&cpos=12'), viewport: { width: 390, height: 844 } });
  await phone.waitForSelector('#compare-col-1 .cell');
  assert.ok(await noHorizontalOverflow(phone), 'nothing wider than the phone');
  const [p0, p1] = [await phone.locator('#compare-col-0').boundingBox(), await phone.locator('#compare-col-1').boundingBox()];
  assert.ok(p1.y >= p0.y + p0.height - 1, 'columns stack on a phone');
  assert.ok(p0.x >= 0 && p0.x + p0.width <= 390.5);
  await finish(t, phone, 'compare-onescreen-phone');
});
