// Real-browser test harness for the slabscope web app.
//
// Uses playwright-core (no bundled browser) driving Debian's /usr/bin/chromium,
// a tiny node:http static server for the trunk-built dist folder, and Node's
// built-in test runner (`node --test`).
//
// Typical test file:
//
//   import { test } from 'node:test';
//   import { setupSuite, openApp, finish } from '../harness.mjs';
//   setupSuite();                       // one browser + one server per file
//   test('x', { timeout: 60_000 }, async (t) => {
//     const page = await openApp(t, { query: { lesson: 1 } });
//     ...assertions...
//     await finish(t, page, 'x');      // screenshot + fail on console errors
//   });

import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(E2E_DIR, '..');
export const SCREENSHOT_DIR = join(REPO_ROOT, 'target', 'e2e');
export const READY_SELECTOR = 'body[data-ready="1"]';
export const READY_TIMEOUT_MS = 20_000;
/** Per-test budget; pass as `{ timeout: TEST_TIMEOUT_MS }` to `test()`. */
export const TEST_TIMEOUT_MS = 60_000;

export const CHROMIUM_PATH = process.env.SLABSCOPE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the trunk-built app lives: $SLABSCOPE_DIST or <repo>/dist. */
export function distDir() {
  return resolve(process.env.SLABSCOPE_DIST || join(REPO_ROOT, 'dist'));
}

// ---------------------------------------------------------------------------
// Static file server
// ---------------------------------------------------------------------------

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

function normalizePrefix(prefix) {
  let p = prefix || '/';
  if (!p.startsWith('/')) p = '/' + p;
  if (!p.endsWith('/')) p += '/';
  return p;
}

/**
 * Serve `root` on http://127.0.0.1:<random port><prefix>.
 * Only GET/HEAD. Directories serve their index.html; anything else that is not
 * a file under `root` (or outside `prefix`) is a 404. No SPA fallback, so a
 * wrong URL in the app shows up as a 404 (and a console error in the page).
 *
 * @param {string} root
 * @param {{prefix?: string}} [opts]
 * @returns {Promise<{url: string, origin: string, port: number, prefix: string,
 *   root: string, requests: {method: string, path: string, status: number}[],
 *   close: () => Promise<void>}>}
 */
export async function startServer(root, { prefix = '/' } = {}) {
  const absRoot = resolve(root);
  if (!existsSync(absRoot) || !statSync(absRoot).isDirectory()) {
    throw new Error(`startServer: dist directory not found: ${absRoot}`);
  }
  const base = normalizePrefix(prefix);
  const requests = [];

  const server = createServer((req, res) => {
    const send = (status, body, headers = {}) => {
      requests.push({ method: req.method, path: req.url, status });
      res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      }
      const pathname = new URL(req.url, 'http://x').pathname;
      if (pathname + '/' === base) {
        return send(301, '', { Location: base });
      }
      if (!pathname.startsWith(base)) return send(404, 'not found\n');
      let rel;
      try {
        rel = decodeURIComponent(pathname.slice(base.length));
      } catch {
        return send(400, 'bad request\n');
      }
      if (rel.includes('\0')) return send(400, 'bad request\n');
      let file = normalize(join(absRoot, rel));
      if (file !== absRoot && !file.startsWith(absRoot + sep)) {
        return send(404, 'not found\n');
      }
      let st = existsSync(file) ? statSync(file) : null;
      if (st && st.isDirectory()) {
        if (!pathname.endsWith('/')) {
          return send(301, '', { Location: pathname + '/' });
        }
        file = join(file, 'index.html');
        st = existsSync(file) ? statSync(file) : null;
      }
      if (!st || !st.isFile()) return send(404, 'not found\n');
      const type = MIME_TYPES[extname(file).toLowerCase()] || 'application/octet-stream';
      requests.push({ method: req.method, path: req.url, status: 200 });
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': st.size,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch (err) {
      send(500, String(err && err.stack || err));
    }
  });

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin + base,
    origin,
    port,
    prefix: base,
    root: absRoot,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

// ---------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------

/**
 * Launch Debian's chromium headless through playwright-core.
 *
 * `chromium.launch()` refuses a `--user-data-dir` arg, and itself creates a
 * fresh `/tmp/playwright_chromiumdev_profile-*` profile dir that it deletes on
 * close. So every launch already gets a fresh, temporary user-data-dir; every
 * openApp() additionally gets its own incognito-like BrowserContext.
 */
