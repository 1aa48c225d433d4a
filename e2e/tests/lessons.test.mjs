// Lessons: index, player (narration, questions that hold "next", step links, progress),
// embed mode with its URL parameters, the copy-embed button, and the example course page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };

const stepOf = async (scope) => Number(await scope.locator('#lesson-player').getAttribute('data-step'));

test('lesson index: levels, prerequisites, open a lesson', opts, async (t) => {
  const page = await openApp(t);
  await page.click('#mode-lessons');
  const cards = page.locator('#lesson-index .lesson-card');
  assert.ok((await cards.count()) >= 2, 'lessons are listed');
  const split = page.locator('.lesson-card[data-lesson="buddy-split"]');
  assert.match(await split.textContent(), /Take first: Why pages are too big for small objects/);
  assert.match(await split.textContent(), /not started/);
  await finish(t, page, 'lessons-index');
  await split.locator('.lesson-open').click();
  await page.waitForSelector('#lesson-player');
  assert.equal(await stepOf(page), 1);
  assert.match(await page.textContent('#lesson-title'), /splits a block/);
  assert.match(await page.textContent('#lesson-narration'), /one free block of order 6/);
  assert.match(await page.textContent('#buddyinfo'), /0 {6}1 {6}0/, 'boot state: one order-6 block');
});

test('a question holds the step until answered; feedback; step links; progress saved', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'buddy-split' } });
  await page.waitForSelector('#lesson-player');
  const before = await page.textContent('#buddyinfo');
  await page.click('#lesson-next');
  assert.equal(await stepOf(page), 2);
  // The question is asked in the state before the step's ops.
  assert.ok(await page.isDisabled('#lesson-next'), 'next waits for the answer');
  assert.match(await page.textContent('#lesson-narration'), /Predict first/);
  assert.equal(await page.textContent('#buddyinfo'), before, 'ops not run yet');
  // A wrong answer: marked wrong, the right one shown, the explanation revealed, the ops run.
  await page.locator('#lesson-question .choice', { hasText: /^3$/ }).click();
  await page.waitForSelector('#lesson-feedback.wrong');
  assert.match(await page.textContent('#lesson-answer .choice.right'), /6/);
  // One answer line: the right choice and the one chosen, not the whole list again.
  assert.deepEqual(await page.$$eval('#lesson-answer .choice', (l) => l.map((b) => b.textContent.trim())), ['6 ✓', '3 ✗']);
  assert.match(await page.textContent('#lesson-why'), /six halvings/);
  assert.match(await page.textContent('#buddyinfo'), /1 {6}1 {6}1 {6}1 {6}1 {6}1 {6}0/);
  assert.ok(!(await page.isDisabled('#lesson-next')));
  // The step's checks, as the simulation computed them: all five hold.
  await page.click('#lesson-checks summary');
  assert.equal(await page.locator('#lesson-checks li.held').count(), 5);
  assert.equal(await page.locator('#lesson-checks li.failed').count(), 0);
  assert.match(await page.textContent('#lesson-checks'), /events buddy\.split == 6 \(now 6\)/);
  await finish(t, page, 'lesson-question-wrong');
  await page.click('#lesson-next');
  assert.equal(await stepOf(page), 3);
  // A link in the narration jumps to its step.
  await page.click('#lesson-narration a.step-link');
  assert.equal(await stepOf(page), 2);
  assert.ok(await page.locator('#lesson-feedback').count(), 'the answer stays answered');
  // The URL follows the step once it has stayed put (a burst of steps waits 300 ms; hooks/url.rs).
  await page.waitForFunction(() => /[#&]lstep=2(&|$)/.test(location.hash), null, { timeout: 3000 });
  // Progress survives a reload (localStorage of this browser context).
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await stepOf(page), 2, 'the lesson step is kept in the URL');
  await page.click('#lesson-close');
  assert.match(await page.textContent('.lesson-card[data-lesson="buddy-split"]'), /step 3 of 3|done/);
  await finish(t, page, 'lesson-progress');
});

test('Japanese lesson and dark theme', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'buddy-split', lang: 'ja' }, colorScheme: 'dark' });
  await page.waitForSelector('#lesson-player');
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.match(await page.textContent('#lesson-title'), /バディアロケータ/);
  assert.match(await page.textContent('#lesson-narration'), /オーダー 6/);
  await page.click('#lesson-next');
  await page.click('#lesson-skip');
  await page.waitForSelector('#lesson-feedback.skipped');
  assert.match(await page.textContent('#lesson-feedback'), /とばしました/);
  await finish(t, page, 'lesson-ja-dark');
});

