// Trace explorer at scale, session 6 (issue 18, s6-tracew): a filter's selection is made in
// slices, one per frame (the page draws frames while it is made, then every view narrows at
// once); what the page retains counts its checkpoints and indexes; a second load drops the
// trace shown and reopens it from this browser's copy when that load is cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, setupSuite } from '../harness.mjs';
import { dropBig, load, openTrace, stepOf } from '../trace-ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const SMALL = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt');

test('a filter is made in slices: frames are drawn while it is made, then the views narrow', opts, async (t) => {
  const page = await openTrace(t);
  await dropBig(page, 60);
  await page.waitForFunction(() => /^big\.perf\.txt: 120000 events/.test(document.querySelector('#trace-summary')?.textContent),
    null, { timeout: 120_000 });
  const ops = Number(await page.getAttribute('#op-ticks', 'data-ops'));
  // Count animation frames while the filter is being applied, and long tasks.
  await page.evaluate(() => {
    globalThis.__busyFrames = 0;
    globalThis.__permille = new Set();
    globalThis.__long = [];
    new PerformanceObserver((l) => globalThis.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
    const tick = () => {
      const busy = document.querySelector('#trace-filter-busy');
      if (busy) { globalThis.__busyFrames++; globalThis.__permille.add(busy.dataset.permille); }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cpus = await page.$$eval('#filter-cpu option', (o) => o.map((e) => e.value).filter(Boolean));
  await page.selectOption('#filter-cpu', cpus[0]);
  // The control shows the choice at once, while the selection is made.
  assert.equal(await page.inputValue('#filter-cpu'), cpus[0]);
  await page.waitForFunction((ops) => Number(document.querySelector('#op-ticks').dataset.ops) < ops
    && !document.querySelector('#trace-filter-busy'), ops, { timeout: 60_000 });
  const busyFrames = await page.evaluate(() => globalThis.__busyFrames);
  const long = await page.evaluate(() => globalThis.__long);
  t.diagnostic(`frames drawn while the filter was made: ${busyFrames}; permille seen: ${await page.evaluate(() => [...globalThis.__permille].join(','))}; long tasks: ${long.length} (longest ${Math.max(0, ...long).toFixed(0)} ms)`);
  assert.ok(busyFrames >= 1, 'the page drew a frame between the choice and the result (the work yields to frames)');
  // Every view narrowed at once: the ticks, the chart's count and the status line agree.
  const selected = Number(await page.getAttribute('#trace-hist', 'data-selected'));
  assert.ok(selected > 0 && selected < ops, `${selected} of ${ops}`);
  assert.equal(Number(await page.getAttribute('#op-ticks', 'data-ops')), selected);
  assert.match(await page.textContent('#trace-selected'), new RegExp(`selects ${selected} of`));
  // The same filter again is made already: it applies with no pass over the trace.
  await page.selectOption('#filter-cpu', '');
  await page.waitForFunction((ops) => Number(document.querySelector('#op-ticks').dataset.ops) === ops, ops);
  await page.selectOption('#filter-cpu', cpus[0]);
  await page.waitForFunction((s) => Number(document.querySelector('#op-ticks').dataset.ops) === s, selected);
  await finish(t, page, 'trace-filter-sliced');
});

test('retained bytes count the checkpoints and the indexes, within 64 bytes per event', opts, async (t) => {
  const page = await openTrace(t);
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  await page.waitForFunction(() => document.querySelector('#trace-summary')?.dataset.derived === '1', null, { timeout: 30_000 });
  const d = await page.$eval('#trace-summary', (e) => ({ ...e.dataset }));
  const [retained, ck, events] = [Number(d.retainedBytes), Number(d.checkpointBytes), Number(d.events)];
  t.diagnostic(`retained ${retained} B (${(retained / events).toFixed(1)} B/event), checkpoints ${ck} B, longest replay ${d.maxReplayOps} ops`);
  assert.ok(ck > 0, 'the checkpoints are counted');
  assert.ok(retained > ck, 'with the facts, the ops and the indexes');
  assert.ok(Number(d.maxReplayOps) > 0);
  await finish(t, page, 'trace-retained');
});

test('a second load drops the trace shown; cancelled, the trace comes back at its step', opts, async (t) => {
  const page = await openTrace(t);
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  await page.locator('#scrubber').fill('555');
  await page.waitForFunction(() => /step=555/.test(location.hash));
  // 600,000 events: still loading when Cancel is clicked (120,000 could land before it, s12).
  await dropBig(page, 300);
  await page.waitForSelector('#trace-progress');
  // While it loads the first trace is gone (its memory is free for the new one).
  assert.match(await page.textContent('#trace-summary'), /No trace loaded yet/);
  await page.click('#trace-cancel');
  await page.waitForFunction(() => /^kmem-ls-sort-2000\.perf\.txt: 2000 events/.test(document.querySelector('#trace-summary')?.textContent),
    null, { timeout: 30_000 });
  assert.equal((await stepOf(page))[0], 555, 'reopened at its step');
  await finish(t, page, 'trace-second-load-cancelled');
});

test('the repository fixture: a cache filter narrows every view; a reload reopens the trace at its step', opts, async (t) => {
  const FIXTURE_GZ = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort.perf.txt.gz');
  const page = await openTrace(t);
  await load(page, FIXTURE_GZ, 'kmem-ls-sort.perf.txt.gz', 25254, 90_000);
  const ops = Number(await page.getAttribute('#op-ticks', 'data-ops'));
  const caches = await page.$$eval('#filter-cache option', (o) => o.map((e) => e.value).filter(Boolean));
  assert.ok(caches.includes('filp'), caches.join(','));
  await page.selectOption('#filter-cache', 'filp');
  await page.waitForFunction((ops) => Number(document.querySelector('#op-ticks').dataset.ops) < ops
    && !document.querySelector('#trace-filter-busy'), ops, { timeout: 60_000 });
  const selected = Number(await page.getAttribute('#trace-hist', 'data-selected'));
  assert.ok(selected > 0 && selected < ops, `${selected} filp ops of ${ops}`);
  assert.equal(Number(await page.getAttribute('#op-ticks', 'data-ops')), selected);
  // Only filp in the cache tables.
  const keys = await page.$$eval('#trace-frag-caches tbody th', (h) => h.map((e) => e.textContent));
  assert.deepEqual([...new Set(keys)], ['filp']);
  await page.locator('#scrubber').fill('4321');
  await page.waitForFunction(() => /step=4321/.test(location.hash));
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction(() => /^kmem-ls-sort\.perf\.txt\.gz: 25254 events/.test(document.querySelector('#trace-summary')?.textContent),
    null, { timeout: 90_000 });
  assert.equal((await stepOf(page))[0], 4321, 'reopened at the step');
  assert.match(await page.textContent('#op-fact'), /^Trace line \d+ /);
  await finish(t, page, 'trace-fixture-filter-reload');
});
