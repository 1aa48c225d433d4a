// The instrument layout (issue 13): the picture beside its narration and controls at 1366×768 and
// 1920×1080, picture first on a phone, lessons that hold their step, embeds that fit their frame
// (720×480, 480×360) and tell the host their height, and the URL parameters' messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { inViewport, noHorizontalOverflow, showViews, switchLang } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const long = { timeout: 600_000 };
const DESKTOP = { width: 1366, height: 768 };
const WIDE = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };

const stepOf = async (scope) => Number(await scope.locator('#lesson-player').getAttribute('data-step'));
/** The first view the stage shows (its order comes from the lesson / the mode). */
const firstPanel = async (scope) => {
  const views = (await scope.locator('#stage').getAttribute('data-views')).split(',').filter(Boolean);
  assert.ok(views.length > 0, 'the stage shows views');
  return `#stage [data-panel="${views[0]}"]`;
};

/** Narration, question (if any), controls and the first panel are all on screen at once. */
async function assertTogether(page, where, { question = true } = {}) {
  const first = await firstPanel(page);
  assert.ok(await inViewport(page, first, 40), `${where}: first panel ${first} in the viewport`);
  assert.ok(await inViewport(page, '#lesson-narration', 16), `${where}: narration in the viewport`);
  if (question && (await page.locator('#lesson-question').count())) {
    assert.ok(await inViewport(page, '#lesson-question h3', 16), `${where}: question in the viewport`);
  }
  assert.ok(await inViewport(page, '#controls-bar .controls', 16), `${where}: controls in the viewport`);
  assert.ok(await noHorizontalOverflow(page), `${where}: no horizontal overflow`);
}

/**
 * Panel titles no control bar (or pinned picture) covers: each shown panel's title is scrolled
 * into view and must be the element under its own middle. Returns the covered ones.
 */
async function coveredTitles(page) {
  return page.$$eval('#stage [data-panel] h2', (hs) => hs.filter((h) => h.offsetParent).map((h) => {
    h.scrollIntoView({ block: 'nearest' });
    const r = h.getBoundingClientRect();
    const el = document.elementFromPoint(r.left + Math.min(20, r.width / 2), r.top + r.height / 2);
    return h.contains(el) ? null : `"${h.textContent.trim()}" under ${el?.id || el?.className || el?.tagName}`;
  }).filter(Boolean));
}

/** Every lesson's id, from the lesson index (checked: the index shows no session views). */
async function lessonIds(t, viewport, shot) {
  const index = await openApp(t, { viewport });
  await index.click('#mode-lessons');
  const ids = await index.$$eval('#lesson-index .lesson-card', (l) => l.map((e) => e.dataset.lesson));
  assert.ok(ids.length >= 10, `lessons: ${ids.join(' ')}`);
  assert.ok(await index.locator('#stage').isHidden(), 'the lesson index shows no unrelated session views');
  assert.ok(await noHorizontalOverflow(index));
  if (shot) await finish(t, index, shot);
  return ids;
}

/**
 * Walk every step of every lesson at `viewport`: before and after answering its question, the
 * narration, the question, the controls and the step's first panel are on screen together (on a
 * phone: the picture first, the narration under it). `check(page, where)` adds per-step checks.
 */
async function everyStep(t, viewport, { phone = false } = {}) {
  const ids = await lessonIds(t, viewport, phone ? null : `layout-${viewport.width}-lessons-index`);
  const page = await openApp(t, { viewport, query: { lesson: ids[0] } });
  const at = `${viewport.width}×${viewport.height}`;
  let steps = 0;
  for (const id of ids) {
    await page.goto(new URL(`?lesson=${id}`, page.url()).href);
    await page.waitForSelector(`#lesson-player[data-lesson="${id}"]`);
    const total = Number((await page.textContent('#lesson-counter')).match(/of (\d+)/)[1]);
    for (let k = 1; k <= total; k++) {
      assert.equal(await stepOf(page), k, `${id}: step ${k}`);
      const where = `${at} ${id} step ${k}`;
      await assertTogether(page, where);
      if (phone) await assertPictureFirst(page, where);
      if (await page.locator('#lesson-skip').count()) {
        await page.click('#lesson-skip');
        await page.waitForSelector('#lesson-feedback');
        // Answered: the narration moves up beside the picture, and the question (with its
        // feedback) is still on screen. On a phone the page scrolls under the pinned picture:
        // the narration comes up under it, the question follows below.
        await assertTogether(page, `${where} (answered)`, { question: !phone });
        if (phone) await assertPictureFirst(page, `${where} (answered)`);
        await assertAnsweredRoom(page, `${where} (answered)`);
      }
      steps++;
      if (k < total) await page.click('#lesson-next');
    }
  }
  assert.ok(steps >= 60, `${at}: walked ${steps} lesson steps`);
  return page;
}

