// Exercises (issue 20) in the browser: the same seed gives the same exercise in WebAssembly as in
// the native CLI (the generators' fingerprint and one exercise's text, computed at test time),
// answering right and wrong, the explanation stepping through the asked operations, keyboard-only
// answering, an embed's set with its score messages arriving in the example course page's tally,
// bad parameters, axe on the mode and the embed, and screenshots (1366×768, phone, embed 720×480,
// Japanese, dark).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { clickCell, showViews } from '../ui.mjs';

setupSuite();
const opts = { timeout: TEST_TIMEOUT_MS };
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const EMBED = { width: 720, height: 480 };
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// The native CLI, built from this tree before any test starts (cargo does nothing when it is up
// to date; SLABSCOPE_CLI names a binary built already).
const cliPath = process.env.SLABSCOPE_CLI || join(REPO_ROOT, 'target', 'debug', 'slabscope');
if (!process.env.SLABSCOPE_CLI) {
  execFileSync('cargo', ['build', '--quiet', '-p', 'slabscope'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

const cli = (...args) => execFileSync(cliPath, ['exercise', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });

/** The CLI's text form, by part: `Question`, `Answer`, `Why`, the op lists. */
function nativeExercise(kind, seed, level = 1, lang = 'en') {
  const text = cli(kind, '--seed', String(seed), '--level', String(level), '--answer', '--lang', lang);
  // The labels of the core's text form (`ex.ui.*`).
  const ja = { Question: '問題', Answer: '答え', Why: '理由', 'Already done': '実行済み', Then: '続いて' };
  const label = (l) => (lang === 'ja' ? ja[l] : l);
  const line = (key) => {
    const label = lang === 'ja' ? ja[key] : key;
    const l = text.split('\n').find((x) => x.startsWith(`${label}: `));
    assert.ok(l, `no ${label}: line in\n${text}`);
    return l.slice(label.length + 2);
  };
  const ops = (key) => {
    const lines = text.split('\n');
    const i = lines.indexOf(`${label(key)}:`);
    if (i < 0) return [];
    const out = [];
    for (const l of lines.slice(i + 1)) {
      if (!l.startsWith('    ')) break;
      out.push(l.trim());
    }
    return out;
  };
  return { text, question: line('Question'), answer: line('Answer'), why: line('Why'), done: ops('Already done'), then: ops('Then') };
}

// The browser renders `code` spans without their backticks.
const plain = (s) => s.replace(/`/g, '').replace(/\s+/g, ' ').trim();
const textOf = async (page, sel) => plain(await page.textContent(sel));
const ready = (page) => page.waitForSelector('#exercise');

async function axeClean(t, frame, label) {
  if (!(await frame.evaluate(() => typeof window.axe === 'object'))) await frame.addScriptTag({ path: AXE_PATH });
  const bad = await frame.evaluate(async () => {
    const r = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `[${v.impact}] ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(' | ')}`);
  });
  assert.deepEqual(bad, [], `axe in ${label}:\n${bad.join('\n')}`);
}

test('the same seed gives the same exercises in WebAssembly as natively', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { exercise: 'slub-object', seed: 5, level: 2 } });
  await ready(page);
  // The fingerprint over every kind at the pinned seeds.
  const expected = cli('--hash').trim();
  assert.match(expected, /^[0-9a-f]{16}$/);
  await page.waitForSelector('#ex-fingerprint[data-hash]', { state: 'attached' });
  assert.equal(await page.getAttribute('#ex-fingerprint', 'data-hash'), expected, 'wasm and native exercise generators differ');
  // One exercise, part by part.
  const native = nativeExercise('slub-object', 5, 2);
  assert.equal(await page.getAttribute('#app', 'data-mode'), 'exercises');
  assert.equal(await textOf(page, '#ex-question'), plain(native.question));
  assert.deepEqual(await page.$$eval('#ex-done li', (l) => l.map((e) => e.textContent.trim())), native.done);
  assert.deepEqual(await page.$$eval('#ex-then li', (l) => l.map((e) => e.textContent.trim())), native.then);
  const candidates = await page.$$eval('#ex-object option[value^="0x"]', (l) => l.map((o) => o.value));
  assert.ok(candidates.includes(native.answer), `${native.answer} is one of the listed objects`);
  // While the question is open the controls stop at the question's step.
  const counter = await page.textContent('#step-counter');
  await page.click('#end');
  assert.equal(await page.textContent('#step-counter'), counter, 'End does not run past the question');
  await finish(t, page, 'exercise-mode-slub-object');
});

test('a wrong answer shows the prediction next to the truth; the explanation steps through the asked ops', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { exercise: 'slub-object', seed: 5, level: 2 } });
  await ready(page);
  const native = nativeExercise('slub-object', 5, 2);
  const wrong = (await page.$$eval('#ex-object option[value^="0x"]', (l) => l.map((o) => o.value))).find((a) => a !== native.answer);
  await page.selectOption('#ex-object', wrong);
  await page.click('#ex-submit');
  await page.waitForSelector('#ex-feedback.wrong');
  assert.equal(await page.getAttribute('#exercise', 'data-state'), 'wrong');
  assert.equal(await textOf(page, '#ex-given'), wrong);
  assert.equal(await textOf(page, '#ex-expected'), native.answer);
  assert.equal(await textOf(page, '#ex-why'), plain(`Why: ${native.why}`));
  // The explanation: the views at the question's step, the controls now reach the asked ops.
  const [from, to] = /Steps (\d+)–(\d+)/.exec(native.why).slice(1).map(Number);
  assert.match(await page.textContent('#step-counter'), new RegExp(`^step ${from - 1} / ${to}`));
  await page.click('#event-next');
  assert.match(await page.textContent('#step-counter'), new RegExp(`^step ${from} / ${to}`));
  await page.click('#ex-replay');
  await page.waitForFunction((to) => document.querySelector('#step-counter').textContent.startsWith(`step ${to} /`), to, { timeout: 10_000 });
  assert.match(await page.textContent('#op-text'), /cache alloc c cpu=0 as=q/);
  await finish(t, page, 'exercise-wrong-explained');
  // "New exercise": another seed of the same kind, open again.
  const seed = await page.getAttribute('#exercise', 'data-seed');
  await page.click('#ex-again');
  await page.waitForSelector('#exercise[data-state="open"]');
  assert.equal(await page.getAttribute('#exercise', 'data-kind'), 'slub-object');
  assert.notEqual(await page.getAttribute('#exercise', 'data-seed'), seed);
});

test('clicking the object in the cache view answers; a right answer is marked right', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { exercise: 'slub-object', seed: 5, level: 2 } });
  await ready(page);
  const native = nativeExercise('slub-object', 5, 2);
  await clickCell(page, { addr: native.answer });
  assert.equal(await page.inputValue('#ex-object'), native.answer, 'the clicked object fills the answer');
  await page.click('#ex-submit');
  await page.waitForSelector('#ex-feedback.right');
  assert.match(await page.textContent('#ex-progress'), /1 of 1 right/);
  await finish(t, page, 'exercise-right-by-click');
});

test('buddyinfo: fill the row; a wrong row marks the orders that differ', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { exercise: 'buddyinfo', seed: 3, level: 2 } });
  await ready(page);
  const native = nativeExercise('buddyinfo', 3, 2);
  const truth = native.answer.split(' ').map(Number);
  assert.equal(await page.locator('#ex-row input').count(), 11, 'one box per order 0..=10');
  const wrong = truth.slice();
  wrong[0] += 1;
  for (let o = 0; o < wrong.length; o++) await page.fill(`#ex-row-${o}`, String(wrong[o]));
  await page.click('#ex-submit');
  await page.waitForSelector('#ex-feedback.wrong');
  assert.equal(await page.locator('#ex-rows td.differs').count(), 1);
  assert.equal(await textOf(page, '#ex-expected'), native.answer);
  await finish(t, page, 'exercise-buddyinfo-wrong');
  // A bad typed answer is a located message, and nothing is graded.
  const p2 = await openApp(t, { viewport: DESKTOP, query: { exercise: 'buddy-pfn', seed: 5 } });
  await ready(p2);
  await p2.fill('#ex-number', 'twelve');
  await p2.press('#ex-number', 'Enter');
  assert.match(await p2.textContent('#ex-input-error'), /`twelve` is not an answer here/);
  assert.equal(await p2.getAttribute('#exercise', 'data-state'), 'open');
  await finish(t, p2, 'exercise-bad-answer');
});

test('while a question is open the session charts stop at its step (they would give the answer away)', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { exercise: 'buddyinfo', seed: 3, level: 2 } });
  await ready(page);
  const native = nativeExercise('buddyinfo', 3, 2);
  // Off by default; shown as a student would, with the view chips.
  await showViews(page, ['timeline', 'charts']);
  const cursor = async () => Number((await page.textContent('#step-counter')).match(/^step (\d+) \//)[1]);
  // A buddyinfo question is asked at boot, before its operations: the charts' last point would be
  // the very row the student has to fill in.
  const ask = await cursor();
  const charts = ['#timeline-chart', '#orders-chart', '#frag-chart'];
  const until = (sel) => page.getAttribute(sel, 'data-until').then(Number);
  // The plotted samples (the x axis too) end at the question's step: nothing of the asked ops.
  for (const sel of charts) assert.equal(await until(sel), ask, `${sel} plots up to step ${ask} only`);
  const open = await page.$eval('#orders-chart svg', (s) => s.outerHTML);
  // Answered: the charts plot the whole session, the asked ops included.
  const truth = native.answer.split(' ');
  for (let o = 0; o < truth.length; o++) await page.fill(`#ex-row-${o}`, truth[o]);
  await page.click('#ex-submit');
  await page.waitForSelector('#ex-feedback.right');
  const end = Number((await page.textContent('#step-counter')).match(/\/ (\d+)/)[1]);
  assert.ok(end > ask, `the asked ops end at step ${end}`);
  for (const sel of charts) {
    await page.waitForFunction(([sel, end]) => Number(document.querySelector(sel)?.dataset.until) === end, [sel, end]);
  }
  assert.notEqual(await page.$eval('#orders-chart svg', (s) => s.outerHTML), open, 'the orders chart now shows the asked ops');
  await finish(t, page, 'exercise-charts-hold');
});

