// Browser fuzz target (issue #16): the app opened with generated and mutated address parameters
// (README: mode, cfg, wl, s, step, lesson, lstep, embed, panels, lang, from/to, autoplay,
// controls) must never panic in wasm, never log a console error or page error, and stay live
// (it answers script evaluation and its step controls respond). A fixed seed keeps the ~50 cases
// reproducible; `cargo xtask fuzz --target url` runs this file alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { assertNoErrors, collectedErrors, finish, openApp, setupSuite } from '../harness.mjs';
import { generator } from '../fuzz.mjs';

setupSuite();

const CASES = Number(process.env.SLABSCOPE_FUZZ_URL_CASES || 50);

const { rnd, pick } = generator();

/** Script text → raw deflate → base64url, as the app's `s=` parameter. */
function enc(text) {
  return deflateRawSync(Buffer.from(text)).toString('base64url');
}

const SCRIPTS = [
  'pages alloc order=3 as=a\npages free a',
  'kmalloc 8 as=a\nkfree a\nkfree a',
  'config slab=aether\nkmalloc 8 as=a\nwrite a offset=8 len=1 byte=0x41\nrepeat 8 { kmalloc 8 as=L[] }',
  'config slub_debug=P\nkmalloc 8 as=a\nwrite a offset=24 len=8 byte=0xb\nkmalloc 8 as=b\nkmalloc 8 as=c',
  'repeat 1 { '.repeat(10000),
  'repeat 100000 { repeat 100000 { shrink } }',
  'config cpus=1 nodes=4',
  'pages alloc order=99 as=a',
  'cache create foo size=64\ncache alloc foo as=x\ncache destroy foo',
  'malloc 8 as=t\nfree t\nfree t',
];

const NUMBERS = ['0', '1', '3', '-1', '99999999999999999999', '18446744073709551615', 'NaN', '', '1e9', '0x10'];

const GENERATORS = {
  mode: () => pick(['lessons', 'sandbox', 'trace', 'bogus', '', 'SANDBOX']),
  cfg: () =>
    pick([
      'mem=1M',
      'mem=1M,slab=slab',
      'slab=aether',
      'slab=sheaves,cpus=2',
      'percpu=magazine',
      'cpus=1,nodes=4',
      'mem=99999G',
      'mem=0',
      'slub_debug=FZPU,hardened=on',
      'garbage',
      '=,=,=',
      'mem=4G',
    ]),
  wl: () => pick(['1,100,mixed', '7,5000,slab', '1,99999999999,pages', 'x,y,z', '1,100,bogus', '', '3,0,superslab']),
  s: () => (rnd() % 4 === 0 ? pick(['!!!', 'AAAA', '', '____', '%ZZ']) : enc(pick(SCRIPTS))),
  step: () => pick(NUMBERS),
  lesson: () => pick(['buddy-split', 'pages-too-big', 'slub-fast-path', 'sheaves', 'nope', '', '../etc']),
  lstep: () => pick(NUMBERS),
  embed: () => pick(['1', '0', 'yes']),
  panels: () => pick(['memory,buddy', 'sandbox', 'bogus', '', 'memory,memory,memory', 'caches,percpu,superslab']),
  lang: () => pick(['en', 'ja', 'fr', '']),
  from: () => pick(NUMBERS),
  to: () => pick(NUMBERS),
  autoplay: () => pick(['1', '0']),
  controls: () => pick(['0', '1']),
};
const KEYS = Object.keys(GENERATORS);

function generate() {
  const n = 1 + (rnd() % 5);
  const parts = [];
  for (let i = 0; i < n; i++) {
    const k = pick(KEYS);
    let v = GENERATORS[k]();
    if (rnd() % 8 === 0) v = encodeURIComponent(v) + pick(['%', '%00', '&', '=', '#', '\u00e9']);
    parts.push(`${k}=${v}`);
  }
  if (rnd() % 10 === 0) parts.push(pick(['lessson=1', 'mdoe=sandbox', '&&&', '=']));
  const text = parts.join('&');
  return rnd() % 2 === 0 ? { query: text } : { hash: text };
}

const cases = Array.from({ length: CASES }, generate);

test(`the app survives ${CASES} generated addresses`, { timeout: 60_000 + CASES * 20_000 }, async (t) => {
  for (const [i, c] of cases.entries()) {
    await t.test(`case ${i}: ${c.query ? '?' + c.query : '#' + c.hash}`.slice(0, 200), async (tt) => {
      // Raw text after `?` or `#` (not re-encoded), as a user could paste it.
      const page = await openApp(tt, { path: c.hash ? `#${c.hash}` : `?${c.query}` });
      // Live: script evaluation answers, and so does a step control if one is shown.
      assert.equal(await page.evaluate(() => document.body.dataset.ready), '1');
      const next = page.locator('button[data-action="next"], button#next-step').first();
      if ((await next.count()) > 0 && (await next.isEnabled().catch(() => false))) {
        await next.click({ timeout: 5_000 });
      }
      assert.equal(await page.evaluate(() => 6 * 7), 42);
      if (i < 3) {
        await finish(tt, page, `fuzz-url-${i}`);
      } else {
        assertNoErrors(collectedErrors(page), `case ${i}`);
      }
    });
  }
});
