// Browser benchmark: seek latency of the core compiled to WebAssembly, in headless Chromium.
// Usage: node e2e/bench/seek.mjs [ops]   (needs a release build in dist/ or SLABSCOPE_DIST)
import { distDir, launchBrowser, startServer } from '../harness.mjs';

const ops = Number(process.argv[2] || 1_000_000);
const server = await startServer(distDir());
const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e}`));
  await page.goto(new URL(`?bench=seek&ops=${ops}`, server.url).href);
  await page.waitForSelector('#bench-result[data-done="1"]', { timeout: 600_000 });
  console.log(`wasm seek benchmark: ${await page.textContent('#bench-result')}`);
} finally {
  await browser.close();
  await server.close();
}