test('keyboard only: pick a kind, open it, answer, see the grade', opts, async (t) => {
  const page = await openApp(t, { viewport: DESKTOP, query: { mode: 'exercises' } });
  await ready(page);
  await page.focus('#ex-kind');
  await page.selectOption('#ex-kind', 'buddy-pfn'); // a <select> changes with the arrow keys; the value is what counts
  await page.keyboard.press('Tab'); // level
  await page.keyboard.press('Tab'); // seed
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ex-seed');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#exercise[data-kind="buddy-pfn"][data-seed="5"]');
  const native = nativeExercise('buddy-pfn', 5, 1);
  // Focus went to the new exercise's title; Tab reaches the answer box.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ex-title');
  for (let i = 0; i < 40 && (await page.evaluate(() => document.activeElement.id)) !== 'ex-number'; i++) {
    await page.keyboard.press('Tab');
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ex-number');
  await page.keyboard.type(native.answer);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#ex-feedback.right');
  // The step keys now walk the explanation.
  await page.focus('#ex-title');
  const before = await page.textContent('#step-counter');
  await page.keyboard.press('ArrowRight');
  assert.notEqual(await page.textContent('#step-counter'), before);
  await finish(t, page, 'exercise-keyboard');
});

test('an embedded set: count questions, a score card, score messages in the course page tally', opts, async (t) => {
  const page = await openApp(t, { path: 'course-page.html', waitReady: false, viewport: { width: 1100, height: 900 } });
  await page.locator('#exercise-a').scrollIntoViewIfNeeded();
  const frame = page.frameLocator('#exercise-a');
  await frame.locator('body[data-ready="1"]').waitFor({ state: 'attached', timeout: 20_000 });
  await frame.locator('#exercise').waitFor();
  const right = [];
  for (let i = 0; i < 5; i++) {
    await frame.locator(`#exercise[data-index="${i}"][data-state="open"]`).waitFor();
    assert.equal(await frame.locator('#exercise').getAttribute('data-seed'), String(1234 + i));
    const native = nativeExercise('buddy-pfn', 1234 + i, 2);
    assert.equal(plain(await frame.locator('#ex-question').textContent()), plain(native.question));
    // Question 3 answered wrong, the others right.
    const answer = i === 2 ? String(Number(native.answer) + 1) : native.answer;
    right.push(i !== 2);
    await frame.locator('#ex-number').fill(answer);
    await frame.locator('#ex-number').press('Enter');
    await frame.locator(`#ex-feedback.${i === 2 ? 'wrong' : 'right'}`).waitFor();
    await page.locator(`#score-log li[data-index="${i}"]`).waitFor();
    await frame.locator('#ex-next').click();
  }
  await frame.locator('#ex-score').waitFor();
  assert.equal(await frame.locator('#ex-score').getAttribute('data-score'), '4');
  await page.waitForFunction(() => /Finished: 4 \/ 5/.test(document.querySelector('#tally').textContent));
  const log = await page.$$eval('#score-log li', (l) => l.map((e) => [e.dataset.index, e.dataset.correct]));
  assert.deepEqual(log, [...right.map((r, i) => [String(i), String(r)]), ['5', 'null']]);
  await finish(t, page, 'exercise-course-page-tally');
});

