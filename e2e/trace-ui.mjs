// Helpers of the trace explorer's browser tests (e2e/tests/trace*.test.mjs, issue 18).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, openApp } from './harness.mjs';
import { cellsInPage } from './ui.mjs';

export const stepOf = async (page) => {
  const m = (await page.textContent('#step-counter')).match(/(\d+) \/ (\d+)/);
  assert.ok(m, 'counter text');
  return [Number(m[1]), Number(m[2])];
};

export async function openTrace(t, o) {
  const page = await openApp(t, o);
  await page.click('#mode-trace');
  return page;
}

/** Show the inspector (one click away in the trace mode's view picker), where the lineage is. */
export async function showInspector(page) {
  const chip = page.locator('#view-picker [data-view-toggle="inspector"]');
  if ((await chip.getAttribute('aria-pressed')) === 'false') await chip.click();
  await page.waitForSelector('#view-picker [data-view-toggle="inspector"][aria-pressed="true"]');
}

/** Give the file input a file and wait for the summary to name it. */
export async function load(page, file, name, events, timeout = 45_000) {
  await page.setInputFiles('#trace-file', file);
  await page.waitForFunction(
    ([name, events]) => document.querySelector('#trace-summary')?.textContent.includes(`${name}: ${events} events`),
    [name, events],
    { timeout },
  );
}

/**
 * Click the object cells matching `cells` of each cache in turn (in the page, a frame each)
 * until the lineage shows a "reused by" link and, if `title` (a RegExp source) is given, a title
 * matching it: the clicked cell's address and the title, or null.
 */
export async function clickCellsUntilReused(page, state, title = '', limit = 64) {
  // `state`: the cells' states (`used`, `free,cpufree`; see ui.mjs `cellsInPage`). A cell is
  // clicked by a click event at its centre on its row's path, which the app hit-tests.
  return page.evaluate(async ([state, title, limit, cellsSrc]) => {
    const cellsInPage = (0, eval)(`(${cellsSrc})`);
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const click = (el, x = 0, y = 0) => el.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: x, clientY: y }));
    const rows = [...document.querySelectorAll('#caches-table tbody tr')];
    for (let r = -1; r < rows.length; r++) {
      if (r >= 0) { click(document.querySelectorAll('#caches-table tbody tr')[r]); await frame(); }
      for (const c of cellsInPage(['#cache-svg', state]).slice(0, limit)) {
        const path = document.querySelector(`#cache-svg g.slab-row[data-pfn="${c.pfn}"] path.cells.${c.state}`);
        if (!path) continue;
        click(path, c.x, c.y);
        await frame();
        const text = document.querySelector('#lineage-title')?.textContent ?? '';
        if (new RegExp(title).test(text) && document.querySelector('#lineage .lineage-reused')) return { title: text, addr: c.addr };
      }
    }
    return null;
  }, [state, title, limit, cellsInPage.toString()]);
}

/** Drop a trace made in the page (`copies` × the 2000-line fixture slice, ~300 KB each) onto the app. */
export async function dropBig(page, copies, name = 'big.perf.txt') {
  const text = readFileSync(join(REPO_ROOT, 'core/tests/data/kmem-ls-sort-2000.perf.txt'), 'utf8');
  const dataTransfer = await page.evaluateHandle(([text, copies, name]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text.repeat(copies)], name, { type: 'text/plain' }));
    return dt;
  }, [text, copies, name]);
  await page.dispatchEvent('#app', 'drop', { dataTransfer });
}