/**
 * After an answer, the text the student must read is on screen without scrolling: the step's
 * narration shows all of its text (or at least 6 lines of it, in its own scroll box) and the verdict with the answer
 * line is in view too, inside the band the picture and the control bar leave free (on a phone
 * the picture is pinned at the top and the bar at the bottom; at two panes, the whole window).
 */
async function assertAnsweredRoom(page, where) {
  const m = await page.evaluate(() => {
    const nar = document.querySelector('#lesson-narration');
    const answer = document.querySelector('#lesson-answer');
    const stage = document.querySelector('#stage').getBoundingClientRect();
    const bar = document.querySelector('#controls-bar').getBoundingClientRect();
    const narrow = window.innerWidth < 1200;
    const top = narrow && getComputedStyle(document.querySelector('#stage')).position === 'sticky' ? Math.max(0, stage.bottom) : 0;
    const bottom = narrow ? Math.min(window.innerHeight, bar.top) : window.innerHeight;
    const r = nar.getBoundingClientRect();
    // The answer line as seen through the lesson player's box (it clips at two panes).
    const box = document.querySelector('#lesson-player').getBoundingClientRect();
    const a = answer && box && ((r) => ({ top: Math.max(r.top, box.top), bottom: Math.min(r.bottom, box.bottom), height: r.height, full: r.bottom - r.top }))(answer.getBoundingClientRect());
    return {
      top, bottom, line: parseFloat(getComputedStyle(nar).lineHeight),
      nar: { top: r.top, bottom: r.bottom, clipped: nar.scrollHeight > nar.clientHeight + 2 },
      shown: Math.min(r.bottom, bottom) - Math.max(r.top, top),
      answer: a,
    };
  });
  const whole = !m.nar.clipped && m.nar.top >= m.top - 1 && m.nar.bottom <= m.bottom + 1;
  assert.ok(whole || m.shown >= 6 * m.line, `${where}: the narration shows all its text or 6 lines (${JSON.stringify(m)})`);
  if (m.answer) {
    const a = m.answer;
    assert.ok(a.height > 0 && a.bottom - a.top >= a.full - 1 && a.top >= m.top - 1 && a.bottom <= m.bottom + 1, `${where}: the verdict and the answer line are in view (${JSON.stringify(m)})`);
  }
}

/** Phone: the first panel starts above the narration, and the narration is not under the pinned picture. */
async function assertPictureFirst(page, where) {
  const pic = await page.locator(await firstPanel(page)).boundingBox();
  const nar = await page.locator('#lesson-narration').boundingBox();
  assert.ok(pic.y < nar.y, `${where}: picture (y=${pic.y}) before narration (y=${nar.y})`);
  const stage = await page.locator('#stage').boundingBox();
  assert.ok(nar.y >= stage.y + stage.height - 1, `${where}: narration (y=${nar.y}) below the picture (ends at ${stage.y + stage.height})`);
}

test('1366×768: every step of every lesson shows narration, question, controls and its first panel together', long, async (t) => {
  const page = await everyStep(t, DESKTOP);
  await page.goto(new URL('?lesson=buddy-split', page.url()).href);
  await page.waitForSelector('#lesson-player');
  await finish(t, page, 'layout-1366-lesson');
});

test('1920×1080: every step of every lesson, the picture grown with the window', long, async (t) => {
  const page = await everyStep(t, WIDE);
  await page.goto(new URL('?lesson=slab-three-lists&lstep=2', page.url()).href);
  await page.waitForSelector('#lesson-player');
  await finish(t, page, 'layout-1920-lesson-slab');
});

test('390×844: every step of every lesson, picture then narration, no overflow', long, async (t) => {
  const page = await everyStep(t, PHONE, { phone: true });
  await finish(t, page, 'layout-phone-last-lesson');
});