test('score messages carry exactly the documented fields', opts, async (t) => {
  const page = await openApp(t, { viewport: EMBED, query: { embed: 1, exercise: 'superslab-release', seed: 9, count: 2, level: 1 } });
  await ready(page);
  // The page is its own parent here: collect what it posts to itself.
  await page.evaluate(() => {
    window.__scores = [];
    addEventListener('message', (e) => e.data?.type === 'slabscope:score' && window.__scores.push(e.data));
  });
  for (let i = 0; i < 2; i++) {
    await page.waitForSelector(`#exercise[data-index="${i}"][data-state="open"]`);
    await page.click('#ex-answer .choice >> nth=0');
    await page.waitForSelector('#ex-feedback');
    await page.click('#ex-next');
  }
  await page.waitForSelector('#ex-score');
  await page.waitForFunction(() => window.__scores.length === 3);
  const got = await page.evaluate(() => window.__scores);
  const grade = (seed) => /^correct:/.test(cli('superslab-release', '--seed', String(seed), '--grade', 'a').split('\n').at(-2));
  const c0 = grade(9);
  const c1 = grade(10);
  const score = Number(c0) + Number(c1);
  assert.deepEqual(got, [
    { type: 'slabscope:score', exercise: 'superslab-release', seed: 9, index: 0, correct: c0, score: Number(c0), max: 2 },
    { type: 'slabscope:score', exercise: 'superslab-release', seed: 10, index: 1, correct: c1, score, max: 2 },
    { type: 'slabscope:score', exercise: 'superslab-release', seed: 9, index: 2, correct: null, score, max: 2, done: true },
  ]);
  await finish(t, page, 'exercise-embed-score-card');
});

