// Browser fuzz target over uploaded files (issue #16): generated and mutated `.ops` scripts,
// /proc/slabinfo and /proc/buddyinfo snapshots and perf kmem traces (plain, with bad bytes, cut
// short, gzip with flipped bytes or truncated) are uploaded through the app's file inputs — the
// sandbox's script upload and the trace mode's file input — one after the other in one page. After
// each case the page must be alive (it evaluates script, its step controls answer), show no wasm
// panic, console error or page error, and either show the new session or a located error with the
// old session kept. A fixed seed keeps the cases reproducible (SLABSCOPE_FUZZ_FILES_CASES /
// SLABSCOPE_FUZZ_SEED change them). Large documents build in chunks: the last tests check the
// progress bar, that the page answers mid-build, and the typed, translated over-budget errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { REPO_ROOT, assertNoErrors, collectedErrors, finish, openApp, setupSuite } from '../harness.mjs';
import { openTools } from '../ui.mjs';
import { generator } from '../fuzz.mjs';

setupSuite();

const CASES = Number(process.env.SLABSCOPE_FUZZ_FILES_CASES || 24);

const { rnd, pick } = generator();

const read = (p) => readFileSync(join(REPO_ROOT, p), 'utf8');
const TRACE = read('core/tests/data/kmem-ls-sort-2000.perf.txt').split('\n');
const OPS = [
  read('examples/buddy-split.ops'),
  read('examples/slub-paths.ops'),
  'config slab=aether\nkmalloc 8 as=a\nwrite a offset=8 len=1 byte=0x41\nrepeat 8 { kmalloc 8 as=L[] }\n',
  'config slub_debug=P\nkmalloc 8 as=a\nwrite a offset=24 len=8 byte=0xb\nkmalloc 8 as=b\nkmalloc 8 as=c\n',
  'cache create foo size=64\ncache alloc foo as=x\ncache free x\ncache free x\n',
  'config cpus=1\nconfig nodes=4\n',
  'repeat 1 { '.repeat(5000),
  'repeat 100000 { repeat 100000 { shrink } }\n',
];
const SLABINFO =
  'slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n' +
  'dentry             12096  12096    192   21    1 : tunables    0    0    0 : slabdata    576    576      0\n' +
  'kmalloc-64          2048   2048     64   64    1 : tunables    0    0    0 : slabdata     32     32      0\n';
const BUDDYINFO =
  'Node 0, zone      DMA      1      1      0      1      2      1      1      0      1      1      3 \n' +
  'Node 0, zone   Normal    345    120     80     33     12      4      2      1      0      1      2 \n';
const NUMBERS = ['0', '1', '-1', '4096', '4503599627370497', '18446744073709551615', '99999999999999999999', 'x'];

/** Line-level mutation: delete, duplicate, cut, replace a number, insert junk. */
function mutateLines(text) {
  const lines = text.split('\n');
  for (let n = 1 + (rnd() % 4); n > 0; n--) {
    const i = rnd() % Math.max(lines.length, 1);
    const l = lines[i] ?? '';
    switch (rnd() % 6) {
      case 0: lines.splice(i, 1); break;
      case 1: lines.splice(i, 0, l); break;
      case 2: lines[i] = l.slice(0, rnd() % (l.length + 1)); break;
      case 3: lines[i] = l.replace(/\d+/, pick(NUMBERS)); break;
      case 4: lines[i] = l + pick(['{', '}', ' =', ' [999]', ' order=99', '\u00e9', '\u0000']); break;
      default: lines.length = Math.max(1, rnd() % (lines.length + 1));
    }
  }
  return lines.join('\n');
}

/** Byte-level damage: invalid UTF-8, a cut multi-byte sequence, an over-long line, truncation. */
function mutateBytes(buf) {
  let b = Buffer.from(buf);
  for (let n = rnd() % 3; n > 0; n--) {
    const at = rnd() % (b.length + 1);
    const junk = pick([Buffer.from([0xff]), Buffer.from([0xe3, 0x81]), Buffer.from('\r'), Buffer.alloc(70000, 0x61)]);
    b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
  }
  if (rnd() % 4 === 0) b = b.subarray(0, rnd() % (b.length + 1));
  return b;
}

function gzipDamaged(buf) {
  const gz = Buffer.from(gzipSync(buf));
  for (let n = rnd() % 3; n > 0; n--) gz[rnd() % gz.length] ^= 1 << (rnd() % 8);
  return rnd() % 2 ? gz.subarray(0, rnd() % (gz.length + 1)) : gz;
}

function traceSlice() {
  const from = rnd() % TRACE.length;
  return TRACE.slice(from, from + 20 + (rnd() % 300)).join('\n') + '\n';
}

/** One case: where it is uploaded (script or trace input), its file name and its bytes. */
function generate() {
  const kind = pick(['ops', 'ops', 'slabinfo', 'buddyinfo', 'trace', 'trace', 'trace-gz']);
  switch (kind) {
    case 'ops': return { input: 'script', name: 'fuzz.ops', buffer: mutateBytes(Buffer.from(mutateLines(pick(OPS)))) };
    case 'slabinfo': return { input: pick(['script', 'trace']), name: 'slabinfo.txt', buffer: Buffer.from(mutateLines(SLABINFO)) };
    case 'buddyinfo': return { input: pick(['script', 'trace']), name: 'buddyinfo.txt', buffer: Buffer.from(mutateLines(BUDDYINFO)) };
    case 'trace': return { input: 'trace', name: 'kmem.perf.txt', buffer: mutateBytes(Buffer.from(mutateLines(traceSlice()))) };
    default: return { input: 'trace', name: 'kmem.perf.txt.gz', buffer: gzipDamaged(Buffer.from(traceSlice())) };
  }
}

