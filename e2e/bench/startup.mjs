#!/usr/bin/env node
// Where the start of the page goes (#14, "no long task > 50 ms while starting"): a Chromium
// performance trace from navigation to the first picture (the frame after body[data-ready] has
// been painted), split into the main thread's tasks; each task over 50 ms is listed with what it
// spent its time on (wasm compile / instantiate, script, style, layout, paint, GC).
//
// Usage: node e2e/bench/startup.mjs [--query lesson=slub-fast-path] [--hash H] [--repeat 3]
//          [--out target/bench/startup.trace.json]
// Needs a release build in dist/ (or $SLABSCOPE_DIST). The trace opens in Chromium's DevTools
// (Performance → load profile). Stand-alone (not a `cargo xtask bench` scenario module).
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { distDir, launchBrowser, REPO_ROOT, startServer } from '../harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const query = opt('query', 'lesson=slub-fast-path');
const hash = opt('hash', '');
const repeat = Number(opt('repeat', '3'));
const out = opt('out', join(REPO_ROOT, 'target', 'bench', 'startup.trace.json'));
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.wasm',
  'v8.execute',
  'blink',
  'loading',
];

// A trace event's name → what it is, for the split of a long task.
const KIND = [
  ['wasm compile', /wasm\.(Compile|SyncCompile|AsyncCompile|StreamingCompile|CompileLazy|Tier)|WasmCompile|v8\.wasm\.compile/i],
  ['wasm instantiate', /wasm\.(Instantiate|SyncInstantiate)|WasmInstantiate/i],
  ['script', /^(FunctionCall|EvaluateScript|v8\.run|V8\.Execute|RunMicrotasks|TimerFire|FireAnimationFrame|EventDispatch|v8\.callFunction)$/],
  ['style', /^(UpdateLayoutTree|RecalculateStyles|ParseAuthorStyleSheet)$/],
  ['layout', /^(Layout|UpdateLayerTree|PrePaint|IntersectionObserverController::computeIntersections)$/],
  ['paint', /^(Paint|PaintImage|Layerize|Commit|CompositeLayers|RasterTask)$/],
  ['parse HTML', /^ParseHTML$/],
  ['GC', /GC|MajorGC|MinorGC|V8\.GC/],
];
const kindOf = (name) => KIND.find(([, re]) => re.test(name))?.[0];

function summarise(events, t0, t1) {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  if (!main) return { tasks: [] };
  const mine = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.ts >= t0 && e.ts <= t1);
  const tasks = mine.filter((e) => e.name === 'RunTask' && e.dur > 50_000);
  return {
    tasks: tasks.map((task) => {
      const inside = mine.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur <= task.ts + task.dur);
      // Self time per kind: each classified event's duration minus that of its direct
      // classified children (a stack over the events in start order, outer ones first).
      const split = {};
      const stack = [];
      const ordered = inside.filter((e) => kindOf(e.name)).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
      for (const e of ordered) {
        while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur < e.ts + e.dur) stack.pop();
        const k = kindOf(e.name);
        split[k] = (split[k] ?? 0) + e.dur;
        if (stack.length) {
          const parent = kindOf(stack[stack.length - 1].name);
          split[parent] -= e.dur;
        }
        stack.push(e);
      }
      split.other = task.dur - Object.values(split).reduce((a, v) => a + v, 0);
      const ms = (us) => Math.round(us / 100) / 10;
      return {
        start_ms: ms(task.ts - t0),
        duration_ms: ms(task.dur),
        ...Object.fromEntries(Object.entries(split).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, ms(v)])),
      };
    }),
  };
}

const server = await startServer(distDir());
const browser = await launchBrowser();
console.log(`startup trace ${new Date().toISOString()}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ` +
  `chromium ${browser.version()}, ${query ? `?${query}` : ''}${hash ? `#${hash}` : ''}`);
try {
  mkdirSync(dirname(out), { recursive: true });
  for (let i = 0; i < repeat; i++) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(600_000);
    await context.addInitScript(() => {
      const mo = new MutationObserver(() => {
        if (document.body?.dataset.ready === '1' && window.__pictureAt === undefined) {
          window.__pictureAt = 0;
          requestAnimationFrame(() => requestAnimationFrame(() => { window.__pictureAt = performance.now(); }));
          mo.disconnect();
        }
      });
      mo.observe(document, { attributes: true, subtree: true, attributeFilter: ['data-ready'] });
    });
    const url = new URL(server.url);
    if (query) url.search = query;
    if (hash) url.hash = hash;
    const path = i === repeat - 1 ? out : `${out}.${i}`;
    await browser.startTracing(page, { path, categories: CATEGORIES });
    await page.goto(url.href);
    await page.waitForFunction(() => window.__pictureAt > 0);
    const picture = await page.evaluate(() => window.__pictureAt);
    await browser.stopTracing();
    const { traceEvents } = JSON.parse(readFileSync(path, 'utf8'));
    const nav = traceEvents.find((e) => e.name === 'navigationStart' || e.name === 'NavigationTiming' || e.name === 'markAsMainFrame');
    const t0 = nav ? nav.ts : Math.min(...traceEvents.filter((e) => e.ts > 0).map((e) => e.ts));
    const { tasks } = summarise(traceEvents, t0, t0 + picture * 1000 + 50_000);
    console.log(JSON.stringify({ run: i + 1, first_picture_ms: Math.round(picture), long_tasks: tasks }));
    await context.close();
  }
  console.log(`trace of the last run: ${out}`);
} finally {
  await browser.close();
  await server.close();
}