test('bad exercise parameters are reported with suggestions', opts, async (t) => {
  const page = await openApp(t, { viewport: EMBED, query: { embed: 1, exercise: 'slub-pth', seed: 'x', count: 0, level: 4 } });
  const text = await page.textContent('#param-errors');
  assert.match(text, /exercise=slub-pth: unknown exercise `slub-pth`; expected one of: .*; did you mean `slub-path`\?/);
  assert.match(text, /seed=x: seed `x` is not a number/);
  assert.match(text, /count=0: count `0` is outside 1\.\.=50/);
  assert.match(text, /level=4: level `4` is outside 1\.\.=3/);
  // The frame lists what it can show.
  assert.match(await page.textContent('#embed-error'), /slub-path/);
  await finish(t, page, 'exercise-embed-bad-params');
  const p2 = await openApp(t, { viewport: EMBED, query: { embed: 1, exercise: 'buddy-pfn', levl: 3 } });
  await ready(p2);
  assert.match(await p2.textContent('#param-errors'), /levl: unknown parameter; did you mean level\?/);
});

// axe (serious/critical) and a screenshot of the mode (light/dark, en/ja, phone) and the embed,
// with the question open and once graded.
{
  const shots = [
    ['exercise-desktop-en', { viewport: DESKTOP, query: { exercise: 'percpu-free', seed: 2, level: 3 } }],
    ['exercise-desktop-ja-dark', { viewport: DESKTOP, colorScheme: 'dark', query: { exercise: 'slab-list', seed: 4, level: 2, lang: 'ja' } }],
    ['exercise-phone', { viewport: PHONE, query: { exercise: 'buddyinfo', seed: 3, level: 1 } }],
    ['exercise-embed-720', { viewport: EMBED, query: { embed: 1, exercise: 'buddy-merge', seed: 2, count: 3, level: 2 } }],
    ['exercise-embed-ja-dark', { viewport: EMBED, colorScheme: 'dark', query: { embed: 1, exercise: 'slub-path', seed: 7, count: 3, level: 2, lang: 'ja' } }],
    ['exercise-embed-phone', { viewport: PHONE, query: { embed: 1, exercise: 'slab-colour', seed: 1, count: 2 } }],
  ];
  for (const [name, o] of shots) test(`axe and screenshot: ${name}`, opts, async (t) => {
    const page = await openApp(t, o);
    await ready(page);
    if (o.query.lang === 'ja') {
      assert.match(await page.textContent('#ex-question'), /[ぁ-んァ-ヶ一-龠]/);
      const native = nativeExercise(o.query.exercise, o.query.seed, o.query.level, 'ja');
      assert.equal(await textOf(page, '#ex-question'), plain(native.question));
    }
    await axeClean(t, page, `${name} (question)`);
    // And once answered (the feedback, the comparison).
    const choice = page.locator('#ex-answer .choice');
    if (await choice.count()) await choice.first().click();
    else if (await page.locator('#ex-none').count()) await page.click('#ex-none');
    else {
      const box = page.locator('#ex-number, #ex-row-0').first();
      await box.fill('1');
      await box.press('Enter');
    }
    await page.waitForSelector('#ex-feedback');
    await axeClean(t, page, `${name} (graded)`);
    await finish(t, page, name);
  });
}
