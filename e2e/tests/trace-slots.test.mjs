// Trace explorer, session 5 (issue 18, s5-tracew): a free slot's lineage (what the simulation
// placed there, with the trace's facts and "reused by" links that seek), the charts made in
// slices after the load, a trace over the memory budget refused with the numbers, a link opened
// in a browser that does not keep the trace, and the trace texts in Japanese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, changeHash, finish, openApp, setupSuite } from '../harness.mjs';
import { showViews, switchLang } from '../ui.mjs';
import { clickCellsUntilReused, load, openTrace, showInspector } from '../trace-ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const FIXTURE_GZ = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort.perf.txt.gz');
const SMALL = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt');

/** The small trace at its end with a free slot selected that the trace used twice. */
async function freeSlotAtEnd(t) {
  const page = await openTrace(t);
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  await showInspector(page);
  await page.click('#end');
  // The slot index is made in slices after the load.
  await page.waitForFunction(() => !document.querySelector('#lineage-pending'), null, { timeout: 30_000 });
  const found = await clickCellsUntilReused(page, 'free,cpufree', '^Free slot at ', 48);
  assert.ok(found, 'a free slot the trace used twice');
  return { page, found };
}

test('a free slot lists every allocation placed there and its free; "reused by" seeks', opts, async (t) => {
  const { page, found } = await freeSlotAtEnd(t);
  assert.match(found.title, new RegExp(`^Free slot at ${found.addr}: \\d+ allocations and frees`));
  const entries = await page.$$eval('#lineage li', (l) => l.map((e) => ({ line: Number(e.dataset.line), text: e.textContent, alloc: e.classList.contains('alloc') })));
  assert.ok(entries.length >= 3, 'allocated, freed, allocated again at least');
  for (let i = 1; i < entries.length; i++) {
    assert.ok(entries[i].line > entries[i - 1].line, 'in trace order');
    assert.notEqual(entries[i].alloc, entries[i - 1].alloc, 'allocation and free alternate');
  }
  assert.ok(!entries.at(-1).alloc, 'free now: the last event is a free');
  assert.match(entries[0].text, /^Allocated by \S+ · .+ \(pid \d+\) on CPU \d+ · \d+\.\d{6} · line \d+ · kmem:\w+/);
  assert.match(entries[1].text, /^Freed by \S+ · .+ \(pid \d+\) on CPU \d+ · \d+\.\d{6} · line \d+ · kmem:\w+/);
  // "reused by" names the next allocation placed in the slot and seeks the timeline to it.
  const link = page.locator('#lineage .lineage-reused').first();
  const line = Number((await link.textContent()).match(/line (\d+)/)[1]);
  assert.equal(line, entries.filter((e) => e.alloc)[1].line);
  await link.click();
  await page.waitForFunction((l) => document.querySelector('#op-fact')?.textContent.startsWith(`Trace line ${l} `), line);
  await finish(t, page, 'trace-free-slot');
});

test('the charts of a trace are made after the load, without one long task', opts, async (t) => {
  const page = await openTrace(t);
  await showViews(page, ['timeline']);
  await page.evaluate(() => {
    globalThis.__long = [];
    new PerformanceObserver((l) => globalThis.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: false });
  });
  await load(page, FIXTURE_GZ, 'kmem-ls-sort.perf.txt.gz', 25254, 90_000);
  // Drawn once the slices are done: the chart has a line.
  await page.waitForFunction(() => document.querySelector('#timeline-chart path, #timeline-chart polyline'), null, { timeout: 60_000 });
  const long = await page.evaluate(() => globalThis.__long);
  // Reported, not asserted (a speed target belongs to the browser benchmark, the machine is shared).
  t.diagnostic(`long tasks during the load and the charts: ${long.length} (longest ${Math.max(0, ...long).toFixed(0)} ms)`);
  await finish(t, page, 'trace-charts');
});

test('a trace over the memory budget is refused with the numbers; the page goes on', opts, async (t) => {
  // ?tracemem=1: a 1 MiB budget, 16384 events at 64 bytes each (the fixture has 25,254).
  const page = await openTrace(t, { query: { tracemem: 1 } });
  await page.setInputFiles('#trace-file', FIXTURE_GZ);
  await page.waitForSelector('#trace-error', { timeout: 60_000 });
  assert.match(await page.textContent('#trace-error'),
    /^kmem-ls-sort\.perf\.txt\.gz: line \d+: the trace has more than 16384 events; at 64 bytes per event that is over the page's memory budget of 1 MiB$/);
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  assert.equal(await page.locator('#trace-error').count(), 0);
  await finish(t, page, 'trace-over-budget');
});

test('Japanese: summary, facts, lineage, a link that needs a trace', opts, async (t) => {
  const { page, found } = await freeSlotAtEnd(t);
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  assert.match(await page.textContent('#trace-summary'), /^kmem-ls-sort-2000\.perf\.txt：2000 events（イベント）、シミュレートした操作 \d+ 個/);
  assert.match(await page.textContent('#op-fact'), /^トレース \d+ 行目 · /);
  assert.match(await page.textContent('#lineage-title'), new RegExp(`^${found.addr} の空きスロット：`));
  assert.match(await page.textContent('#lineage li.alloc'), / が確保 · /);
  await finish(t, page, 'trace-ja');
  // A link to a trace this browser does not keep, in Japanese.
  const other = await openApp(t);
  await switchLang(other);
  await changeHash(other, 'mode=trace&step=5&trace=missing.perf.txt');
  await other.waitForSelector('#trace-wanted');
  // The address keeps what it asks for while the page waits for the file (a reload asks again).
  await other.waitForTimeout(700);
  assert.match(await other.evaluate(() => location.hash), /step=5&trace=missing\.perf\.txt/);
  assert.match(await other.textContent('#trace-wanted'), /^このリンクはトレース「missing\.perf\.txt」を表示しますが/);
  assert.equal(await other.locator('#trace-file').count(), 1, 'the picker is offered');
  await finish(t, other, 'trace-wanted-ja');
});
