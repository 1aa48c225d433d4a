#!/usr/bin/env node
// A CPU profile of the page's start (#14: no long task over 50 ms while starting), by function:
// from navigation until `body[data-ready]` and a moment after. Names need the wasm name section,
// i.e. a `web-profile` build (Cargo.toml) in $SLABSCOPE_DIST:
//   sed 's/data-cargo-profile="web-release"/data-cargo-profile="web-profile"/g' index.html > index-profile.html
//   trunk build --release --offline=true --dist /tmp/dist-profile index-profile.html
//   SLABSCOPE_DIST=/tmp/dist-profile node e2e/bench/loadprofile.mjs 'lesson=slub-fast-path' [1366x768]
// Prints self time and inclusive time (app, Yew and core functions) in ms. Stand-alone (not a
// `cargo xtask bench` module).
import { distDir, launchBrowser, startServer } from '../harness.mjs';

const query = process.argv[2] || 'lesson=slub-fast-path';
const [width, height] = (process.argv[3] || '1366x768').split('x').map(Number);
const server = await startServer(distDir());
const browser = await launchBrowser();
try {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.goto(new URL(`?${query}`, server.url).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  await page.waitForTimeout(1500);
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const time = new Map();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) || 0) + (profile.timeDeltas[i] || 0)));
  const self = new Map();
  const incl = new Map();
  for (const [id, t] of time) {
    const f = byId.get(id).callFrame;
    const name = f.functionName || `(anonymous ${f.url.split('/').pop()})`;
    self.set(name, (self.get(name) || 0) + t);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const nm = byId.get(cur).callFrame.functionName;
      if (nm && !seen.has(nm)) {
        seen.add(nm);
        incl.set(nm, (incl.get(nm) || 0) + t);
      }
    }
  }
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([n, t]) => `${(t / 1000).toFixed(1).padStart(7)} ms  ${n.slice(0, 140)}`)
      .join('\n');
  console.log(`start of ?${query} at ${width}×${height}\nSELF\n${top(self, 25)}`);
  console.log(`INCLUSIVE (app, Yew, core)\n${top(new Map([...incl].filter(([n]) => /slabscope|yew::/.test(n))), 50)}`);
} finally {
  await browser.close();
  await server.close();
}
