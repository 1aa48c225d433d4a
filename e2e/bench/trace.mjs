// Trace explorer at scale (#18): the repository's kmem trace ×16 (~404k events) and a
// 2,000,000-event synthetic trace (made here with `slabscope gen-trace`, never committed) loaded
// through the file picker: long tasks and frame rate during the load, the load's duration, wasm
// memory before/after (and after loading the same file twice), then seeking (scrubber, End,
// →) with the loaded trace. Interface: e2e/bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

import { longTaskSources } from '../longtasks.mjs';

export const title = 'Trace explorer (#18)';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'target', 'bench');
const FIXTURE = join(ROOT, 'core/tests/data/kmem-ls-sort.perf.txt.gz');

function fixtureX16() {
  const file = join(OUT, 'kmem-ls-sort-x16.perf.txt');
  if (!existsSync(file)) {
    mkdirSync(OUT, { recursive: true });
    writeFileSync(file, gunzipSync(readFileSync(FIXTURE)).toString('utf8').repeat(16));
  }
  return file;
}

function synthetic(events) {
  const file = join(OUT, `synthetic-${events}.perf.txt`);
  if (!existsSync(file)) {
    mkdirSync(OUT, { recursive: true });
    // A CLI already built (release, else debug), else build it.
    const built = ['release', 'debug'].map((p) => join(ROOT, 'target', p, 'slabscope')).find((f) => existsSync(f));
    const args = ['gen-trace', '--events', String(events), '--seed', '1'];
    const text = built
      ? execFileSync(built, args, { maxBuffer: 1 << 30 })
      : execFileSync('cargo', ['run', '-q', '--release', '-p', 'slabscope', '--', ...args], { cwd: ROOT, maxBuffer: 1 << 30 });
    writeFileSync(file, text);
  }
  return file;
}

/** What the page reports on #trace-summary: events, bytes the trace retains, wasm memory. */
const memory = (page) => page.evaluate(() => {
  const d = document.querySelector('#trace-summary').dataset;
  const events = Number(d.events), retained = Number(d.retainedBytes);
  // s6-tracew: retained counts the checkpoints and the page's indexes; the longest replay a seek needs.
  return { events, retained, bytes_per_event: +(retained / events).toFixed(1), wasm: Number(d.wasmBytes),
    checkpoint_bytes: Number(d.checkpointBytes), max_replay_ops: Number(d.maxReplayOps),
    js_heap: performance.memory?.usedJSHeapSize ?? null };
});

/**
 * The seeks themselves since `since` (s8-trace): the page brackets `Session::seek` with the
 * marks `slabscope:seek:start` / `:end` while `window.__slabscopeSeekMarks` is set
 * (web/src/state/trace.rs `timed_seek`). `upper`: only the slower half (a batch whose settle
 * step is a seek to step 0, which restores the boot state and replays nothing).
 */
const seekTimes = (page, since, upper = false) => page.evaluate(([since, upper]) => {
  const m = performance.getEntriesByType('mark').filter((e) => e.startTime >= since && e.name.startsWith('slabscope:seek:'));
  const d = [];
  for (let i = 0; i + 1 < m.length; i++) {
    if (m[i].name.endsWith(':start') && m[i + 1].name.endsWith(':end')) d.push(m[i + 1].startTime - m[i].startTime);
  }
  d.sort((a, b) => a - b);
  const x = upper ? d.slice(Math.floor(d.length / 2)) : d;
  const pct = (p) => x.length ? +x[Math.min(x.length - 1, Math.floor(p * x.length))].toFixed(1) : null;
  return { seeks: x.length, p50_ms: pct(0.5), p95_ms: pct(0.95), max_ms: x.length ? +x[x.length - 1].toFixed(1) : null };
}, [since, upper]);

