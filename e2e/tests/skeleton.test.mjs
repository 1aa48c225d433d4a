// Walking-skeleton DOM contract of the slabscope app, checked in real chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS,
  attachErrorCollector,
  assertNoErrors,
  buddyRects,
  distDir,
  finish,
  openApp,
  setupSuite,
  startServer,
  suite,
  waitForTextChange,
} from '../harness.mjs';
import { showViews } from '../ui.mjs';

setupSuite();
/** The app with every view shown (the sandbox shows three by default; the rest one click away). */
const open = async (t, o) => showViews(await openApp(t, o));

const opts = { timeout: TEST_TIMEOUT_MS };

test('buddy view renders page-frame rects with pfn/order/state', opts, async (t) => {
  const page = await open(t);
  assert.equal(await page.locator('svg#buddy-view').count(), 1, 'svg#buddy-view missing');
  const rects = await page.$$eval('svg#buddy-view rect[data-pfn]', (rs) =>
    rs.map((r) => ({
      pfn: r.getAttribute('data-pfn'),
      order: r.getAttribute('data-order'),
      state: r.getAttribute('data-state'),
    })),
  );
  assert.ok(rects.length > 0, 'no rect[data-pfn] in svg#buddy-view');
  for (const r of rects) {
    assert.match(String(r.pfn), /^\d+$/, `bad data-pfn ${JSON.stringify(r)}`);
    assert.match(String(r.order), /^\d+$/, `bad data-order ${JSON.stringify(r)}`);
    assert.ok(['free', 'used'].includes(r.state), `bad data-state ${JSON.stringify(r)}`);
  }
  await finish(t, page, 'skeleton-buddy-view');
});

async function stepChangesState(t, page, doStep) {
  const counterBefore = await page.textContent('#step-counter');
  assert.ok(counterBefore !== null, '#step-counter missing');
  const usedBefore = await buddyRects(page, 'svg#buddy-view', 'used');
  await doStep();
  const counterAfter = await waitForTextChange(page, '#step-counter', counterBefore).catch(
    () => assert.fail(`#step-counter did not change from ${JSON.stringify(counterBefore)}`),
  );
  assert.match(counterAfter, /step\s+\d+/i, `unexpected #step-counter text ${JSON.stringify(counterAfter)}`);
  // Let the SVG update land (same render in Yew, but be tolerant of a frame).
  await page
    .waitForFunction(
      (before) =>
        JSON.stringify(
          [...document.querySelectorAll('svg#buddy-view rect[data-pfn][data-state="used"]')].map(
            (r) => `${r.dataset.pfn}:${r.dataset.order}:${r.dataset.state}`,
          ),
        ) !== before,
      JSON.stringify(usedBefore),
      { timeout: 5_000 },
    )
    .catch(() => {});
  const usedAfter = await buddyRects(page, 'svg#buddy-view', 'used');
  assert.notDeepEqual(usedAfter, usedBefore, 'set of used blocks did not change after a step');
  return { counterBefore, counterAfter };
}

test('Step button performs one allocation step', opts, async (t) => {
  const page = await open(t);
  const button = page.locator('button#step');
  assert.equal(await button.count(), 1, 'button#step missing');
  assert.match((await button.innerText()).trim(), /^Step$/i);
  await stepChangesState(t, page, () => button.click());
  await finish(t, page, 'skeleton-step-button');
});

test('Shift+ArrowRight on the page body steps an operation like the Step button', opts, async (t) => {
  const page = await open(t);
  await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) {
      document.activeElement.blur();
    }
  });
  assert.equal(await page.evaluate(() => document.activeElement === document.body), true);
  await stepChangesState(t, page, () => page.keyboard.press('Shift+ArrowRight'));
  await finish(t, page, 'skeleton-step-arrowright');
});

test('#chart holds an SVG chart with drawn elements', opts, async (t) => {
  const page = await open(t);
  assert.ok((await page.locator('#chart svg').count()) >= 1, '#chart svg missing');
  const drawn = await page.locator('#chart svg').first().locator('path, polyline, rect').count();
  assert.ok(drawn >= 1, '#chart svg has no path/polyline/rect');
  await finish(t, page, 'skeleton-chart');
});

test('#buddyinfo shows /proc/buddyinfo-style text', opts, async (t) => {
  const page = await open(t);
  assert.equal(await page.locator('#buddyinfo').count(), 1, '#buddyinfo missing');
  const tag = await page.$eval('#buddyinfo', (el) => el.tagName.toLowerCase());
  assert.equal(tag, 'pre');
  const text = await page.textContent('#buddyinfo');
  assert.match(text, /^Node 0, zone   Normal /m);
  await finish(t, page, 'skeleton-buddyinfo');
});

test('app works when served under a sub-path (relative URLs)', opts, async (t) => {
  const server = await startServer(distDir(), { prefix: '/course/slabscope/' });
  t.after(() => server.close());
  const page = await open(t, { baseUrl: server.url });
  assert.ok(page.url().startsWith(server.url), page.url());
  assert.equal(await page.locator('svg#buddy-view').count(), 1);
  const outside = server.requests.filter((r) => !r.path.startsWith('/course/slabscope/'));
  assert.deepEqual(outside, [], 'requests escaped the sub-path (absolute URLs?)');
  await finish(t, page, 'skeleton-subpath');
});

test('dark colour scheme loads without errors', opts, async (t) => {
  const page = await open(t, { colorScheme: 'dark', viewport: { width: 1024, height: 768 } });
  await finish(t, page, 'skeleton-dark');
});

test('harness self-test: console.error, uncaught errors and panics are caught', opts, async () => {
  const context = await suite.browser.newContext();
  try {
    const page = await context.newPage();
    const collector = attachErrorCollector(page);
    const html = `<!doctype html><body><script>
      console.log('harmless log');
      console.error('self-test console error');
      console.log("panicked at src/lib.rs:1:1: self-test panic");
      setTimeout(() => { throw new Error('self-test uncaught'); }, 0);
      setTimeout(() => { document.body.dataset.ready = '1'; }, 50);
    </script></body>`;
    await page.goto('data:text/html,' + encodeURIComponent(html));
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    await page.waitForTimeout(100);
    const kinds = collector.errors.map((e) => e.kind).sort();
    assert.deepEqual(kinds, ['console.error', 'pageerror', 'panic'], JSON.stringify(collector.errors));
    assert.throws(() => assertNoErrors(collector, 'self-test'), {
      name: 'AssertionError',
      message: /3 console error\(s\).*self-test console error/s,
    });
    // ...and a clean page passes.
    const clean = await context.newPage();
    const cleanCollector = attachErrorCollector(clean);
    await clean.goto('data:text/html,<p>ok</p>');
    assertNoErrors(cleanCollector, 'clean');
  } finally {
    await context.close();
  }
});
