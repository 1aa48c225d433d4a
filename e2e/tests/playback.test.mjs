// Playback: micro-event stepping, the scrubber, the event log, URL state, play/pause, help,
// and opening a real perf trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { showViews } from '../ui.mjs';

setupSuite();
/** The app with every view shown (the sandbox shows three by default; the rest one click away). */
const open = async (t, o) => showViews(await openApp(t, o));
const opts = { timeout: TEST_TIMEOUT_MS };

const stepOf = async (page) => {
  const m = (await page.textContent('#step-counter')).match(/step (\d+) \/ (\d+)/);
  assert.ok(m, 'counter text');
  return [Number(m[1]), Number(m[2])];
};

test('arrow keys move one micro-event; the explanation follows', opts, async (t) => {
  const page = await open(t);
  assert.deepEqual((await stepOf(page))[0], 0);
  await page.keyboard.press('ArrowRight');
  assert.equal((await stepOf(page))[0], 1);
  assert.match(await page.textContent('#explain'), /free_area\[0\] on node 0 is empty/);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal((await stepOf(page))[0], 3);
  await page.keyboard.press('ArrowLeft');
  assert.equal((await stepOf(page))[0], 2);
  await page.keyboard.press('End');
  const [end, total] = await stepOf(page);
  assert.equal(end, total);
  await page.keyboard.press('Home');
  assert.equal((await stepOf(page))[0], 0);
  await finish(t, page, 'playback-keys');
});

test('scrubber seeks; the event log marks and jumps', opts, async (t) => {
  const page = await open(t);
  await page.locator('#scrubber').fill('20');
  assert.equal((await stepOf(page))[0], 20);
  const current = page.locator('#event-log [aria-current="step"]');
  assert.equal(await current.count(), 1);
  const first = page.locator('#event-log .log-entry').first();
  const firstStep = Number((await first.locator('.log-step').textContent()).trim());
  await first.click();
  assert.equal((await stepOf(page))[0], firstStep);
  await finish(t, page, 'playback-scrubber-log');
});

test('the step is kept in the URL across a reload', opts, async (t) => {
  const page = await open(t);
  await page.locator('#scrubber').fill('17');
  await page.waitForFunction(() => location.hash.includes('step=17'));
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal((await stepOf(page))[0], 17);
  await finish(t, page, 'playback-permalink');
});

// hooks/url.rs: a burst of steps writes the hash only once the step has stayed put (300 ms);
// leaving the page before that writes the pending hash on `pagehide`, so Back returns to the
// step that was shown, not to an older one.
test('leaving the page right after a burst of steps keeps the step for Back', opts, async (t) => {
  const page = await open(t);
  // Six steps 30 ms apart, timed in the page (key presses sent one by one from here can land
  // more than BURST_MS apart on a loaded machine, and a lone step writes its hash at once).
  await page.evaluate(async () => {
    for (let i = 0; i < 6; i++) {
      document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
      await new Promise((r) => setTimeout(r, 30));
    }
  });
  assert.equal((await stepOf(page))[0], 6);
  assert.doesNotMatch(await page.evaluate(() => location.hash), /[#&]step=6(&|$)/, 'the hash is still pending');
  await page.goto('about:blank');
  await page.goBack();
  await page.waitForSelector('body[data-ready="1"]');
  assert.match(await page.evaluate(() => location.hash), /[#&]step=6(&|$)/);
  assert.equal((await stepOf(page))[0], 6);
  await finish(t, page, 'playback-back-after-burst');
});

test('Space plays and pauses; ? shows the shortcuts', opts, async (t) => {
  const page = await open(t);
  await page.keyboard.press(']');
  await page.keyboard.press(']');
  await page.keyboard.press(' ');
  await page.waitForFunction(() => /step ([3-9]|\d\d)/.test(document.querySelector('#step-counter').textContent));
  await page.keyboard.press(' ');
  const [a] = await stepOf(page);
  await page.waitForTimeout(300);
  const [b] = await stepOf(page);
  assert.equal(a, b, 'paused');
  await page.keyboard.press('?');
  assert.equal(await page.locator('#shortcuts').isVisible(), true);
  await finish(t, page, 'playback-help');
});

test('a real perf trace can be opened', opts, async (t) => {
  const page = await open(t);
  await page.click('#mode-trace');
  await page.setInputFiles('#trace-file', join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'));
  await page.waitForFunction(() => /2000 events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 30_000 });
  const [, total] = await stepOf(page);
  assert.ok(total > 2000, `trace timeline has ${total} steps`);
  // Out of the mode tabs first: End on a focused tab moves to the last tab (ARIA tabs).
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('End');
  // The trace mode's own views: /proc/buddyinfo is one click away (hidden views are not rendered).
  await showViews(page, ['buddyinfo']);
  assert.match(await page.textContent('#buddyinfo'), /Node 0, zone {3}Normal/);
  await finish(t, page, 'playback-trace');
});

test('a trace dropped on the page replays with a progress bar', opts, async (t) => {
  const page = await open(t);
  const { readFileSync } = await import('node:fs');
  const slice = readFileSync(join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'), 'utf8');
  const text = slice.repeat(5);
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.perf.txt', { type: 'text/plain' }));
    return dt;
  }, text);
  await page.dispatchEvent('#app', 'drop', { dataTransfer });
  await page.waitForSelector('#trace-progress', { state: 'attached', timeout: 30_000 });
  await page.waitForFunction(() => /dropped\.perf\.txt: 10000 events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 60_000 });
  assert.equal(await page.getAttribute('#mode-trace', 'aria-selected'), 'true', 'a dropped trace switches to Trace mode');
  await finish(t, page, 'playback-trace-dropped');
});

test('the scrubber has a tick mark at every operation boundary', opts, async (t) => {
  const page = await open(t);
  const ticks = async () => {
    const d = await page.getAttribute('#op-ticks path', 'd');
    return (d.match(/M/g) || []).length;
  };
  const ops = Number(await page.getAttribute('#op-ticks', 'data-ops'));
  assert.ok(ops > 0);
  assert.equal(await ticks(), ops, 'one tick per operation of the demo');
  await page.fill('#command', 'kmalloc 64 as=tick');
  await page.press('#command', 'Enter');
  await page.waitForFunction((n) => Number(document.querySelector('#op-ticks').dataset.ops) === n + 1, ops);
  assert.equal(await ticks(), ops + 1, 'a new operation adds a tick');
  await finish(t, page, 'scrubber-ticks');
});
