// The trace fallback (s14, issue 14): when no worker starts, the page runs the trace worker's own
// module (`trace_worker.js` + `trace_worker_bg.wasm`) on its thread, loaded only then; the app's
// wasm has no parser of its own. The same trace and errors as with the worker; if the reader's
// module cannot load either, a translated error (and a later load tries again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT, TEST_TIMEOUT_MS, collectedErrors, finish, setupSuite } from '../harness.mjs';
import { dropBig, load, openTrace, stepOf } from '../trace-ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const SMALL = join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt');
const GZ = gzipSync(readFileSync(SMALL));

/** The reader's files the page asked for (not the worker's loader). */
const readerRequests = (page) => {
  const seen = [];
  page.on('request', (r) => {
    const m = /\/(trace_worker(?:_bg\.wasm|\.js))$/.exec(new URL(r.url()).pathname);
    if (m) seen.push(m[1]);
  });
  return seen;
};

/** Make `files` (of dist/) answer 404; the errors they log are expected, `forget` drops them. */
async function block(page, files) {
  const re = new RegExp(`/(${files.map((f) => f.replace('.', '\\.')).join('|')})$`);
  const handler = (route) => route.fulfill({ status: 404, body: 'blocked' });
  await page.route(re, handler);
  return {
    unblock: () => page.unroute(re, handler),
    forget: () => {
      const errors = collectedErrors(page);
      for (let i = errors.length - 1; i >= 0; i--) if (/404|trace_worker|Failed to load/.test(errors[i].text)) errors.splice(i, 1);
    },
  };
}

const summaryOf = (page) => page.textContent('#trace-summary');
// The summary once the trace is shown (not a "drawing the views…" before it).
const waitSummary = (page, name) => page.waitForFunction((n) => document.querySelector('#trace-summary')?.textContent.startsWith(`${n}: `)
  && /: \d+ events/.test(document.querySelector('#trace-summary').textContent), name, { timeout: 30_000 });

test('a worker script that does not load: the reader runs on the page, loaded only then, with the same trace and gzip errors', opts, async (t) => {
  // With the worker, for comparison.
  const ref = await openTrace(t);
  await ref.setInputFiles('#trace-file', { name: 'small.perf.txt.gz', mimeType: 'application/gzip', buffer: GZ });
  await waitSummary(ref, 'small.perf.txt.gz');
  const expected = await summaryOf(ref);
  assert.match(expected, /^small\.perf\.txt\.gz: 2000 events/);
  await finish(t, ref, 'trace-fallback-ref');

  const page = await openTrace(t);
  const blocked = await block(page, ['trace_worker_loader.js']);
  const asked = readerRequests(page);
  const workers = [];
  page.on('worker', (w) => workers.push(w));
  assert.deepEqual(asked, [], 'the reader is not loaded at start');
  await page.setInputFiles('#trace-file', { name: 'small.perf.txt.gz', mimeType: 'application/gzip', buffer: GZ });
  await waitSummary(page, 'small.perf.txt.gz');
  assert.equal(await summaryOf(page), expected, 'the same trace as with the worker');
  assert.deepEqual([...asked].sort(), ['trace_worker.js', 'trace_worker_bg.wasm'], 'the reader loaded on the page');
  // A truncated stream is located by its byte offset, as with the worker.
  const cut = GZ.subarray(0, Math.floor(GZ.length / 2));
  await page.setInputFiles('#trace-file', { name: 'cut.txt.gz', mimeType: 'application/gzip', buffer: cut });
  await page.waitForFunction(() => /cut\.txt\.gz/.test(document.querySelector('#trace-error')?.textContent));
  assert.match(await page.textContent('#trace-error'), new RegExp(`truncated at compressed byte offset ${cut.length} of ${cut.length}`));
  // The module is loaded once: a later load uses it again.
  await waitSummary(page, 'small.perf.txt.gz');
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  assert.equal(asked.filter((f) => f === 'trace_worker.js').length, 1, `${asked}`);
  t.diagnostic(`workers tried: ${workers.length}`);
  blocked.forget();
  await finish(t, page, 'trace-fallback-same');
});

test('no worker and no reader: a translated error, and the next load tries again', opts, async (t) => {
  const page = await openTrace(t, { query: 'traceworker=0' });
  const blocked = await block(page, ['trace_worker.js', 'trace_worker_bg.wasm']);
  await page.setInputFiles('#trace-file', SMALL);
  await page.waitForFunction(() => /kmem-ls-sort-2000\.perf\.txt: /.test(document.querySelector('#trace-error')?.textContent), null, { timeout: 30_000 });
  assert.match(await page.textContent('#trace-error'), /the trace reader could not be loaded \(\.\/trace_worker\.js did not load\); reload the page and try again/);
  assert.equal(await page.locator('#trace-progress').count(), 0, 'not loading any more');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'ja');
  await page.waitForFunction(() => /トレースの読み込み部を読み込めませんでした/.test(document.querySelector('#trace-error')?.textContent ?? ''));
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  // The script loads but not its wasm: the same error, naming why.
  await blocked.unblock();
  const wasmOnly = await block(page, ['trace_worker_bg.wasm']);
  await page.setInputFiles('#trace-file', { name: 'again.perf.txt', mimeType: 'text/plain', buffer: readFileSync(SMALL) });
  await page.waitForFunction(() => /again\.perf\.txt: the trace reader could not be loaded/.test(document.querySelector('#trace-error')?.textContent), null, { timeout: 30_000 });
  t.diagnostic(await page.textContent('#trace-error'));
  await wasmOnly.unblock();
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  assert.equal(await page.locator('#trace-error').count(), 0);
  blocked.forget();
  await finish(t, page, 'trace-fallback-none');
});

