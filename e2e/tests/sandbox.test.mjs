// The command bar (op language) and the timeline chart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { showViews } from '../ui.mjs';

setupSuite();
/** The app with every view shown (the sandbox shows three by default; the rest one click away). */
const open = async (t, o) => showViews(await openApp(t, o));
const opts = { timeout: TEST_TIMEOUT_MS };

const counter = async (page) => {
  const m = (await page.textContent('#step-counter')).match(/step (\d+) \/ (\d+)/);
  return [Number(m[1]), Number(m[2])];
};

test('commands run, errors are located with a suggestion, history recalls', opts, async (t) => {
  const page = await open(t);
  const [, before] = await counter(page);
  await page.fill('#command', 'kmalloc 64 cpu=1 as=x');
  await page.press('#command', 'Enter');
  await page.waitForFunction((b) => /step (\d+) \/ (\d+)/.exec(document.querySelector('#step-counter').textContent)[2] > b, before);
  const [step, total] = await counter(page);
  assert.equal(step, total, 'the view jumps to the new steps');
  assert.match(await page.textContent('#op-text'), /kmalloc 64 cpu=1 as=x/);
  assert.match(await page.textContent('#explain'), /Named the object at 0xffff/);
  await page.fill('#command', 'pages alloc ordr=1 as=y');
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => document.querySelector('#command-error').textContent.length > 0);
  const err = await page.textContent('#command-error');
  assert.match(err, /col 13/);
  assert.match(err, /did you mean `order`/);
  assert.equal((await counter(page))[1], total, 'a bad command changes nothing');
  await page.press('#command', 'ArrowUp');
  assert.equal(await page.inputValue('#command'), 'pages alloc ordr=1 as=y');
  await page.press('#command', 'ArrowUp');
  assert.equal(await page.inputValue('#command'), 'kmalloc 64 cpu=1 as=x');
  await finish(t, page, 'sandbox-command-error');
});

test('config rebuilds the machine; the timeline chart follows the session', opts, async (t) => {
  const page = await open(t);
  assert.ok((await page.locator('#timeline-chart svg path, #timeline-chart svg polyline').count()) > 0);
  await page.fill('#command', 'config slab=slab mem=1M');
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => /step 0 \/ 0/.test(document.querySelector('#step-counter').textContent));
  await page.fill('#command', 'repeat 40 { kmalloc 200 as=p[] }');
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => !/\/ 0 /.test(document.querySelector('#step-counter').textContent));
  assert.match(await page.textContent('#buddyinfo'), /Node 0, zone {3}Normal/);
  await finish(t, page, 'sandbox-config-timeline');
});

test('theme switch: system, dark, light', opts, async (t) => {
  const page = await open(t, { colorScheme: 'light' });
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.notEqual(await bg(), light, 'dark colours');
  await finish(t, page, 'theme-dark-forced');
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  assert.equal(await bg(), light);
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), null, 'back to following the system');
});

test('copy link puts the permalink on the clipboard', opts, async (t) => {
  const page = await open(t);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.locator('#scrubber').fill('12');
  await page.click('#copy-link');
  await page.waitForFunction(() => /copied/i.test(document.querySelector('#copy-link').textContent));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /#mode=sandbox&step=12&lang=en$/);
  await finish(t, page, 'copy-link');
});

// s6-contract: refused ops and impossible configs speak Japanese in the Japanese UI (core
// errors carry message keys, web/src/errors.rs renders them through the catalogue).
test('a refused op and a config conflict are shown in Japanese', opts, async (t) => {
  const page = await open(t, { query: { lang: 'ja' } });
  const steps = async () => (await page.textContent('#step-counter')).match(/(\d+) \/ (\d+)/)[2];
  const total = await steps();
  await page.fill('#command', 'kfree nothing');
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => document.querySelector('#command-error').textContent.length > 0);
  const err = await page.textContent('#command-error');
  assert.match(err, /`nothing` には何も束縛されていません/);
  assert.doesNotMatch(err, /is not bound/);
  assert.equal(await steps(), total, 'a refused op changes nothing');
  await page.fill('#command', 'config slab=sheaves percpu=magazine');
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => /percpu=magazine/.test(document.querySelector('#command-error').textContent));
  const conflict = await page.textContent('#command-error');
  assert.match(conflict, /percpu=magazine は slab=sheaves の前では動かせません/);
  assert.doesNotMatch(conflict, /cannot run in front of/);
  await finish(t, page, 'sandbox-refused-op-ja');
});