test('1366×768 sandbox and trace: the picture beside the controls, tools in a drawer, views one click away', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP });
  assert.deepEqual((await page.getAttribute('#stage', 'data-views')).split(','), ['memory', 'buddy', 'cache']);
  for (const id of ['memory', 'buddy', 'cache']) assert.ok(await page.isVisible(`#stage [data-panel="${id}"]`), id);
  assert.ok(!(await page.isVisible('#stage [data-panel="slabinfo"]')), 'the rest waits in the view picker');
  assert.ok(await inViewport(page, '#stage [data-panel="memory"]', 200), 'the memory map is above the fold');
  assert.ok(await inViewport(page, '#controls-bar .controls', 16));
  assert.ok(await inViewport(page, '#command', 16));
  assert.ok(!(await page.isVisible('#op-alloc2')), 'common operations live in the closed tools drawer');
  // The two panes fill the window; the stage grows with it (no fixed max width).
  const stage = await page.locator('#stage').boundingBox();
  assert.ok(stage.x + stage.width > DESKTOP.width - 40, `stage reaches the right edge: ${JSON.stringify(stage)}`);
  assert.ok(await noHorizontalOverflow(page));
  // A view toggled on is remembered in this browser.
  await page.click('[data-view-toggle="slabinfo"]');
  assert.ok(await page.isVisible('#stage [data-panel="slabinfo"]'));
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await page.getAttribute('[data-view-toggle="slabinfo"]', 'aria-pressed'), 'true', 'remembered');
  await page.click('[data-view-toggle="slabinfo"]');
  // Hidden views are not rendered: show /proc/buddyinfo to check it, then hide it again.
  await showViews(page, ['buddyinfo']);
  assert.equal(await page.getAttribute('#buddyinfo', 'tabindex'), '0', '/proc/buddyinfo scrolls by keyboard');
  await showViews(page);
  assert.deepEqual(await coveredTitles(page), [], 'the control bar covers no panel title');
  await page.click('#views-reset');
  assert.deepEqual((await page.getAttribute('#stage', 'data-views')).split(','), ['memory', 'buddy', 'cache'], 'reset: the defaults');
  await finish(t, page, 'layout-1366-sandbox');

  // The trace mode shows nothing of the sandbox's session until a trace is loaded.
  await page.click('#mode-trace');
  assert.ok(await page.locator('#stage').isHidden(), 'empty trace mode: no views');
  assert.ok(await page.locator('#controls-bar').isHidden(), 'empty trace mode: no step controls');
  assert.equal(await page.textContent('#trace-panel code'), 'perf script', 'the help shows code, not backticks');
  assert.doesNotMatch(await page.textContent('#trace-panel'), /`/);
  await page.setInputFiles('#trace-file', join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'));
  await page.waitForFunction(() => /2000 events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 30_000 });
  // Out of the mode tabs first: End on a focused tab moves to the last tab (ARIA tabs).
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('End');
  const first = await firstPanel(page);
  assert.ok(await inViewport(page, first, 40), 'the trace views beside the summary');
  assert.ok(await inViewport(page, '#trace-summary', 10));
  assert.ok(await noHorizontalOverflow(page));
  await finish(t, page, 'layout-1366-trace');
});

test('1920×1080: the picture grows with the window', opts, async (t) => {
  const page = await openApp(t, { viewport: WIDE, query: { lesson: 'buddy-split' } });
  await page.waitForSelector('#lesson-player');
  await assertTogether(page, 'buddy-split at 1920');
  const map = await page.locator('#stage [data-panel="memory"]').boundingBox();
  assert.ok(map.width > 1100, `the memory map uses the width: ${map.width}px`);
  // Two panes fill the window: the page itself does not scroll; the lesson pane scrolls on its
  // own and the picture's pane reaches the bottom of the window.
  const panes = await page.evaluate(() => ({
    doc: document.scrollingElement.scrollHeight, h: innerHeight,
    side: getComputedStyle(document.querySelector('#side')).overflowY,
    stage: document.querySelector('#stage').getBoundingClientRect().bottom,
  }));
  assert.ok(panes.doc <= panes.h + 1, `the page does not scroll: ${JSON.stringify(panes)}`);
  assert.ok(['auto', 'scroll'].includes(panes.side), `the lesson pane has its own scroll: ${panes.side}`);
  assert.ok(panes.stage >= panes.h - 24, `the picture pane fills the height: ${JSON.stringify(panes)}`);
  await page.click('#lesson-next');
  await assertTogether(page, 'buddy-split step 2 at 1920');
  await finish(t, page, 'layout-1920-lesson');
});

test('phone 390×844: picture first, thin control bar, narration below, nothing wider than the screen', opts, async (t) => {
  for (const [query, name] of [[{}, 'sandbox'], [{ lesson: 'buddy-split' }, 'lesson'], [{ lesson: 'slub-fast-path' }, 'lesson-slub'], [{ lesson: 'slub-fast-path', lang: 'ja' }, 'lesson-slub-ja']]) {
    const page = await openApp(t, { viewport: PHONE, query });
    assert.ok(await noHorizontalOverflow(page), `${name}: no horizontal overflow`);
    const first = await firstPanel(page);
    const bar = await page.locator('#controls-bar').boundingBox();
    assert.ok(bar.height < 170 && bar.y + bar.height <= PHONE.height + 1 && bar.y > PHONE.height / 2, `${name}: a thin bar at the bottom ${JSON.stringify(bar)}`);
    // Every step button is on screen (none scrolled out of the bar's row), and so is the counter.
    const buttons = await page.$$eval('#controls-bar .controls button, #step-counter', (l) => l.map((b) => {
      const r = b.getBoundingClientRect();
      return [b.id, Math.round(r.left), Math.round(r.right), r.width > 0];
    }));
    assert.ok(buttons.every(([, l, r, shown]) => shown && l >= 0 && r <= PHONE.width), `${name}: the bar's buttons fit the screen ${JSON.stringify(buttons)}`);
    assert.ok(await inViewport(page, first, 40), `${name}: picture in view`);
    const chips = await page.locator('#view-picker').boundingBox();
    assert.ok(chips.height <= 40, `${name}: the view chips are one line (${chips.height}px)`);
    const picTop = (await page.locator(first).boundingBox()).y;
    assert.ok(picTop < PHONE.height / 4, `${name}: the picture starts at y=${picTop}, in the top quarter`);
    if (name !== 'sandbox') {
      const pic = await page.locator(first).boundingBox();
      const nar = await page.locator('#lesson-narration').boundingBox();
      assert.ok(pic.y < nar.y, `${name}: picture before narration`);
      assert.ok(await inViewport(page, '#lesson-narration', 16), `${name}: narration in view with the picture`);
      await page.click('#lesson-next');
      assert.ok(await noHorizontalOverflow(page), `${name}: step 2, no horizontal overflow`);
    }
    await showViews(page);
    assert.ok(await noHorizontalOverflow(page), `${name}: every view shown, still no horizontal overflow`);
    // Nothing inside the picture is wider than the screen either (per-CPU columns included): the
    // stage does not scroll sideways, and every per-CPU column lies inside the window.
    const stage = await page.$eval('#stage', (s) => [s.scrollWidth, s.clientWidth]);
    assert.ok(stage[0] <= stage[1] + 1, `${name}: the stage is not wider than its box ${stage}`);
    const cols = await page.$$eval('#stage .cpu-col', (l) => l.map((c) => c.getBoundingClientRect().right));
    assert.ok(cols.every((r) => r <= PHONE.width + 0.5), `${name}: per-CPU columns inside the screen: ${cols}`);
    assert.deepEqual(await coveredTitles(page), [], `${name}: the control bar covers no panel title`);
    await finish(t, page, `layout-phone-${name}`);
  }
});

