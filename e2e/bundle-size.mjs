// The start bundle of a trunk dist, as e2e/bench.mjs's `bundleSize()` counts it (each .wasm / .js
// file at the top of dist/ and under dist/snippets/, gzip -9 each), without running the benchmarks:
// `node e2e/bundle-size.mjs [dist]`. The trace worker's files (`trace_worker*`) are counted apart:
// they load when a trace is opened (and, on the page's thread, for the in-page fallback).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? join(import.meta.dirname, '..', 'dist');
const kib = (n) => Math.round((n / 1024) * 10) / 10;
const files = readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js')).map((f) => join(dist, f));
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.js')) files.push(p);
  }
};
try {
  walk(join(dist, 'snippets'));
} catch {}
const out = { start_kib: 0, start_wasm_kib: 0, start_js_kib: 0, worker_kib: 0, files: {} };
for (const p of files) {
  const g = gzipSync(readFileSync(p), { level: 9 }).length;
  out.files[p.slice(dist.length + 1)] = kib(g);
  if (p.includes('trace_worker')) out.worker_kib += g;
  else {
    out.start_kib += g;
    if (p.endsWith('.wasm')) out.start_wasm_kib += g;
    else out.start_js_kib += g;
  }
}
for (const k of ['start_kib', 'start_wasm_kib', 'start_js_kib', 'worker_kib']) out[k] = kib(out[k]);
console.log(JSON.stringify(out, null, 1));