export async function launchBrowser({ args = [] } = {}) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `chromium not found at ${CHROMIUM_PATH} (apt-get install chromium, or set SLABSCOPE_CHROMIUM)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    timeout: 30_000,
  });
}

/**
 * Alternative: a persistent context on an explicit fresh mkdtemp profile dir.
 * Returns the BrowserContext; its close() also removes the profile dir.
 */
export async function launchPersistent(contextOptions = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'slabscope-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    ...contextOptions,
  });
  const close = context.close.bind(context);
  context.close = async (...a) => {
    try {
      await close(...a);
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  };
  return context;
}

// ---------------------------------------------------------------------------
// Error collection
// ---------------------------------------------------------------------------

const collectors = new WeakMap();

/**
 * Attach listeners to `page` that collect everything that should fail a test:
 * console messages of type 'error', uncaught page errors, any console text
 * containing 'panicked' (Rust/wasm panic via console_error_panic_hook or
 * similar), crashes, and network-level request failures.
 *
 * @returns {{errors: {kind: string, text: string}[], onFatal: (fn: Function) => void}}
 */
export function attachErrorCollector(page) {
  const errors = [];
  const fatalListeners = [];
  const push = (kind, text, fatal = false) => {
    const entry = { kind, text };
    errors.push(entry);
    if (fatal) for (const fn of fatalListeners) fn(entry);
  };
  page.on('console', (msg) => {
    const text = msg.text();
    const loc = msg.location();
    const where = loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : '';
    if (text.includes('panicked')) push('panic', text + where, true);
    else if (msg.type() === 'error') push('console.error', text + where);
  });
  page.on('pageerror', (err) => {
    const message = (err && err.message) || String(err);
    const text = (err && err.stack) || message;
    if (message.includes('panicked')) push('panic', text, true);
    else push('pageerror', text, true);
  });
  page.on('crash', () => push('crash', 'page crashed', true));
  page.on('requestfailed', (req) => {
    const failure = req.failure()?.errorText || 'unknown';
    // ERR_ABORTED is routine (navigation away, cancelled preloads).
    if (!failure.includes('ERR_ABORTED')) {
      push('requestfailed', `${req.method()} ${req.url()}: ${failure}`);
    }
  });
  const collector = { errors, onFatal: (fn) => fatalListeners.push(fn) };
  collectors.set(page, collector);
  return collector;
}

/** The errors collected so far for a page opened with openApp(). */
export function collectedErrors(page) {
  return collectors.get(page)?.errors ?? [];
}

export function formatErrors(errors) {
  return errors.map((e, i) => `  ${i + 1}. [${e.kind}] ${e.text}`).join('\n');
}

/** Throws an AssertionError listing the errors, if any were collected. */
export function assertNoErrors(errorsOrCollector, label = 'page') {
  const errors = Array.isArray(errorsOrCollector)
    ? errorsOrCollector
    : errorsOrCollector.errors;
  if (errors.length > 0) {
    assert.fail(
      `${label}: ${errors.length} console error(s) / page error(s) / panic(s):\n` +
        formatErrors(errors),
    );
  }
}

// ---------------------------------------------------------------------------
// Per-file suite state and page helpers
// ---------------------------------------------------------------------------

/** Per test file (node --test runs each file in its own process). */
export const suite = { browser: null, server: null };

/**
 * Register before/after hooks: launch one browser and serve the dist once for
 * this test file; close both afterwards. Returns the (filled-in) suite object.
 */
export function setupSuite({ dist = distDir(), prefix = '/' } = {}) {
  before(
    async () => {
      if (!existsSync(join(dist, 'index.html'))) {
        throw new Error(
          `no built app at ${dist} (index.html missing): build it first ` +
            `(trunk build) or set SLABSCOPE_DIST`,
        );
      }
      suite.server = await startServer(dist, { prefix });
      suite.browser = await launchBrowser();
    },
    { timeout: TEST_TIMEOUT_MS },
  );
  after(
    async () => {
      await suite.browser?.close().catch(() => {});
      await suite.server?.close();
      suite.browser = null;
      suite.server = null;
    },
    { timeout: TEST_TIMEOUT_MS },
  );
  return suite;
}

function buildUrl(baseUrl, path = '', query) {
  // Paths are relative to the app's base URL (so they keep a sub-path prefix).
  const url = new URL(String(path).replace(/^\/+/, ''), baseUrl);
  if (query) {
    const params = typeof query === 'string' ? new URLSearchParams(query) : query;
    for (const [k, v] of params instanceof URLSearchParams ? params : Object.entries(params)) {
      url.searchParams.set(k, String(v));
    }
  }
  return url.href;
}

function safeName(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'page';
}

/**
 * Open the app in a fresh browser context and wait until it is ready
 * (`document.body.dataset.ready = "1"`). Fails fast (with the collected errors
 * in the message) on a panic or uncaught exception while loading.
 *
 * @param {import('node:test').TestContext} t
 * @param {{path?: string, query?: object|string, colorScheme?: 'light'|'dark'|'no-preference',
 *   viewport?: {width: number, height: number}, browser?: import('playwright-core').Browser,
 *   baseUrl?: string, waitReady?: boolean}} [opts]
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openApp(t, opts = {}) {
  const {
    path = '',
    query,
    colorScheme = 'light',
    viewport = { width: 1280, height: 800 },
    browser = suite.browser,
    baseUrl = suite.server?.url,
    waitReady = true,
  } = opts;
  assert.ok(browser, 'openApp: no browser (call setupSuite() or pass {browser})');
  assert.ok(baseUrl, 'openApp: no server (call setupSuite() or pass {baseUrl})');

  const context = await browser.newContext({ colorScheme, viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const collector = attachErrorCollector(page);
  const state = { finished: false };
  collector.state = state;

  t?.after?.(async () => {
    if (!state.finished && !page.isClosed()) {
      // The test did not reach finish(): keep a picture for debugging.
      const file = join(SCREENSHOT_DIR, `${safeName(t.name)}.unfinished.png`);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: file, fullPage: true, timeout: 10_000 }).catch(() => {});
      if (collector.errors.length) {
        t.diagnostic?.(`collected errors:\n${formatErrors(collector.errors)}`);
      }
    }
    await context.close().catch(() => {});
  });

  const url = buildUrl(baseUrl, path, query);
  await page.goto(url, { waitUntil: 'load', timeout: READY_TIMEOUT_MS });
  if (waitReady) await waitForReady(page, collector, url);
  return page;
}

async function waitForReady(page, collector, url) {
  let onFatal;
  const fatal = new Promise((_, reject) => {
    onFatal = (entry) =>
      reject(new Error(`app failed while loading (${entry.kind}): ${entry.text}`));
  });
  fatal.catch(() => {});
  collector.onFatal((e) => onFatal(e));
  const already = collector.errors.find((e) => ['panic', 'pageerror', 'crash'].includes(e.kind));
  if (already) onFatal(already);
  try {
    await Promise.race([
      page.waitForSelector(READY_SELECTOR, { state: 'attached', timeout: READY_TIMEOUT_MS }),
      fatal,
    ]);
  } catch (err) {
    const errs = collector.errors.length
      ? `\ncollected errors:\n${formatErrors(collector.errors)}`
      : '\n(no console errors collected)';
    throw new Error(`app at ${url} did not become ready: ${err.message.split('\n')[0]}${errs}`);
  }
}

/**
 * Change the address of an open page in place (`location.hash = …`, or `page.goto` to the same
 * page with another hash): the app re-opens the page at the new address, as a reload would
 * (web/src/hooks/url.rs). Resolves once the re-opened page is ready.
 */
export async function changeHash(page, hash) {
  const reopened = page.waitForEvent('load', { timeout: READY_TIMEOUT_MS });
  await page.evaluate((h) => { location.hash = h; }, hash.replace(/^#/, ''));
  await reopened;
  await page.waitForSelector(READY_SELECTOR, { state: 'attached', timeout: READY_TIMEOUT_MS });
}

/**
 * Save a full-page screenshot to <repo>/target/e2e/<name>.png, then fail the
 * test if any console error / page error / panic was collected for `page`.
 */
export async function finish(t, page, name) {
  const collector = collectors.get(page);
  if (collector?.state) collector.state.finished = true;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: 15_000 });
  t?.diagnostic?.(`screenshot: ${file}`);
  assertNoErrors(collector ?? [], `${name}`);
  return file;
}

// ---------------------------------------------------------------------------
// Small DOM helpers shared by tests
// ---------------------------------------------------------------------------

/** Serialized "pfn:order:state" for every rect[data-pfn] in `svgSelector`. */
export async function buddyRects(page, svgSelector = 'svg#buddy-view', state) {
  return page.$$eval(
    `${svgSelector} rect[data-pfn]${state ? `[data-state="${state}"]` : ''}`,
    (rects) =>
      rects.map(
        (r) =>
          `${r.getAttribute('data-pfn')}:${r.getAttribute('data-order')}:${r.getAttribute('data-state')}`,
      ),
  );
}

/** Wait until `selector`'s textContent differs from `previous`; returns the new text. */
export async function waitForTextChange(page, selector, previous, timeout = 5_000) {
  await page.waitForFunction(
    ([sel, prev]) => {
      const el = document.querySelector(sel);
      return el !== null && el.textContent !== prev;
    },
    [selector, previous],
    { timeout },
  );
  return page.textContent(selector);
}

/** Run a command-bar line and wait until the view shows its last step; fail on a command error. */
export async function runCommand(page, line) {
  await page.fill('#command', line);
  await page.press('#command', 'Enter');
  await page.waitForFunction(() => {
    const m = /(\d+) \/ (\d+)/.exec(document.querySelector('#step-counter').textContent);
    return m && m[1] === m[2] && document.querySelector('#command').value === '';
  });
  assert.equal(await page.textContent('#command-error'), '', `command failed: ${line}`);
}