/** The stage's views, in order. */
const shownViews = async (page) => (await page.getAttribute('#stage', 'data-views')).split(',').filter(Boolean);
/** Skip the step's question (if open) and go to the next lesson step. */
async function nextStep(page) {
  if (await page.locator('#lesson-skip').count()) await page.click('#lesson-skip');
  const k = await stepOf(page);
  await page.click('#lesson-next');
  await page.waitForSelector(`#lesson-player[data-step="${k + 1}"]`);
}

test('lesson views: a view the user showed or hid stays so on every step; the rest follow the step', opts, async (t) => {
  // pages-too-big: [memory, caches, slabinfo, log] by default; step 3 adds its own "cache".
  const page = await openApp(t, { viewport: DESKTOP, query: { lesson: 'pages-too-big' } });
  await page.waitForSelector('#lesson-player');
  assert.deepEqual(await shownViews(page), ['memory', 'caches', 'slabinfo', 'log']);
  assert.equal(await page.locator('#views-reset').count(), 0, 'nothing to reset yet');
  await page.click('[data-view-toggle="caches"]'); // hide a default
  await page.click('[data-view-toggle="buddy"]'); // show a view the lesson does not use
  assert.deepEqual(await shownViews(page), ['memory', 'slabinfo', 'log', 'buddy']);
  await nextStep(page);
  await nextStep(page);
  assert.equal(await stepOf(page), 3);
  // Step 3's own "cache" comes with the step; the user's choices hold.
  assert.deepEqual(await shownViews(page), ['memory', 'cache', 'slabinfo', 'log', 'buddy']);
  // Hiding a view only this step shows by default: it stays hidden when the lesson comes back to it.
  await page.click('[data-view-toggle="cache"]');
  assert.deepEqual(await shownViews(page), ['memory', 'slabinfo', 'log', 'buddy']);
  await nextStep(page);
  assert.deepEqual(await shownViews(page), ['memory', 'slabinfo', 'log', 'buddy'], 'step 4: no view flipped');
  await page.click('#lesson-prev');
  assert.equal(await stepOf(page), 3);
  assert.equal(await page.getAttribute('[data-view-toggle="cache"]', 'aria-pressed'), 'false', 'back at step 3: still hidden');
  // Remembered in this browser, for this lesson only.
  await page.reload();
  await page.waitForSelector('#lesson-player');
  assert.deepEqual(await shownViews(page), ['memory', 'slabinfo', 'log', 'buddy'], 'kept across a reload');
  await page.goto(new URL('?lesson=buddy-split', page.url()).href);
  await page.waitForSelector('#lesson-player[data-lesson="buddy-split"]');
  assert.deepEqual(await shownViews(page), ['memory', 'buddy', 'buddyinfo', 'log'], 'another lesson: its own views');
  // Reset: the step's own views again.
  await page.goto(new URL('?lesson=pages-too-big&lstep=3', page.url()).href);
  await page.waitForSelector('#lesson-player[data-lesson="pages-too-big"]');
  await page.click('#views-reset');
  assert.deepEqual(await shownViews(page), ['memory', 'caches', 'cache', 'slabinfo', 'log']);
  assert.equal(await page.locator('#views-reset').count(), 0);
  await finish(t, page, 'layout-lesson-views');
});