async function loadOnce(b, page, file, label) {
  const name = file.split('/').pop();
  const since = await page.evaluate(() => performance.now());
  // The load shown before (a new load has a new id: loading the same file again is waited for).
  const before = await page.evaluate(() => document.querySelector('#trace-summary')?.dataset.load ?? '');
  await b.activity(page, `load ${label}`, async () => {
    await page.setInputFiles('#trace-file', file);
    await page.waitForFunction(([n, before]) => {
      const s = document.querySelector('#trace-summary');
      return s?.textContent.startsWith(`${n}:`) && (s.dataset.load ?? '') !== before;
    }, [name, before], { timeout: 170_000, polling: 250 });
  });
  // Then the charts and the slot index, made in slices after the load (s5-tracew).
  await b.activity(page, `charts + slot index after ${label}`, async () => {
    await page.waitForFunction(() => document.querySelector('#trace-summary')?.dataset.derived === '1', null,
      { timeout: 170_000, polling: 250 });
  });
  b.record(`${label}: long tasks by phase`, { tasks: (await longTaskSources(page, since)).join('; ') || 'none' });
}

/** @param {import('../bench.mjs').Bench} b */
export default async function run(b) {
  for (const [label, file] of [['fixture ×16', fixtureX16()], ['synthetic 2M', synthetic(2_000_000)]]) {
    // SLABSCOPE_TRACE_MAIN=1: the load on the page's thread (`?traceworker=0`), to compare with
    // the worker (s11-trace).
    const main = process.env.SLABSCOPE_TRACE_MAIN === '1';
    const page = await b.open({ label: `trace, ${label}${main ? ' (main thread)' : ''}`, hash: 'mode=trace', query: main ? 'traceworker=0' : undefined });
    const size = statSync(file).size;
    await loadOnce(b, page, file, `${label} (${(size / 1e6).toFixed(0)} MB)`);
    const first = await memory(page);
    b.record(`${label}: summary`, { text: await page.textContent('#trace-summary'), bytes: size, ...first });
    // Seeks spread over the whole trace (s7-traceweb: before, steps ≤ 99,001 only, the first
    // quarter of the fixture ×16, where the state is smallest).
    const steps = Number(await page.getAttribute('#scrubber', 'max'));
    // The seek itself, beside input → paint (s8-trace).
    await page.evaluate(() => { window.__slabscopeSeekMarks = true; });
    let since = await page.evaluate(() => performance.now());
    await b.input(page, `${label}: seek (scrubber)`, (p, i) => p.locator('#scrubber').fill(String(Math.floor(steps * ((i * 37) % 100) / 100) + 1)), { event: 'input' });
    b.record(`${label}: Session::seek alone, scrubber`, await seekTimes(page, since));
    since = await page.evaluate(() => performance.now());
    await b.input(page, `${label}: End`, (p) => p.keyboard.press('End'), { settle: (p) => p.keyboard.press('Home') });
    b.record(`${label}: Session::seek alone, End`, await seekTimes(page, since, true));
    await b.input(page, `${label}: →`, (p) => p.keyboard.press('ArrowRight'));
    // A filter change (s6-tracew): made in slices, one per frame; long tasks over the whole change.
    const cpu = await page.$$eval('#filter-cpu option', (o) => o.map((e) => e.value).filter(Boolean)[0]);
    const filterSince = await page.evaluate(() => performance.now());
    await b.activity(page, `${label}: filter CPU ${cpu}`, async () => {
      await page.selectOption('#filter-cpu', cpu);
      await page.waitForFunction(() => !document.querySelector('#trace-filter-busy')
        && document.querySelector('#trace-hist')?.dataset.selected, null, { timeout: 120_000, polling: 100 });
    });
    b.record(`${label}: filter long tasks by phase`, { tasks: (await longTaskSources(page, filterSince)).join('; ') || 'none' });
    await b.activity(page, `${label}: filter off`, async () => {
      await page.selectOption('#filter-cpu', '');
      await b.idle(page);
    });
    // The same trace again (a hard link under another name: the picker ignores the very same
    // file picked twice): the first trace is freed (memory stays about the same).
    const again = file.replace(/\.perf\.txt$/, '-again.perf.txt');
    if (!existsSync(again)) linkSync(file, again);
    await loadOnce(b, page, again, `${label} again`);
    await page.evaluate(() => globalThis.gc?.());
    b.record(`${label}: memory after loading twice`, { ...(await memory(page)), first_wasm: first.wasm, first_js_heap: first.js_heap });
    await page.context().close();
  }
}
