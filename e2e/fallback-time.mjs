// The trace load's time and long tasks with the worker and with `?traceworker=0` (the reader on
// the page's thread), for one or more dists: `node e2e/fallback-time.mjs FILE RUNS DIST...`
// (s14; wrap it in `flock /tmp/bench.lock` on a shared machine). Prints JSON lines.
import { basename } from 'node:path';
import { launchBrowser, startServer } from './harness.mjs';

const [file, runs = '5', ...dists] = process.argv.slice(2);
const browser = await launchBrowser();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
try {
  for (const dist of dists) {
    const server = await startServer(dist);
    for (const query of ['', '?traceworker=0']) {
      const times = [];
      const longs = [];
      const reader = [];
      for (let i = 0; i < Number(runs); i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        await page.goto(`${server.url}${query}`);
        await page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
        await page.click('#mode-trace');
        await page.evaluate(() => {
          globalThis.__long = [];
          new PerformanceObserver((l) => globalThis.__long.push(...l.getEntries().map((e) => Math.round(e.duration)))).observe({ type: 'longtask' });
        });
        const t0 = Date.now();
        await page.setInputFiles('#trace-file', file);
        await page.waitForFunction((n) => /: \d+ events/.test(document.querySelector('#trace-summary')?.textContent.startsWith(`${n}: `) ? document.querySelector('#trace-summary').textContent : ''), basename(file), { timeout: 60_000, polling: 5 });
        times.push(Date.now() - t0);
        longs.push(await page.evaluate(() => globalThis.__long));
        // The reader's module loaded on the page (s14: marks `slabscope:reader:start` / `:end`).
        reader.push(await page.evaluate(() => {
          const m = (n) => performance.getEntriesByName(`slabscope:reader:${n}`)[0]?.startTime;
          return m('end') === undefined ? null : Math.round(m('end') - m('start'));
        }));
        await context.close();
      }
      console.log(JSON.stringify({ dist, mode: query || 'worker', median_ms: median(times), times, reader_ms: reader, long_tasks: longs }));
    }
    await server.close();
  }
} finally {
  await browser.close();
}
