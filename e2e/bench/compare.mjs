// Compare mode (#19): two columns of 200,000-op sessions (the same seeded workload under SLUB and
// classic SLAB). A step moves both columns, their views, the table at the cursor and the chart
// cursors; the issue asks for that within one frame. Interface: e2e/bench/README.md (s4-frame).
import { longTaskSources } from '../longtasks.mjs';

export const title = 'Compare mode (#19)';

const OPS = 200_000;
const MID = OPS / 2;

/** @param {import('../bench.mjs').Bench} b */
export default async function run(b) {
  const hash = `mode=compare&compare=slab=slub|slab=slab&cwl=1,${OPS},mixed&cpos=${MID}`;
  const page = await b.open({ label: `compare, 2 × ${OPS} ops`, hash });
  // The build runs in 20 ms slices after the first paint (s6-compare): its long tasks and frame
  // rate while both columns are built (the "no task over 50 ms"), until the columns are
  // painted.
  await b.activity(page, 'build 2 columns (sliced)', async (p) => {
    await p.waitForSelector('#compare-columns .compare-column', { timeout: 300_000 });
    await b.idle(p);
  });
  b.record('build: long tasks by phase', { tasks: (await longTaskSources(page, 0)).join('; ') || 'none' });
  const total = Number(await page.getAttribute('#compare-counter', 'data-total'));
  if (total !== OPS) throw new Error(`expected ${OPS} positions, got ${total}`);
  // The page's step keys move the shared cursor (focus on the page, not a field).
  await page.locator('#compare-title').click();
  await b.input(page, '→ (both columns one op)', () => page.keyboard.press('ArrowRight'));
  await b.input(page, '← (both columns one op)', () => page.keyboard.press('ArrowLeft'));
  await b.input(page, 'Operation ▶ button', () => page.click('#compare-next'), { event: 'pointerdown' });
  // A pointer click on the scrubber's track (a jump of ~±2.5 % of the session each time).
  const box = await page.locator('#compare-scrub').boundingBox();
  await b.input(
    page,
    'scrubber click (both columns jump)',
    (p, i) => p.mouse.click(box.x + box.width * (i % 2 ? 0.525 : 0.475), box.y + box.height / 2),
    { event: 'pointerdown' },
  );
  await b.input(
    page,
    'scrubber jump (±5,000 ops)',
    (p, i) => p.locator('#compare-scrub').fill(String(MID + (i % 2 ? 5_000 : -5_000))),
    { event: 'input' },
  );
  await b.domNodes(page, 'compare mode', '#compare-panel');
  await b.domNodes(page, 'one column', '#compare-col-0');
  await page.context().close();

  // s14: Compare in a course page's frame (720×480, the course page's lesson slab-vs-slub with
  // compare=): the columns' pictures side by side above the charts and the table (s13's layout).
  const frame = await b.open({
    label: 'compare embed 720×480 (lesson slab-vs-slub)',
    query: { embed: 1, lesson: 'slab-vs-slub', compare: 'slab=slub|slab=slab', cpos: 150 },
    viewport: { width: 720, height: 480 },
  });
  await frame.waitForSelector('#compare-columns .compare-column', { timeout: 60_000 });
  await b.idle(frame);
  await frame.locator('#compare-title').click();
  await b.input(frame, 'frame: → (both columns one op)', (p, i) => p.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight'));
  await b.input(frame, 'frame: Operation ▶ button', (p, i) => p.click(i % 2 ? '#compare-back' : '#compare-next'), {
    event: 'pointerdown',
  });
  await b.domNodes(frame, 'compare embed', '#compare-panel');
  await frame.context().close();
}
