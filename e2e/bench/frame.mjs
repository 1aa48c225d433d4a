// Frame time of the instrument layout (#14): every listed input in a lesson, a 200,000-op and a
// 1,000,000-op sandbox session; play at top speed, a continuous drag, building a big session
// through the workload form; DOM nodes per view. Interface: e2e/bench/README.md.
import { clickCell, countCells, openTools } from '../ui.mjs';

export const title = 'Frame time: lesson, 200k and 1M-op sandbox sessions (#14)';

/** Alternate forward and back, so every press moves (never stuck at an end). */
const arrows = (shift) => (page, i) => page.keyboard.press(`${shift ? 'Shift+' : ''}${i % 2 ? 'ArrowLeft' : 'ArrowRight'}`);

/** A deterministic spread of positions over 10–90 % of the scrubber, consecutive ones far apart. */
const spot = (i) => 0.1 + 0.8 * ((i * 37) % 50) / 49;

async function scrubberBox(page) {
  const box = await page.locator('#scrubber').boundingBox();
  if (!box) throw new Error('no #scrubber');
  return box;
}

/** Keyboard, scrubber and selection inputs, then play, a drag and the DOM per view. */
async function everyInput(b, page, { selectable }) {
  // Keys first (a click leaves the focus on the scrubber, which keeps its own arrow keys).
  await page.locator('#stage').focus();
  await b.input(page, '→ / ←', arrows(false));
  await b.input(page, 'Shift+→ / Shift+←', arrows(true));
  await b.input(page, 'scrubber click', async (p, i) => {
    const box = await scrubberBox(p);
    await p.mouse.click(box.x + box.width * spot(i), box.y + box.height / 2);
  }, { event: 'pointerdown' });
  {
    const box = await scrubberBox(page);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.5, y);
    await page.mouse.down();
    await b.input(page, 'drag, per move', (p, i) => p.mouse.move(box.x + box.width * spot(i), y), { event: 'input' });
    await page.mouse.up();
  }
  if (selectable) {
    // Object cells are paths hit-tested by the app (ui.mjs clickCell clicks a cell's centre).
    const n = await countCells(page, { state: selectable });
    if (n > 1) {
      await b.input(page, 'select an object', (p, i) => clickCell(p, { state: selectable, nth: i * 7 }), { event: 'pointerdown' });
    } else {
      b.record('select an object', { skipped: `no ${selectable || 'object'} cell` });
    }
  }
  await b.activity(page, 'play at top speed (3 s)', async (p) => {
    await p.locator('#stage').focus();
    for (let k = 0; k < 10; k++) await p.keyboard.press(']');
    await p.click('#play');
    await p.waitForTimeout(3000);
    await p.click('#play');
  });
  await b.activity(page, 'continuous drag (60 moves)', async (p) => {
    const box = await scrubberBox(p);
    const y = box.y + box.height / 2;
    await p.mouse.move(box.x + box.width * 0.1, y);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width * 0.9, y, { steps: 60 });
    await p.mouse.up();
    await b.idle(p);
  });
  await b.domNodes(page, 'whole page', 'body');
  const panels = await page.$$eval('#stage [data-panel]', (l) =>
    l.filter((e) => e.offsetParent !== null).map((e) => e.dataset.panel));
  for (const id of [...new Set(panels)]) await b.domNodes(page, `view ${id}`, `#stage [data-panel="${id}"]`);
  b.record('hidden views (still in the DOM)', await page.$$eval('#stage [data-panel]', (l) => {
    const hidden = l.filter((e) => e.offsetParent === null);
    return { views: hidden.length, nodes: hidden.reduce((a, e) => a + e.querySelectorAll('*').length + 1, 0) };
  }));
}

