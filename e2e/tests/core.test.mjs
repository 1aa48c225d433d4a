// The core in the browser: WebAssembly gives the same event stream as native Rust, and the
// step explanation and language switch work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT, TEST_TIMEOUT_MS, finish, openApp, setupSuite } from '../harness.mjs';
import { showViews, switchLang } from '../ui.mjs';

setupSuite();
/** The app with every view shown (the sandbox shows three by default; the rest one click away). */
const open = async (t, o) => showViews(await openApp(t, o));
const opts = { timeout: TEST_TIMEOUT_MS };

function nativeHash() {
  if (process.env.SLABSCOPE_NATIVE_HASH) return process.env.SLABSCOPE_NATIVE_HASH.trim();
  const out = execFileSync(
    'cargo',
    ['run', '--quiet', '-p', 'slabscope', '--', 'run', '--hash', 'core/tests/data/determinism.ops'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  return out.trim().split('\n').pop().trim();
}

test('wasm event stream hash equals the native one', opts, async (t) => {
  const expected = nativeHash();
  assert.match(expected, /^[0-9a-f]{16}$/, `native hash looks wrong: ${expected}`);
  const page = await open(t);
  // Computed once the first picture has painted (web/src/components/stage.rs).
  await page.waitForSelector('#determinism[data-hash]', { state: 'attached' });
  const got = await page.getAttribute('#determinism', 'data-hash');
  assert.equal(got, expected, 'WebAssembly and native runs of the same script differ');
  await finish(t, page, 'core-determinism');
});

test('each step is explained in an aria-live region', opts, async (t) => {
  const page = await open(t);
  const live = page.locator('#explain');
  assert.equal(await live.getAttribute('aria-live'), 'polite');
  const before = await live.textContent();
  await page.click('#step');
  const after = await live.textContent();
  assert.notEqual(after, before);
  assert.match(after, /Allocated 1 page\(s\) at pfn 0 \(order 0\) to a\.|Named the block/);
  assert.match(await page.textContent('#op-text'), /pages alloc order=0 as=a/);
  await finish(t, page, 'core-explained-step');
});

test('language switch to Japanese and back', opts, async (t) => {
  const page = await open(t);
  await page.click('#step');
  await switchLang(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.equal((await page.textContent('#step')).trim(), 'ステップ');
  assert.match(await page.textContent('#explain'), /pfn 0/);
  assert.match(await page.textContent('#explain'), /[ぁ-んァ-ヶ一-龠]/);
  await finish(t, page, 'core-japanese');
  await switchLang(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal((await page.textContent('#step')).trim(), 'Step');
});