const cases = Array.from({ length: CASES }, generate);

async function upload(page, c) {
  if (c.input === 'script') {
    await page.click('#mode-sandbox');
    await openTools(page);
    await page.setInputFiles('#script-file', { name: c.name, mimeType: 'text/plain', buffer: c.buffer });
  } else {
    await page.click('#mode-trace');
    await page.setInputFiles('#trace-file', { name: c.name, mimeType: 'application/octet-stream', buffer: c.buffer });
  }
}

/** Alive: script runs, the page is not loading forever, and a step control answers. */
async function assertAlive(page, label) {
  assert.equal(await page.evaluate(() => 6 * 7), 42, `${label}: the page answers`);
  await page.waitForFunction(() => !document.querySelector('#build-progress'), null, { timeout: 30_000 });
  await page.keyboard.press('Home');
  assert.equal(await page.evaluate(() => document.body.dataset.ready), '1', label);
  assertNoErrors(collectedErrors(page), label);
}

test(`uploaded files: ${CASES} generated and mutated cases, no panic, page alive`, { timeout: 120_000 + CASES * 15_000 }, async (t) => {
  const page = await openApp(t);
  for (const [i, c] of cases.entries()) {
    const label = `case ${i}: ${c.input} ← ${c.name} (${c.buffer.length} bytes)`;
    await upload(page, c);
    // Either an answer (a new session, a located error) or nothing; never a dead page.
    await page.waitForTimeout(50);
    await assertAlive(page, label);
  }
  // A located error for a bad upload, old session kept.
  await page.click('#mode-sandbox');
  await openTools(page);
  const before = await page.textContent('#step-counter');
  await page.setInputFiles('#script-file', { name: 'bad.ops', mimeType: 'text/plain', buffer: Buffer.from('kmalloc 8 as=a\npages free zz\n') });
  await page.waitForFunction(() => /^bad\.ops:2:\d+: /.test(document.querySelector('#sandbox-error')?.textContent ?? ''));
  assert.equal(await page.textContent('#step-counter'), before, 'state unchanged on error');
  await finish(t, page, 'fuzz-files');
});

/** A script of `n` lines of allocations and frees (valid on a 64M machine). */
function bigScript(n) {
  const out = ['config mem=64M'];
  for (let i = 0; i < n; i++) out.push(i % 2 ? `kfree a${i - 1}` : `kmalloc ${8 + (i % 500)} as=a${i}`);
  return out.join('\n') + '\n';
}

test('a large uploaded .ops file builds in chunks with a progress bar, the page answering meanwhile', { timeout: 180_000 }, async (t) => {
  const page = await openApp(t);
  await openTools(page);
  const before = await page.textContent('#step-counter');
  const n = 120_000;
  await page.setInputFiles('#script-file', { name: 'big.ops', mimeType: 'text/plain', buffer: Buffer.from(bigScript(n)) });
  await page.waitForSelector('#build-progress progress', { timeout: 15_000 });
  // Mid-build: the old session is still shown and the page answers.
  assert.equal(await page.textContent('#step-counter'), before, 'the old session stays until the build succeeds');
  assert.equal(await page.evaluate(() => 6 * 7), 42);
  await page.waitForFunction(() => !document.querySelector('#build-progress'), null, { timeout: 150_000 });
  assert.match(await page.textContent('#step-counter'), new RegExp(`operation 0 / ${n}$`));
  await finish(t, page, 'fuzz-files-big-upload');
});

test('a large s= script builds after the first paint; over the budget a translated error names the limit', { timeout: 180_000 }, async (t) => {
  const s = deflateRawSync(Buffer.from(bigScript(60_000).replace('config mem=64M\n', ''))).toString('base64url');
  const page = await openApp(t, { path: `#cfg=mem=64M&s=${s}` });
  assert.equal(await page.evaluate(() => 6 * 7), 42, 'ready before the build is done');
  await page.waitForFunction(() => !document.querySelector('#build-progress'), null, { timeout: 150_000 });
  assert.match(await page.textContent('#step-counter'), /operation 60000 \/ 60000$/);
  assertNoErrors(collectedErrors(page), 'big s=');
  for (const [lang, words] of [['en', /over the browser's limit max_ops=1000000.*--max-ops N/], ['ja', /上限 max_ops=1000000.*--max-ops N/]]) {
    const over = deflateRawSync(Buffer.from('repeat 2000000 { shrink }\n')).toString('base64url');
    const p = await openApp(t, { path: `?lang=${lang}#s=${over}` });
    await p.waitForSelector('#notice');
    const text = await p.textContent('#notice');
    assert.match(text, words, text);
    assert.match(text, /2000000/, 'the number the script needs');
    assert.equal(await p.evaluate(() => 6 * 7), 42);
    await finish(t, p, `fuzz-files-over-budget-${lang}`);
  }
});
