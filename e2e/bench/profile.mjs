#!/usr/bin/env node
// A Chromium CPU profile (CDP Profiler) of slow steps, split by where the time goes.
//
// Usage: node e2e/bench/profile.mjs [--hash 'mode=sandbox&wl=1,200000,mixed&step=200000']
//          [--query lesson=slub-fast-path] [--input right|shift-right|scrub|select] [--repeat 10]
//          [--out target/bench/step.cpuprofile]
//        Compare mode (#19): --hash 'mode=compare&compare=slab=slub|slab=slab&cwl=1,200000,mixed&cpos=100000'
//          --input compare-right|compare-forward|compare-scrub (waits for the columns; → / ← on
//          the page, → only, or a click on Compare's scrubber).
// Needs a release build in dist/ (or $SLABSCOPE_DIST). The .cpuprofile opens in Chromium's
// DevTools (Performance → load profile). Printed: self time per category (the wasm core's seek
// and snapshot, the views, Yew's diff, the JS↔wasm glue and DOM calls, the browser's own work:
// style/layout/paint shows as "(program)"/"(garbage collector)" in a JS profile) and the 25
// functions with the most self time. Function names need the wasm name section (a build without
// wasm-opt/strip).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { distDir, launchBrowser, REPO_ROOT, startServer } from '../harness.mjs';
import { clickCell } from '../ui.mjs';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(
    'node e2e/bench/profile.mjs [--hash H] [--query Q] [--input right|shift-right|scrub|select|compare-right|compare-forward|compare-scrub] [--repeat N] [--out FILE]',
  );
  process.exit(0);
}
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const hash = opt('hash', 'mode=sandbox&wl=1,200000,mixed&step=200000');
const query = opt('query', '');
const input = opt('input', 'right');
const repeat = Number(opt('repeat', '10'));
const out = opt('out', join(REPO_ROOT, 'target', 'bench', `${input}.cpuprofile`));

// Where a function's self time goes, by its name (wasm functions carry Rust paths).
const CATEGORIES = [
  ['core: seek', /session.*seek|Session\$.*seek|replay|checkpoint|::apply|Sim.*apply/i],
  ['core: snapshot', /snapshot|Snapshot/],
  ['views: build the virtual DOM', /slabscope_web|html|VNode|vtag|IntoPropValue|AttrValue|format|fmt|alloc::|String/],
  ['Yew diff / reconcile', /yew::|reconcile|VDiff|scheduler|diff/i],
  ['JS↔wasm glue, DOM calls', /__wbg|wbindgen|getObject|passStringToWasm|getStringFromWasm|decode|setAttribute|insertBefore|removeChild|createElement|textContent|offsetTop|scroll/i],
  ['history.replaceState', /replaceState/],
  ['browser (style, layout, paint: program)', /^\(program\)$/],
  ['garbage collector', /^\(garbage collector\)$/],
  ['idle', /^\(idle\)$/],
];