test('embed mode shows only the chosen panels; copy embed code', opts, async (t) => {
  const page = await openApp(t, { query: { embed: 1, lesson: 'pages-too-big', from: 2, to: 3, panels: 'buddyinfo' } });
  await page.waitForSelector('#lesson-player');
  assert.equal(await page.locator('header.app-header').count(), 0, 'no app header in a frame');
  assert.equal(await stepOf(page), 2, 'starts at from=2');
  assert.ok(await page.isVisible('#buddyinfo'));
  assert.ok(!(await page.isVisible('[data-panel="memory"]')), 'memory map hidden by panels=');
  assert.ok(await page.isDisabled('#lesson-prev'), 'cannot go before from=');
  await page.click('#lesson-next');
  assert.equal(await stepOf(page), 3);
  await page.click('#lesson-skip');
  assert.ok(await page.isDisabled('#lesson-next'), 'cannot go past to=3');
  await page.setViewportSize({ width: 480, height: 600 });
  await finish(t, page, 'embed-small');

  const full = await openApp(t, { query: { lesson: 'buddy-split' } });
  await full.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await full.click('#embed-code summary');
  await full.click('#copy-embed');
  await full.waitForFunction(() => /copied/i.test(document.querySelector('#copy-embed').textContent));
  const code = await full.evaluate(() => navigator.clipboard.readText());
  assert.match(code, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/[^"]*\?embed=1&amp;lesson=buddy-split&amp;lang=en" title="The buddy allocator splits a block"/);
  await finish(t, full, 'embed-code');
});

test('invalid URL parameters give a clear message inside the frame', opts, async (t) => {
  const page = await openApp(t, { query: { embed: 1, lesson: 'buddy-splt', panels: 'memory,budy', lang: 'fr' } });
  const text = await page.textContent('#param-errors');
  assert.match(text, /lesson=buddy-splt: no such lesson; did you mean buddy-split\?/);
  assert.match(text, /unknown panel budy; did you mean buddy\?/);
  assert.match(text, /lang=fr: expected en or ja/);
  await finish(t, page, 'embed-bad-params');
});

test('the example course page embeds three lessons; each frame steps', opts, async (t) => {
  const page = await openApp(t, { path: 'course-page.html', waitReady: false, viewport: { width: 1100, height: 900 } });
  for (const id of ['#lesson-a', '#lesson-b', '#lesson-c']) {
    await page.locator(id).scrollIntoViewIfNeeded();
    const frame = page.frameLocator(id);
    await frame.locator('body[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
    await frame.locator('#lesson-player').waitFor();
  }
  const a = page.frameLocator('#lesson-a');
  await a.locator('#lesson-next').click();
  await a.locator('#lesson-question .choice', { hasText: /^6$/ }).click();
  await a.locator('#lesson-feedback.right').waitFor();
  assert.ok(!(await a.locator('[data-panel="slabinfo"]').isVisible()), 'frame a shows only its panels');
  const b = page.frameLocator('#lesson-b');
  assert.equal(await b.locator('#lesson-player').getAttribute('data-step'), '2');
  await b.locator('#lesson-next').click();
  assert.equal(await b.locator('#lesson-player').getAttribute('data-step'), '3');
  // Frame c: Japanese, no controls, autoplay advances to the question and waits there.
  const c = page.frameLocator('#lesson-c');
  assert.equal(await c.locator('#lesson-next').count(), 0, 'controls=0');
  assert.match(await c.locator('#lesson-title').textContent(), /バディ/);
  await c.locator('#lesson-player[data-step="2"]').waitFor({ timeout: 15_000 });
  await c.locator('#lesson-question .choice', { hasText: /^6$/ }).click();
  await c.locator('#lesson-player[data-step="3"]').waitFor({ timeout: 15_000 });
  await finish(t, page, 'course-page');
});

test('object question: click the object the next allocation returns', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'slub-fast-path' } });
  await page.waitForSelector('#lesson-player');
  await page.click('#lesson-next');
  await page.click('#lesson-next');
  assert.equal(await stepOf(page), 3);
  assert.ok(await page.isDisabled('#lesson-next'));
  const free = page.locator('#lesson-question .slot.free');
  assert.equal(await free.count(), 63, 'a new slab of 64 with `a` taken');
  const first = await page.locator('#lesson-question .slot:not(.free)').first().getAttribute('data-addr');
  // A wrong click: the last free object of the slab.
  const clicked = await free.last().getAttribute('data-addr');
  await free.last().click();
  await page.waitForSelector('#lesson-feedback.wrong');
  // Answered, the question collapses to its one answer line: the verdict, the right object and
  // the one clicked; the grid of slots is gone, so the narration keeps its room.
  assert.equal(await page.locator('#lesson-question .slots').count(), 0, 'the slot grid is folded away');
  assert.equal(await page.locator('#lesson-answer .slot').count(), 2);
  assert.equal(await page.locator('#lesson-answer .slot.wrong').getAttribute('data-addr'), clicked);
  // The right one is the head of the freelist: the object right after `a`.
  const right = await page.locator('#lesson-answer .slot.right').getAttribute('data-addr');
  assert.equal(BigInt(right) - BigInt(first), 64n);
  assert.match(await page.textContent('#lesson-answer'), /^Not quite.*Answer: \S+ ✓ your answer: \S+ ✗/);
  await finish(t, page, 'lesson-object-question');
});

test('a refused op is shown in the lesson (double free)', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'debugging', from: 6, lang: 'ja' } });
  await page.waitForSelector('#lesson-player');
  assert.equal(await stepOf(page), 6);
  const err = await page.textContent('#lesson-error');
  assert.match(err, /拒否され/);
  assert.match(err, /double free/);
  await finish(t, page, 'lesson-refused-ja');
});