test('lessons hold their step: keys, scrubber and step buttons stay inside it', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { lesson: 'buddy-split' } });
  await page.waitForSelector('#lesson-player');
  const boot = await page.textContent('#buddyinfo');
  for (const key of ['End', 'Shift+ArrowRight', 'ArrowRight']) {
    await page.keyboard.press(key);
  }
  // Past step 1's end: step 2, which waits (before its ops) while its question is open.
  assert.equal(await stepOf(page), 2);
  assert.ok(await page.isVisible('#lesson-question'));
  const s2 = await page.textContent('#step-counter');
  for (const key of ['ArrowRight', 'Shift+ArrowRight', 'End', ' ']) {
    await page.keyboard.press(key);
  }
  await page.locator('#scrubber').fill(await page.getAttribute('#scrubber', 'max'));
  await page.click('#step');
  await page.click('#end');
  await page.click('#event-next');
  assert.equal(await stepOf(page), 2, 'still step 2');
  assert.equal(await page.textContent('#buddyinfo'), boot, 'the splits the question asks about are not shown');
  assert.equal(await page.textContent('#step-counter'), s2);
  assert.ok(await page.locator('#lesson-player .dot', { hasText: /^3$/ }).isDisabled(), 'step 3 cannot be reached past the open question');
  // Nor do the session charts (off by default) plot past it: they end where the question is asked.
  await showViews(page, ['charts']);
  const asked = Number(s2.match(/^step (\d+) \//)[1]);
  assert.equal(Number(await page.getAttribute('#orders-chart', 'data-until')), asked, 'the charts stop at the open question');
  // Answered: the step's events play; Home and End stay inside them.
  await page.locator('#lesson-question .choice', { hasText: /^6$/ }).click();
  await page.waitForSelector('#lesson-feedback.right');
  const total = Number((await page.textContent('#step-counter')).match(/\/ (\d+)/)[1]);
  await page.waitForFunction((total) => Number(document.querySelector('#orders-chart').dataset.until) === total, total);
  const [lo, hi] = [Number(await page.getAttribute('#scrubber', 'min')), Number(await page.getAttribute('#scrubber', 'max'))];
  assert.ok(hi > lo, `scrubber spans the step's events ${lo}..${hi}`);
  await page.keyboard.press('Home');
  assert.equal(await page.textContent('#buddyinfo'), boot, 'Home: the start of this lesson step');
  assert.equal(await stepOf(page), 2);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await stepOf(page), 1, 'before its start: the previous lesson step');
  await page.keyboard.press('ArrowRight');
  assert.equal(await stepOf(page), 2);
  await page.keyboard.press('End');
  assert.match(await page.textContent('#buddyinfo'), /1 {6}1 {6}1 {6}1 {6}1 {6}1 {6}0/);
  await page.keyboard.press('ArrowRight');
  assert.equal(await stepOf(page), 3, 'past the end: the next lesson step');
  // The sandbox keeps free stepping.
  await page.click('#mode-sandbox');
  assert.equal(await page.getAttribute('#scrubber', 'min'), '0', 'the sandbox scrubber spans the whole session');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Home');
  assert.match(await page.textContent('#step-counter'), /^step 0 \//);
  await finish(t, page, 'layout-lesson-hold');
});

