// A scrubber drag in a large session (s16, #14): after the first move, each frame seeks toward
// the pointer replaying a bounded number of ops (`Session::seek_within`), so a far move shows the
// states on the way and arrives a few frames later; it must arrive, and stop, where the pointer
// left the thumb. Times are the benchmark's business (e2e/bench/frame.mjs), not this test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finish, openApp, setupSuite } from '../harness.mjs';

setupSuite();

const counter = async (page) => {
  const m = (await page.textContent('#step-counter')).match(/step (\d+) \/ (\d+)/);
  assert.ok(m, 'counter text');
  return m.slice(1).map(Number);
};

test('a fast drag across a 200k-op session ends on the step under the pointer', { timeout: 180_000 }, async (t) => {
  const page = await openApp(t, { path: '#mode=sandbox&wl=1,200000,mixed&step=1000' });
  await page.waitForFunction(() => Number(document.querySelector('#op-ticks')?.dataset.ops) >= 200000, null, { timeout: 120_000 });
  // Every step the counter shows, one per frame, from the press to the end.
  await page.evaluate(() => {
    window.__shown = [];
    const f = () => {
      const m = document.querySelector('#step-counter')?.textContent.match(/step (\d+)/);
      if (m && Number(m[1]) !== window.__shown.at(-1)) window.__shown.push(Number(m[1]));
      requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
  });
  for (const [from, to] of [[0.1, 0.9], [0.85, 0.2], [0.3, 0.65]]) {
    // (The controls may move with the page's text: where the scrubber is now.)
    const box = await page.locator('#scrubber').boundingBox();
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * from, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * to, y, { steps: 12 });
    await page.mouse.up();
    // Arrives where the thumb was left, and stays.
    await page.waitForFunction(() => {
      const m = document.querySelector('#step-counter').textContent.match(/step (\d+)/);
      return m && Number(m[1]) === Number(document.querySelector('#scrubber').value);
    }, null, { timeout: 20_000 });
    const target = Number(await page.inputValue('#scrubber'));
    t.diagnostic(`drag ${from}→${to}: shown ${JSON.stringify(await page.evaluate(() => window.__shown.splice(0)))}`);
    await page.waitForTimeout(300);
    assert.equal((await counter(page))[0], target, 'stays at the thumb');
    const [, total] = await counter(page);
    assert.ok(Math.abs(target - total * to) < total * 0.05, `near ${to} of the session: ${target} of ${total}`);
  }
  // Moves faster than frames (a busy page, a fast hand): the first seeks at once, the frame after
  // seeks toward the latest within its budget, and the frames after go on until it is there.
  const arrive = (v) => page.waitForFunction((v) => new RegExp(`^step ${v} /`).test(document.querySelector('#step-counter').textContent), v, { timeout: 20_000 });
  for (const [a, b] of [[0.05, 0.97], [0.9, 0.02], [0.4, 0.6]]) {
    const [, total] = await counter(page);
    const [x, y] = [Math.round(total * a), Math.round(total * b)];
    await page.$eval('#scrubber', (el, [x, y]) => {
      for (const v of [x, Math.round((x + y) / 2), y]) {
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }, [x, y]);
    await arrive(y);
    await page.waitForTimeout(300);
    assert.equal((await counter(page))[0], y, 'stays where the last move went');
    t.diagnostic(`burst ${x}→${y}: shown ${JSON.stringify(await page.evaluate(() => window.__shown.splice(0)))}`);
  }
  await finish(t, page, 'drag-200k');
});