test('a big trace on the page thread: the page answers input while it loads; cancel restores the trace before', opts, async (t) => {
  const page = await openTrace(t, { query: 'traceworker=0' });
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  await page.locator('#scrubber').fill('321');
  await page.waitForFunction(() => /step=321/.test(location.hash));
  await page.evaluate(() => {
    globalThis.__long = [];
    new PerformanceObserver((l) => globalThis.__long.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
  });
  // A slow disk (the page's own `Blob.arrayBuffer`, what the reader reads each MiB with): each
  // read waits 30 ms, and once 32 MiB (about half the file) are read, reads wait until the disk
  // is let go, so the load is still running when Cancel is clicked on any machine. (CI, s15: a
  // machine here reads the 400k events in ~1.5 s; the load had ended before the click, and the
  // button was gone.)
  await page.evaluate(() => {
    const read = Blob.prototype.arrayBuffer;
    let [reads, bytes] = [0, 0];
    let free;
    const freed = new Promise((r) => { free = r; });
    Blob.prototype.arrayBuffer = function () {
      const held = bytes >= 32 << 20;
      [reads, bytes] = [reads + 1, bytes + this.size];
      return new Promise((r) => setTimeout(r, 30)).then(() => (held ? freed : null)).then(() => read.call(this));
    };
    window.__disk = { reads: () => [reads, bytes], restore: () => { Blob.prototype.arrayBuffer = read; free(); } };
  });
  await dropBig(page, 200, 'big.perf.txt');
  await page.waitForFunction(() => Number(document.querySelector('#trace-progress')?.value ?? 0) > 0, null, { timeout: 30_000 });
  const answers = [];
  for (const lang of ['ja', 'en']) {
    const t0 = Date.now();
    await page.click('#lang');
    await page.waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5_000 });
    answers.push(Date.now() - t0);
  }
  assert.equal(await page.locator('#trace-progress').count(), 1, 'still loading after the inputs were answered');
  // Diagnostic (shared machines): the long tasks of the load so far.
  t.diagnostic(`input answered in ${answers.join(', ')} ms; long tasks: ${JSON.stringify(await page.evaluate(() => globalThis.__long))}`);
  t.diagnostic(`reads (and bytes) of the big file so far: ${await page.evaluate(() => window.__disk.reads())}`);
  // The bar follows the reads while the disk stalls (s16: on the page's thread it showed 0 bytes
  // until the whole file was read).
  await page.waitForFunction(() => Number(document.querySelector('#trace-progress')?.value) >= 24 << 20, null, { timeout: 30_000 });
  assert.equal(await page.locator('#trace-progress').count(), 1, 'still loading while the disk stalls');
  await page.click('#trace-cancel');
  await page.evaluate(() => window.__disk.restore());
  await page.waitForFunction(() => /^kmem-ls-sort-2000\.perf\.txt: 2000 events/.test(document.querySelector('#trace-summary')?.textContent),
    null, { timeout: 30_000 });
  assert.equal((await stepOf(page))[0], 321, 'reopened at its step');
  assert.equal(await page.locator('#trace-error').count(), 0, 'a cancel is no error');
  // After the cancel the reader serves the next load.
  await dropBig(page, 3, 'three.perf.txt');
  await waitSummary(page, 'three.perf.txt');
  assert.match(await summaryOf(page), /^three\.perf\.txt: 6000 events/);
  await finish(t, page, 'trace-fallback-cancel');
});

test('an uncaught error while the reader runs on the page ends the load with a translated error, not a wait', opts, async (t) => {
  const page = await openTrace(t, { query: 'traceworker=0' });
  await dropBig(page, 200, 'big.perf.txt');
  await page.waitForSelector('#trace-progress', { timeout: 30_000 });
  // What a panic in the reader's wasm on this thread is to the page: an uncaught error. Thrown
  // every 20 ms while the load shows, so that one lands while the reader serves: one thrown while
  // its module loads, or after it has read the file (the end-of-load summaries run in the app's
  // own code), is no reader's and rightly leaves the load alone. (CI, s15: a single throw after
  // the first progress landed after a fast machine's reader had ended, and the load finished.)
  await page.evaluate(() => {
    let thrown = 0;
    const tick = () => {
      if (document.querySelector('#trace-error') || !document.querySelector('#trace-progress')) return;
      window.__readerCrashes = ++thrown;
      setTimeout(tick, 20);
      throw new Error('reader test crash');
    };
    setTimeout(tick);
  });
  await page.waitForFunction(() => document.querySelector('#trace-error') || !document.querySelector('#trace-progress'), null, { timeout: 60_000 });
  t.diagnostic(`errors thrown while loading: ${await page.evaluate(() => window.__readerCrashes)}`);
  assert.match(await page.evaluate(() => document.querySelector('#trace-error')?.textContent ?? ''), /^big\.perf\.txt: /, 'the load ended without the error');
  assert.match(await page.textContent('#trace-error'), /the trace reader stopped during the load \(.*reader test crash\); reload the page and try again/);
  assert.equal(await page.locator('#trace-progress').count(), 0, 'not loading any more');
  const errors = collectedErrors(page);
  for (let i = errors.length - 1; i >= 0; i--) if (/reader test crash/.test(errors[i].text)) errors.splice(i, 1);
  // The next load is served.
  await load(page, SMALL, 'kmem-ls-sort-2000.perf.txt', 2000);
  assert.equal(await page.locator('#trace-error').count(), 0);
  await finish(t, page, 'trace-fallback-stopped');
});
