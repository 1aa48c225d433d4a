// The bundle of a trunk dist (#14), gzip -9 of each .wasm / .js file at the top of dist/ and under
// dist/snippets/: "start" is what every page loads (the app's wasm, its JS and snippets); the
// trace worker's files (`trace_worker*`) load when a trace is opened (and, on the page's thread,
// for the in-page fallback); the data files beside the bundle are counted apart (lessons: at
// start; Japanese texts: when first shown in Japanese). Used by e2e/bench.mjs and
// e2e/bundle-size.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const kib = (n) => (n == null ? null : Math.round((n / 1024) * 10) / 10);
const gzipOf = (p) => gzipSync(readFileSync(p), { level: 9 }).length;

/** Sizes in KiB (and each file's under `files`). */
export function bundleSize(dist) {
  const paths = readdirSync(dist).filter((f) => f.endsWith('.wasm') || f.endsWith('.js')).map((f) => join(dist, f));
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) paths.push(p);
    }
  };
  try {
    walk(join(dist, 'snippets'));
  } catch {}
  let [raw, gz, start, wasm, js, worker] = [0, 0, 0, 0, 0, 0];
  const files = {};
  for (const p of paths) {
    raw += readFileSync(p).length;
    const g = gzipOf(p);
    gz += g;
    files[p.slice(dist.length + 1)] = kib(g);
    if (p.includes('trace_worker')) worker += g;
    else {
      start += g;
      if (p.endsWith('.wasm')) wasm += g;
      else js += g;
    }
  }
  const data = (f) => {
    try {
      return kib(gzipOf(join(dist, f)));
    } catch {
      return null;
    }
  };
  return {
    raw_kib: kib(raw),
    gzip9_kib: kib(gz),
    start_gzip9_kib: kib(start),
    wasm_gzip9_kib: kib(wasm),
    js_gzip9_kib: kib(js),
    worker_gzip9_kib: kib(worker),
    lessons_docs_gzip9_kib: data('docs.tsv'),
    ja_texts_gzip9_kib: data('i18n-ja.tsv'),
    files,
  };
}
