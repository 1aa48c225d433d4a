// SLOB (slab=slob) in the cache view: its heap pages drawn as bars of variable-size blocks (free
// units and allocated blocks with their sizes) from the snapshot's policy-neutral block rows;
// the selected cache's blocks outlined; English and Japanese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCREENSHOT_DIR, TEST_TIMEOUT_MS, finish, openApp, runCommand, setupSuite } from '../harness.mjs';
import { showViews, switchLang } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };

test('SLOB pages: free units and sized blocks of every cache, first fit', opts, async (t) => {
  const page = await showViews(await openApp(t));
  await runCommand(page, 'config slab=slob');
  await runCommand(page, 'cache create c size=40; repeat 30 { kmalloc 100 as=p[] }; repeat 20 { cache alloc c as=q[] }; kfree p[3]; kfree p[4]; cache free q[7]');
  await page.waitForSelector('#slob-pages');
  const pages = Number(await page.getAttribute('#slob-pages', 'data-pages'));
  assert.ok(pages >= 1, 'at least one heap page');
  // 28 kmalloc blocks and 19 blocks of c are allocated; the frees left free units between them.
  assert.equal(await page.locator('#slob-svg rect.cell.used').count(), 28 + 19);
  assert.ok((await page.locator('#slob-svg rect.cell.free').count()) >= 2, 'free blocks drawn');
  // Every page's blocks tile the page: their bytes add up to 4096.
  const sums = await page.$$eval('#slob-svg g.slob-page', (gs) =>
    gs.map((g) => [...g.querySelectorAll('rect')].reduce((s, r) => s + Number(r.dataset.bytes), 0)));
  assert.ok(sums.length === Math.min(pages, 12) && sums.every((s) => s === 4096), `page sums ${sums}`);
  // kmalloc blocks carry an 8-byte size header: 100 + 8 bytes asked, 108 taken.
  const titles = await page.locator('#slob-svg rect.cell.used title').allTextContents();
  assert.ok(titles.some((x) => /kmalloc: 108 B asked, 108 B taken/.test(x)), titles.slice(0, 3).join(' | '));
  assert.ok(titles.some((x) => /\bc: 40 B asked, 40 B taken/.test(x)), 'the blocks of c');
  // Selecting cache c outlines exactly its live blocks.
  await page.locator('#caches-table tr.cache-row').filter({ has: page.locator('th.name', { hasText: /^c$/ }) }).click();
  await page.waitForFunction(() => document.querySelectorAll('#slob-svg rect.cell.mine').length === 19);
  const mine = await page.$$eval('#slob-svg rect.cell.mine', (rs) => rs.map((r) => r.dataset.bytes));
  assert.ok(mine.every((b) => b === '40'));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.locator('[data-panel="cache"]').screenshot({ path: join(SCREENSHOT_DIR, 'slob-pages.png') });
  // Japanese.
  await switchLang(page);
  assert.match(await page.textContent('#slob-pages h3'), /SLOB のヒープページ/);
  assert.match(await page.textContent('#slob-svg'), /空き \d+ B/);
  await page.locator('[data-panel="cache"]').screenshot({ path: join(SCREENSHOT_DIR, 'slob-pages-ja.png') });
  await finish(t, page, 'slob-pages');
});
