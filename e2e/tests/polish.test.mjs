// Smaller defects of issue 13: chart legends beside (not over) the data, the internal
// fragmentation chart plots real internal fragmentation, inline code and numbered lists render
// in step text and messages, Escape closes the `?` help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOT_DIR, TEST_TIMEOUT_MS, finish, openApp, runCommand, setupSuite } from '../harness.mjs';
import { showViews } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };

const run = runCommand;

test('session chart legends sit beside the plot, never over a line', opts, async (t) => {
  const page = await showViews(await openApp(t));
  await run(page, 'config mem=1M');
  await run(page, 'repeat 30 { pages alloc order=0 as=x[] }; pages free x[*]');
  for (const id of ['timeline-chart', 'orders-chart', 'frag-chart']) {
    const r = await page.$eval(`#${id} svg`, (svg) => {
      const lines = [...svg.querySelectorAll('polyline')];
      const right = Math.max(...lines.map((l) => { const b = l.getBBox(); return b.x + b.width; }));
      const legend = [...svg.querySelectorAll('text')].filter((x) => /^(order \d+|free pages|slab pages|SuperSlab pages)/.test(x.textContent.trim()));
      return { lines: lines.length, right, legend: legend.length, left: Math.min(...legend.map((x) => x.getBBox().x)) };
    });
    assert.ok(r.lines > 0, `${id}: lines drawn`);
    assert.ok(r.legend > 0, `${id}: a legend`);
    assert.ok(r.left > r.right, `${id}: legend starts at x=${r.left}, right of the data (ends at x=${r.right})`);
  }
  await page.locator('[data-panel="charts"]').screenshot({ path: join(SCREENSHOT_DIR, 'polish-chart-legends.png') });
  await finish(t, page, 'polish-chart-legends');
});

test('the internal fragmentation chart plots slot waste + slab leftover, and says so', opts, async (t) => {
  const page = await showViews(await openApp(t));
  // kmalloc-96: 42 slots of 96 bytes in a 4 KiB slab, 64 bytes left over: 1.5 % (15 ‰).
  await run(page, 'repeat 10 { kmalloc 96 as=p[] }');
  const bar = page.locator('#chart-fragmentation g.bar[data-label="kmalloc-96"]');
  assert.equal(Number(await bar.getAttribute('data-value')), 1.5);
  assert.match(await bar.textContent(), /1\.5% \(64 B\)/);
  assert.match(await page.textContent('#chart-fragmentation-def'), /requested size.*leftover/);
  assert.equal(await page.getAttribute('#chart-fragmentation', 'aria-describedby'), 'chart-fragmentation-def');
  // Frees change the efficiency (active objects) but not the internal fragmentation.
  await run(page, 'kfree p[0]; kfree p[1]; kfree p[2]');
  assert.equal(Number(await bar.getAttribute('data-value')), 1.5);
  await page.locator('[data-panel="slabcharts"]').screenshot({ path: join(SCREENSHOT_DIR, 'polish-fragmentation.png') });
  await finish(t, page, 'polish-fragmentation');
});

test('messages and questions show inline code, not backticks; numbered lists are lists', opts, async (t) => {
  const page = await openApp(t);
  await run(page, 'kmalloc 64 as=obj');
  assert.match(await page.textContent('#explain'), /Named the object at 0xffff[0-9a-f]+ obj\./);
  assert.equal(await page.textContent('#explain code'), 'obj');
  assert.doesNotMatch(await page.textContent('#explain'), /`/);
  await showViews(page, ['log']); // one click away (hidden views are not rendered)
  assert.ok((await page.locator('#event-log code').count()) >= 1, 'the event log too');
  assert.doesNotMatch(await page.textContent('#event-log'), /`/);
  await finish(t, page, 'polish-inline-code');
  // The SuperSlab lesson: the question's `malloc` is code; step 5's three steps are a list.
  const lesson = await openApp(t, { query: { lesson: 'superslab-lifecycle', lstep: 2 } });
  await lesson.waitForSelector('#lesson-question');
  assert.equal(await lesson.textContent('#question-text code'), 'malloc');
  const l5 = await openApp(t, { query: { lesson: 'superslab-lifecycle', lstep: 5 } });
  await l5.waitForSelector('#lesson-narration');
  // The narration follows the step's question (predict first): skip it to read the step.
  if (await l5.locator('#lesson-skip').count()) await l5.click('#lesson-skip');
  await l5.waitForSelector('#lesson-narration ol > li');
  const items = await l5.locator('#lesson-narration ol > li').allTextContents();
  assert.equal(items.length, 3, `three numbered items: ${JSON.stringify(items)}`);
  assert.match(items[0], /^its blocks still sitting in magazines/);
  assert.match(items[2], /^its 2 MiB go back to the page allocator/);
  assert.doesNotMatch(await l5.textContent('#lesson-narration'), /`|\b2\. the TLS/);
  await finish(t, l5, 'polish-superslab-step5');
});

test('Escape closes the ? help', opts, async (t) => {
  const page = await openApp(t);
  await page.keyboard.press('?');
  assert.equal(await page.locator('#shortcuts').isVisible(), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#shortcuts').count(), 0, 'closed');
  assert.equal(await page.getAttribute('#help', 'aria-expanded'), 'false');
  // Also after opening it with the button (focus on the button).
  await page.click('#help');
  assert.equal(await page.locator('#shortcuts').isVisible(), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#shortcuts').count(), 0);
  await finish(t, page, 'polish-help-escape');
});
