// Accessibility: axe-core (pinned in e2e/package-lock.json) on every kind of screen — the
// sandbox, the lessons index, one lesson of each kind (with its question), the trace mode with
// the repository's perf trace loaded, an embed, the example course page and its frames — in
// light and dark theme, English and Japanese. Any serious or critical violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { CACHE_CELLS, showViews } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Run axe in `frame` (a page or an iframe's frame); violations of impact serious/critical. */
async function axeIn(frame) {
  if (!(await frame.evaluate(() => typeof window.axe === 'object'))) {
    await frame.addScriptTag({ path: AXE_PATH });
  }
  const result = await frame.evaluate(async () => {
    // Frames are checked one by one (each gets its own axe), so not from the parent.
    const r = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(1, 2).join('')}`),
    }));
  });
  return result;
}

/** Fail on serious/critical violations in the page and all its frames; note the others. */
async function assertAxeClean(t, page, label) {
  const bad = [];
  const minor = [];
  for (const frame of page.frames()) {
    // A frame the user cannot see (the embed builder's preview inside a closed <details>, a lazy
    // frame that never loaded) has no page to check and would never answer.
    if (frame !== page.mainFrame() && !(await (await frame.frameElement()).isVisible())) continue;
    for (const v of await axeIn(frame)) {
      const where = frame === page.mainFrame() ? label : `${label} / frame ${frame.url()}`;
      const line = `[${v.impact}] ${v.id} (${v.help}) in ${where}: ${v.nodes.length} node(s)\n      ${v.nodes.slice(0, 5).join('\n      ')}`;
      (v.impact === 'serious' || v.impact === 'critical' ? bad : minor).push(line);
    }
  }
  if (minor.length) t.diagnostic(`minor/moderate axe findings:\n${minor.join('\n')}`);
  assert.equal(bad.length, 0, `axe: serious or critical violations:\n${bad.join('\n')}`);
}

const lessonReady = (page) => page.waitForSelector('#lesson-player');

test('axe: the sandbox, light and English; dark and Japanese', opts, async (t) => {
  const page = await openApp(t);
  // A slab cache in use, so the slab views are drawn too.
  await page.fill('#command', 'repeat 20 { kmalloc 64 as=p[] }; kfree p[3]');
  await page.press('#command', 'Enter');
  await page.waitForSelector(CACHE_CELLS);
  await assertAxeClean(t, page, 'sandbox');
  // /proc/buddyinfo is a focusable, named scroll region (a view one click away: hidden views
  // are not rendered).
  await showViews(page, ['buddyinfo']);
  assert.equal(await page.getAttribute('#buddyinfo', 'tabindex'), '0');
  assert.equal(await page.getAttribute('#buddyinfo', 'role'), 'region');
  await finish(t, page, 'a11y-sandbox');
  const dark = await openApp(t, { colorScheme: 'dark', query: { lang: 'ja' } });
  assert.equal(await dark.getAttribute('html', 'lang'), 'ja');
  await assertAxeClean(t, dark, 'sandbox (dark, ja)');
  await finish(t, dark, 'a11y-sandbox-dark-ja');
});

test('axe: the lessons index, English and Japanese dark', opts, async (t) => {
  const page = await openApp(t);
  await page.click('#mode-lessons');
  await page.waitForSelector('#lesson-index');
  await assertAxeClean(t, page, 'lessons index');
  const ja = await openApp(t, { colorScheme: 'dark', query: { lang: 'ja' } });
  await ja.click('#mode-lessons');
  await ja.waitForSelector('#lesson-index');
  await assertAxeClean(t, ja, 'lessons index (dark, ja)');
  await finish(t, ja, 'a11y-lessons-index-dark-ja');
});

// One lesson of each kind, at a step with a question where the lesson has one early.
const LESSONS = [
  ['buddy-split', 2, {}],
  ['slab-three-lists', 1, { lang: 'ja' }],
  ['slub-fast-path', 3, {}], // an object question: a grid of object slots
  ['aether-percpu-bulk', 1, {}],
  ['magazines-depot', 1, { lang: 'ja' }],
  ['superslab-lifecycle', 5, {}],
  ['debugging', 1, {}],
  ['real-trace', 1, { lang: 'ja' }],
];

for (const [id, step, extra] of LESSONS) {
  test(`axe: lesson ${id} at step ${step}${extra.lang ? ' (ja, dark)' : ''}`, opts, async (t) => {
    const page = await openApp(t, {
      colorScheme: extra.lang ? 'dark' : 'light',
      query: { lesson: id, lstep: step, ...extra },
    });
    await lessonReady(page);
    assert.equal(Number(await page.getAttribute('#lesson-player', 'data-step')), step);
    await assertAxeClean(t, page, `lesson ${id}`);
    await finish(t, page, `a11y-lesson-${id}`);
  });
}

test('axe: object question slots are named by their visible text first', opts, async (t) => {
  const page = await openApp(t, { query: { lesson: 'slub-fast-path', lstep: 3 } });
  await lessonReady(page);
  const slot = page.locator('#lesson-question .slot').first();
  const [visible, name] = [(await slot.textContent()).trim(), await slot.getAttribute('aria-label')];
  assert.match(visible, /^[0-9a-f]{3}$/);
  assert.ok(name.startsWith(visible), `"${name}" starts with "${visible}"`);
  assert.match(name, /0xffff[0-9a-f]+/, 'the full address follows');
  await finish(t, page, 'a11y-slots');
});

test('axe: trace mode with the repository trace loaded', opts, async (t) => {
  const page = await openApp(t);
  await page.click('#mode-trace');
  await assertAxeClean(t, page, 'trace (empty)');
  await page.setInputFiles('#trace-file', join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'));
  await page.waitForFunction(() => /2000 events/.test(document.querySelector('#trace-summary')?.textContent), null, { timeout: 30_000 });
  await page.keyboard.press('End');
  await assertAxeClean(t, page, 'trace (loaded)');
  await finish(t, page, 'a11y-trace');
});

test('axe: an embed has a page heading and passes, English and Japanese dark', opts, async (t) => {
  const page = await openApp(t, { query: { embed: 1, lesson: 'buddy-split' }, viewport: { width: 720, height: 480 } });
  await lessonReady(page);
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  assert.match(await page.textContent('h1'), /Slabscope/);
  await assertAxeClean(t, page, 'embed');
  await finish(t, page, 'a11y-embed');
  const ja = await openApp(t, {
    colorScheme: 'dark',
    query: { embed: 1, lesson: 'buddy-split', lang: 'ja' },
    viewport: { width: 720, height: 480 },
  });
  await lessonReady(ja);
  await assertAxeClean(t, ja, 'embed (dark, ja)');
  await finish(t, ja, 'a11y-embed-dark-ja');
});

test('axe: the example course page and its frames', opts, async (t) => {
  const page = await openApp(t, { path: 'course-page.html', waitReady: false });
  assert.equal(await page.locator('main').count(), 1, 'the page content is in <main>');
  // Every frame's app is ready (the frames load lazily: scroll them into view).
  const frames = page.locator('iframe');
  const n = await frames.count();
  assert.ok(n >= 3);
  for (let i = 0; i < n; i++) {
    await frames.nth(i).scrollIntoViewIfNeeded();
    const frame = await (await frames.nth(i).elementHandle()).contentFrame();
    await frame.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 20_000 });
  }
  assert.equal(page.frames().length, n + 1);
  await assertAxeClean(t, page, 'course page');
  await finish(t, page, 'a11y-course-page');
});