export default async function run(b) {
  {
    const page = await b.open({ label: 'lesson slub-fast-path', query: { lesson: 'slub-fast-path' } });
    // The lesson opens on a step with no micro-steps (scrubber max 0) and no object cells, where
    // a drag fires no `input` and there is nothing to select (session 8: 20 of 20 drag samples
    // missed, selection skipped): go on to the first step with a few micro-steps.
    for (let k = 0; k < 5; k++) {
      const max = await page.$eval('#scrubber', (e) => Number(e.max));
      if (max >= 8 || (await page.isDisabled('#lesson-next'))) break;
      await page.click('#lesson-next');
      await b.idle(page);
    }
    b.record('lesson inputs at', {
      step: (await page.textContent('#lesson-counter'))?.trim(),
      scrubber_max: await page.$eval('#scrubber', (e) => Number(e.max)),
    });
    await everyInput(b, page, { selectable: 'used,free,cpufree,cached' });
    // The arrows of `everyInput` start where the lesson's step buttons leave the cursor, the
    // step's end, so each press crosses between two lesson steps (here into one that asks a
    // question: its choices are made each time). The same inside one step, from its first
    // micro-step (s16).
    await page.locator('#stage').focus();
    await page.keyboard.press('Home');
    await b.idle(page);
    b.record('lesson inside-step arrows at', {
      step: (await page.textContent('#lesson-counter'))?.trim(),
      counter: (await page.textContent('#step-counter'))?.trim(),
    });
    await b.input(page, '→ / ← inside the step', arrows(false));
  }
  for (const ops of [200_000, 1_000_000]) {
    const label = `sandbox ${ops / 1000}k ops`;
    const page = await b.open({ label, hash: `mode=sandbox&wl=1,${ops},mixed&step=${ops}` });
    await everyInput(b, page, { selectable: 'used' });
    await page.context().close();
  }
  {
    // Building through the workload form (chunked): long tasks while it builds. On a 64 MiB
    // machine: the sandbox's demo machine (mem=256K, 64 pages) runs out of memory at op 376 of a
    // mixed workload ("workload op 376: out of memory: no free block of order 2"), which is why
    // this scenario waited for 240 s in session 5 (the build had failed, the page said so).
    const page = await b.open({ label: 'sandbox, workload form', hash: 'mode=sandbox&cfg=mem=64M' });
    await openTools(page);
    await page.fill('#wl-count', '200000');
    await page.selectOption('#wl-mix', 'mixed');
    let finished = true;
    await b.activity(page, 'building a 200k-op session (form)', async (p) => {
      await p.click('#wl-run');
      finished = await p
        .waitForFunction(() => Number(document.querySelector('#op-ticks')?.dataset.ops) >= 200000 ||
          /workload op \d+:/.test(document.querySelector('#tools')?.textContent ?? ''), null, { timeout: 240_000 })
        .then(() => true, () => false);
      const failed = await p.evaluate(() => /workload op \d+:[^\n]*/.exec(document.querySelector('#tools')?.textContent ?? '')?.[0]);
      if (failed) throw new Error(`the workload form's build failed: ${failed}`);
      await b.idle(p);
    });
    if (!finished) b.record('building a 200k-op session (form)', { finished: 'no, stopped after 240 s' });
  }
  {
    // #14 item 3: a 1,000,000-op `#wl=` link (built in chunks after the first paint, like `s=`):
    // long tasks from navigation until the whole session is installed.
    const page = await b.open({ label: 'link wl=1M (build)', hash: 'mode=sandbox&wl=1,1000000,mixed', waitReady: false });
    let finished = true;
    await b.activity(page, 'building a 1M-op #wl= link', async (p) => {
      finished = await p
        .waitForFunction(() => Number(document.querySelector('#op-ticks')?.dataset.ops) >= 1000000, null, { timeout: 300_000 })
        .then(() => true, () => false);
      await b.idle(p);
    });
    if (!finished) b.record('building a 1M-op #wl= link', { finished: 'no, stopped after 300 s' });
    await page.context().close();
  }
}