test('embeds fit 720×480 and 480×360: thin bar, the picture, the narration in its own box', opts, async (t) => {
  for (const viewport of [{ width: 720, height: 480 }, { width: 480, height: 360 }]) {
    for (const query of [{ embed: 1, lesson: 'buddy-split' }, { embed: 1, lesson: 'buddy-split', lang: 'ja', panels: 'buddyinfo,log' }]) {
      const page = await openApp(t, { viewport, query });
      await page.waitForSelector('#lesson-player');
      const where = `${viewport.width}×${viewport.height} ${JSON.stringify(query)}`;
      assert.ok(await inViewport(page, await firstPanel(page), 40), `${where}: picture visible`);
      assert.ok(await inViewport(page, '#lesson-narration', 12), `${where}: narration visible`);
      assert.ok(await inViewport(page, '#controls-bar .controls', 12), `${where}: controls visible`);
      assert.ok(await noHorizontalOverflow(page), `${where}: no horizontal overflow`);
      if (query.panels) {
        // /proc/buddyinfo in a narrow box: its columns named by order, the order-6 count (the one
        // the lesson points at) readable on screen, not clipped.
        assert.ok(await inViewport(page, '#buddyinfo-orders', 40), `${where}: the order table is on screen`);
        assert.equal(await page.textContent('#buddyinfo-orders thead th:nth-child(8)'), '6');
        assert.ok(await inViewport(page, '#buddyinfo-orders tbody td:nth-of-type(7)', 8), `${where}: the order-6 count is visible`);
        assert.equal(await page.textContent('#buddyinfo-orders tbody td:nth-of-type(7)'), '1');
      }
      if (query.lang) await finish(t, page, `layout-embed-${viewport.width}x${viewport.height}-ja`);
      else await finish(t, page, `layout-embed-${viewport.width}x${viewport.height}`);
    }
  }
});

test('embed: panels= order, unknown parameters with suggestions, bad values, missing lesson', opts, async (t) => {
  const page = await openApp(t, { query: { embed: 1, lesson: 'buddy-split', panels: 'log,memory', panel: 'buddy', form: 2, controls: 'maybe' } });
  await page.waitForSelector('#lesson-player');
  const log = await page.locator('#stage [data-panel="log"]').boundingBox();
  const map = await page.locator('#stage [data-panel="memory"]').boundingBox();
  assert.ok(log.y < map.y, 'panels=log,memory: the log first');
  const text = await page.textContent('#param-errors');
  assert.match(text, /panel: unknown parameter; did you mean panels\?/);
  assert.match(text, /form: unknown parameter; did you mean from\?/);
  assert.match(text, /controls=maybe: expected 1 or 0/);
  assert.ok(await page.isVisible('#controls-bar .controls'), 'a bad controls= keeps the controls');
  const alone = await openApp(t, { query: { embed: 1, lesson: 'buddy-split', controls: 0 } });
  assert.match(await alone.textContent('#param-errors'), /controls=0: .*autoplay=1/);
  assert.ok(await alone.isVisible('#controls-bar .controls'), 'controls=0 without autoplay: kept');
  for (const query of [{ embed: 1, lesson: 'nope' }, { embed: 1 }]) {
    const bad = await openApp(t, { query, viewport: { width: 480, height: 360 } });
    await bad.waitForSelector('#embed-error');
    assert.match(await bad.textContent('#embed-error'), /buddy-split/);
    assert.ok(await bad.locator('#stage').isHidden(), 'never the sandbox in a frame');
    assert.equal(await bad.locator('#command').count(), 0);
    await finish(t, bad, `layout-embed-error-${query.lesson ?? 'missing'}`);
  }
  await finish(t, page, 'layout-embed-params');
});

