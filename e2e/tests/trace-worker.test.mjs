// Trace loading in a Web Worker (issue 18 item 3, s11-trace): the worker parses the file and
// posts batches; the page replays them in slices and answers input meanwhile; cancel terminates
// the worker and brings the trace shown before back; the page-thread path (`?traceworker=0`)
// gives the same trace, malformed lines and gzip errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, setupSuite } from '../harness.mjs';
import { dropBig, load, openTrace, stepOf } from '../trace-ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const SMALL = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt');

test('a big trace loads in the worker while the page answers input; cancel restores the trace before', opts, async (t) => {
  const page = await openTrace(t);
  const workers = [];
  page.on('worker', (w) => workers.push(w));
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  assert.equal(workers.length, 1, 'the small trace was parsed in a worker too');
  await page.locator('#scrubber').fill('555');
  await page.waitForFunction(() => /step=555/.test(location.hash));
  // Long tasks from now on (diagnostic: the machines are shared, figures are no assertion).
  await page.evaluate(() => {
    globalThis.__long = [];
    new PerformanceObserver((l) => globalThis.__long.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  // ~800,000 events (~120 MB), made in the page, not committed.
  const dropped = Date.now();
  await dropBig(page, 400, 'big.perf.txt');
  await page.waitForFunction(() => Number(document.querySelector('#trace-progress')?.value ?? 0) > 0, null, { timeout: 30_000 });
  t.diagnostic(`first progress ${Date.now() - dropped} ms after the drop`);
  assert.equal(workers.length, 2, 'a worker for the big trace');
  // Input is answered while the trace loads: the language switches and back, each within a
  // few frames, with the progress bar still there.
  const answers = [];
  for (const lang of ['ja', 'en']) {
    const t0 = Date.now();
    await page.click('#lang');
    await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5_000 });
    answers.push(Date.now() - t0);
  }
  assert.equal(await page.locator('#trace-progress').count(), 1, 'still loading after the inputs were answered');
  const value = Number(await page.getAttribute('#trace-progress', 'value'));
  assert.ok(value > 0, `the progress bar moves: ${value} bytes read`);
  t.diagnostic(`input answered in ${answers.join(', ')} ms during the load; long tasks so far: ${JSON.stringify(await page.evaluate(() => globalThis.__long))}`);
  await page.screenshot({ path: join(REPO_ROOT, 'target/e2e/trace-worker-loading.png') });
  // Cancel: the worker ends, the trace shown before comes back at its step.
  const closed = new Promise((r) => workers[1].once('close', r));
  await page.click('#trace-cancel');
  await Promise.race([closed, new Promise((_, no) => setTimeout(() => no(new Error('the worker was not terminated')), 5_000))]);
  await page.waitForFunction(() => /^kmem-ls-sort-2000\.perf\.txt: 2000 events/.test(document.querySelector('#trace-summary')?.textContent),
    null, { timeout: 30_000 });
  assert.equal((await stepOf(page))[0], 555, 'reopened at its step');
  assert.equal(await page.locator('#trace-progress').count(), 0);
  assert.equal(await page.locator('#trace-error').count(), 0, 'a cancel is no error');
  await finish(t, page, 'trace-worker-cancel');
});

test('the worker and the page thread give the same trace, malformed lines and gzip errors', opts, async (t) => {
  const good = readFileSync(SMALL, 'utf8').split('\n');
  const lines = [...good.slice(0, 10), 'garbage line', ...good.slice(10, 900), `${'x'.repeat(70_000)}`, ...good.slice(900)];
  const gz = gzipSync(Buffer.from(lines.join('\r\n')));
  const seen = [];
  for (const query of [undefined, 'traceworker=0']) {
    const page = await openTrace(t, { query });
    const workers = [];
    page.on('worker', (w) => workers.push(w));
    await page.setInputFiles('#trace-file', { name: 'mixed.perf.txt.gz', mimeType: 'application/gzip', buffer: gz });
    await page.waitForFunction(() => /^mixed\.perf\.txt\.gz: \d+ events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 30_000 });
    const summary = await page.textContent('#trace-summary');
    const malformed = await page.textContent('#trace-malformed');
    assert.match(malformed, /line 11 \(/);
    assert.match(malformed, /line 902 \(/);
    const cut = gz.subarray(0, Math.floor(gz.length / 3));
    await page.setInputFiles('#trace-file', { name: 'cut.txt.gz', mimeType: 'application/gzip', buffer: cut });
    await page.waitForFunction(() => /cut\.txt\.gz/.test(document.querySelector('#trace-error')?.textContent));
    const error = await page.textContent('#trace-error');
    assert.match(error, new RegExp(`truncated at compressed byte offset ${cut.length} of ${cut.length}`));
    // One worker per load (the reopening of the trace before, after the failed load, may be a third).
    if (query) assert.equal(workers.length, 0, query);
    else assert.ok(workers.length >= 2, `${workers.length} workers`);
    seen.push({ summary, malformed, error });
    await finish(t, page, `trace-worker-same-${query ? 'main' : 'worker'}`);
  }
  assert.deepEqual(seen[0], seen[1]);
});