const server = await startServer(distDir());
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(600_000);
  const url = new URL(server.url);
  if (query) url.search = query;
  if (hash && !query) url.hash = hash;
  await page.goto(url.href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 600_000 });
  // A big document builds in chunks after the first picture: profile the steps, not the build.
  await page.waitForFunction(() => !document.querySelector('#build-progress'), null, { timeout: 600_000 });
  const compare = input.startsWith('compare-');
  // Compare mode builds its columns in slices after the first picture: wait for them.
  if (compare) await page.waitForSelector('#compare-columns .compare-column', { timeout: 600_000 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  if (compare) await page.locator('#compare-title').click();
  else await page.locator('#stage').focus();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const runInputs = async () => {
  for (let i = 0; i < repeat; i++) {
    const back = i % 2 === 1;
    if (input === 'right' || input === 'compare-right') await page.keyboard.press(back ? 'ArrowLeft' : 'ArrowRight');
    // s12-compare: → only, through new ops (as the bench's →: the buddy lists and a cache view
    // change on some of them; compare-right's →/← pair changes only the table).
    else if (input === 'compare-forward') await page.keyboard.press('ArrowRight');
    else if (input === 'shift-right') await page.keyboard.press(back ? 'Shift+ArrowLeft' : 'Shift+ArrowRight');
    else if (input === 'scrub' || input === 'compare-scrub') {
      const box = await page.locator(compare ? '#compare-scrub' : '#scrubber').boundingBox();
      await page.mouse.click(box.x + box.width * (0.1 + 0.8 * ((i * 37) % 50) / 49), box.y + box.height / 2);
    } else if (input === 'select') {
      await clickCell(page, { state: 'used', nth: i * 7 });
    } else throw new Error(`unknown --input ${input}`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  };
  const t0 = Date.now();
  await runInputs();
  const wall = Date.now() - t0;
  const { profile } = await cdp.send('Profiler.stop');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(profile));
  // Self time per node: samples × interval (timeDeltas give the real spacing).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const n = byId.get(profile.samples[i]);
    const name = n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`;
    self.set(name, (self.get(name) ?? 0) + dt);
  }
  const busy = [...self].filter(([n]) => n !== '(idle)').reduce((a, [, t]) => a + t, 0);
  const cats = new Map(CATEGORIES.map(([c]) => [c, 0]));
  cats.set('other JS', 0);
  for (const [name, t] of self) {
    const c = CATEGORIES.find(([, re]) => re.test(name));
    cats.set(c ? c[0] : 'other JS', cats.get(c ? c[0] : 'other JS') + t);
  }
  console.log(`${repeat} × ${input} (${hash || query}): ${wall} ms wall, ${busy.toFixed(1)} ms busy ` +
    `(${(busy / repeat).toFixed(1)} ms per input)`);
  for (const [c, t] of [...cats].sort((a, b) => b[1] - a[1])) {
    if (c === 'idle') continue;
    console.log(`  ${c.padEnd(42)} ${(t / repeat).toFixed(2).padStart(8)} ms/input  ${((100 * t) / busy).toFixed(0).padStart(3)} %`);
  }
  console.log('top functions by self time:');
  for (const [name, t] of [...self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${(t / repeat).toFixed(2).padStart(8)} ms/input  ${name.slice(0, 110)}`);
  }
  console.log(`profile: ${out}`);
  // The browser's own work, from a trace of the same inputs (a JS profile shows it as
  // "(program)"): style, layout, paint and the rest, summed per input on the renderer's main thread.
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline', transferMode: 'ReturnAsStream' });
  await runInputs();
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const events = JSON.parse(text).traceEvents ?? JSON.parse(text);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const BROWSER = {
    'style (UpdateLayoutTree, RecalcStyle)': /^(UpdateLayoutTree|RecalculateStyles|ScheduleStyleRecalculation)$/,
    'layout': /^Layout$/,
    'pre-paint, paint, layerize': /^(PrePaint|Paint|PaintImage|Layerize|UpdateLayer|UpdateLayerTree|Commit)$/,
    'hit test': /^HitTest$/,
    'script (all JS + wasm)': /^(FunctionCall|EvaluateScript|TimerFire|FireAnimationFrame|EventDispatch|v8\.callFunction)$/,
    'parse HTML / GC': /^(ParseHTML|MinorGC|MajorGC|V8\.GC.*|BlinkGC.*)$/,
  };
  const sum = new Map(Object.keys(BROWSER).map((k) => [k, 0]));
  let task = 0;
  for (const e of events) {
    if (!main || e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || !e.dur) continue;
    if (e.name === 'RunTask') task += e.dur / 1000;
    for (const [k, re] of Object.entries(BROWSER)) if (re.test(e.name)) sum.set(k, sum.get(k) + e.dur / 1000);
  }
  console.log(`trace of ${repeat} more inputs (top-level tasks ${(task / repeat).toFixed(1)} ms per input; nested events may overlap):`);
  for (const [k, v] of sum) console.log(`  ${k.padEnd(42)} ${(v / repeat).toFixed(2).padStart(8)} ms/input`);
} finally {
  await browser.close();
  await server.close();
}