test('the course page sizes its frames from the resize message', opts, async (t) => {
  const page = await openApp(t, { path: 'course-page.html', waitReady: false, viewport: { width: 1100, height: 900 } });
  // Record every resize message the host receives, with the frame that sent it (then load again).
  await page.addInitScript(() => {
    if (window.top !== window) return;
    window.resizes = [];
    addEventListener('message', (e) => {
      if (e.data?.type !== 'slabscope:resize') return;
      const f = [...document.querySelectorAll('iframe')].find((x) => x.contentWindow === e.source);
      window.resizes.push({ frame: f?.id, height: e.data.height });
    });
  });
  await page.reload();
  for (const id of ['#lesson-a', '#lesson-b', '#lesson-c']) {
    await page.locator(id).scrollIntoViewIfNeeded();
    await page.frameLocator(id).locator('#lesson-player').waitFor({ timeout: 20_000 });
  }
  await page.locator('#compare-a').scrollIntoViewIfNeeded();
  await page.frameLocator('#compare-a').locator('#compare-col-1 .memory-map > svg').waitFor({ timeout: 20_000 });
  await page.locator('#exercise-a').scrollIntoViewIfNeeded();
  await page.frameLocator('#exercise-a').locator('body[data-ready="1"]').waitFor({ timeout: 20_000 });
  // Every frame ends up exactly as tall as its content (the message arrived and was applied).
  await page.waitForFunction(() => [...document.querySelectorAll('iframe')].every((f) => {
    const body = f.contentDocument?.body;
    return body && f.style.height && Math.abs(f.clientHeight - Math.ceil(body.getBoundingClientRect().height)) <= 2;
  }), null, { timeout: 15_000 });
  const sizes = await page.$$eval('iframe', (l) => l.map((f) => [f.id, f.clientWidth, f.clientHeight, f.contentDocument.documentElement.scrollHeight]));
  // Every frame, the exercise frame included, ends up the height of its content: no inner scroll.
  for (const [id, , h, content] of sizes) {
    assert.ok(content <= h + 1, `${id}: frame ${h}px for ${content}px of content (scrolls inside)`);
    assert.ok(Math.abs(h - content) <= 2, `${id}: frame ${h}px for ${content}px of content`);
  }
  // Each frame posted {type: "slabscope:resize", height} itself; its last height is the frame's.
  const resizes = await page.evaluate(() => window.resizes);
  for (const [id, , h] of sizes) {
    const mine = resizes.filter((m) => m.frame === id);
    assert.ok(mine.length > 0, `${id}: no slabscope:resize message arrived (${JSON.stringify(resizes)})`);
    assert.ok(mine.every((m) => Number.isFinite(m.height) && m.height > 0), `${id}: heights are numbers`);
    assert.ok(Math.abs(mine.at(-1).height - h) <= 1, `${id}: the last message said ${mine.at(-1).height}px, the frame is ${h}px`);
  }
  // The compact embed's content is about the frame's own size: the 720×480 and 480×360 frames
  // stay that small, and inside each the picture and the narration are both in view.
  const height = Object.fromEntries(sizes.map(([id, w, h]) => [id, [w, h]]));
  assert.equal(height['lesson-b'][0], 720);
  assert.ok(height['lesson-b'][1] <= 500, `lesson-b (720×480): ${height['lesson-b'][1]}px tall`);
  assert.equal(height['lesson-c'][0], 480);
  assert.ok(height['lesson-c'][1] <= 380, `lesson-c (480×360): ${height['lesson-c'][1]}px tall`);
  // s13: the compare frame keeps the size it was given, both columns' pictures in it.
  assert.deepEqual(height['compare-a'], [720, 480]);
  const cmp = page.frameLocator('#compare-a');
  for (const sel of ['#compare-counter', '#compare-col-0 .memory-map > svg', '#compare-col-1 .memory-map > svg']) {
    assert.ok(await inViewport(cmp, sel, 40), `#compare-a: ${sel} inside the frame`);
  }
  for (const id of ['#lesson-a', '#lesson-b', '#lesson-c']) {
    const f = page.frameLocator(id);
    assert.ok(await inViewport(f, await firstPanel(f), 40), `${id}: the picture inside the frame`);
    assert.ok(await inViewport(f, '#lesson-narration', 12), `${id}: the narration inside the frame`);
    assert.ok(await noHorizontalOverflow(f.locator('body')), `${id}: no horizontal overflow`);
  }
  // A change of content height is reported again: the page narrows, the 100%-wide frame a
  // crosses the small-frame layout (under 600 px) and its content gets shorter.
  const before = resizes.filter((m) => m.frame === 'lesson-a').length;
  const tall = height['lesson-a'][1];
  await page.setViewportSize({ width: 560, height: 900 });
  await page.waitForFunction((n) => window.resizes.filter((m) => m.frame === 'lesson-a').length > n, before, { timeout: 10_000 });
  await page.waitForFunction((tall) => {
    const f = document.querySelector('#lesson-a');
    const content = Math.ceil(f.contentDocument.body.getBoundingClientRect().height);
    return f.clientHeight !== tall && Math.abs(f.clientHeight - content) <= 2;
  }, tall, { timeout: 10_000 });
  await page.setViewportSize({ width: 1100, height: 900 });
  await finish(t, page, 'layout-course-page');
});

test('the embed builder: lesson, from/to, panels, language and size give the snippet and a live preview', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { lesson: 'buddy-split' } });
  await page.waitForSelector('#lesson-player');
  await page.click('#embed-code summary');
  const snippet = () => page.inputValue('#embed-snippet');
  // The defaults: this lesson, its own panels, the page's language, a 720×480 frame, the listener.
  assert.match(await snippet(), /\?embed=1&amp;lesson=buddy-split&amp;lang=en" title="The buddy allocator splits a block" width="720" height="480"/);
  assert.match(await snippet(), /addEventListener\("message"[\s\S]*slabscope:resize[\s\S]*f\.style\.height = e\.data\.height \+ "px"/);
  await page.selectOption('#embed-lesson', 'pages-too-big');
  await page.fill('#embed-from', '2');
  await page.fill('#embed-to', '3');
  await page.fill('#embed-panels', 'buddyinfo,log');
  await page.press('#embed-panels', 'Tab');
  await page.selectOption('#embed-lang', 'ja');
  await page.selectOption('#embed-size', { label: '480×360' });
  const code = await snippet();
  assert.match(code, /\?embed=1&amp;lesson=pages-too-big&amp;lang=ja&amp;from=2&amp;to=3&amp;panels=buddyinfo,log" title="[^"]+" width="480" height="360"/);
  // The preview is that frame: its address, its size, and inside it the lesson as the snippet says.
  const src = await page.getAttribute('#embed-preview', 'src');
  assert.equal(src, code.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.deepEqual(await page.$eval('#embed-preview', (f) => [f.width, f.height]), ['480', '360']);
  await page.locator('#embed-preview').scrollIntoViewIfNeeded();
  const preview = page.frameLocator('#embed-preview');
  await preview.locator('#lesson-player[data-lesson="pages-too-big"][data-step="2"]').waitFor({ timeout: 20_000 });
  assert.equal(await preview.locator('html').getAttribute('lang'), 'ja');
  assert.equal(await preview.locator('#stage').getAttribute('data-views'), 'buddyinfo,log');
  assert.ok(await preview.locator('#lesson-prev').isDisabled(), 'the preview starts at from=2');
  await finish(t, page, 'layout-embed-builder');
});

test('language and theme persist; copied links carry lang=', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { lesson: 'buddy-split' } });
  await page.waitForSelector('#lesson-player');
  await switchLang(page);
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.goto(page.url().split('?')[0]);
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'ja', 'language kept across a reload');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark', 'theme kept across a reload');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click('#copy-link');
  await page.waitForFunction(() => /コピーしました/.test(document.querySelector('#copy-link').textContent));
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /[#&]lang=ja/);
  await page.goto(new URL('?lesson=buddy-split', page.url()).href);
  await page.waitForSelector('#lesson-player');
  await assertTogether(page, 'Japanese, dark');
  await finish(t, page, 'layout-1366-lesson-ja-dark');
});
