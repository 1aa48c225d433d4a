// Building large documents in chunks (#16): a 60k-op `s=` script in the address and a 120k-line
// uploaded `.ops` file. Records the long tasks while the build runs (the target: none over 50 ms)
// and how long the build took. Figures go to BENCHMARKS.md; tests never assert on time.
import { deflateRawSync } from 'node:zlib';

export const title = 'Large scripts build in chunks (#16)';

function bigScript(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(i % 2 ? `kfree a${i - 1}` : `kmalloc ${8 + (i % 500)} as=a${i}`);
  return out.join('\n') + '\n';
}

const built = (page) => page.waitForFunction(() => !document.querySelector('#build-progress'), null, { timeout: 300_000 });

/** @param {import('../bench.mjs').Bench} b */
export default async function run(b) {
  const s = deflateRawSync(Buffer.from(bigScript(60_000))).toString('base64url');
  const page = await b.open({ label: 's= script, 60k ops', hash: `cfg=mem=64M&s=${s}` });
  await b.activity(page, 'build after the first paint', () => built(page));
  await b.input(page, '→ while idle', () => page.keyboard.press('ArrowRight'), { samples: Math.min(b.samples, 20) });

  const up = await b.open({ label: 'upload, 120k lines' });
  if (!(await up.$eval('#tools', (d) => d.open))) await up.click('#tools > summary');
  const file = Buffer.from('config mem=64M\n' + bigScript(120_000));
  await b.activity(up, 'upload and build', async () => {
    await up.setInputFiles('#script-file', { name: 'big.ops', mimeType: 'text/plain', buffer: file });
    await up.waitForSelector('#build-progress');
    await built(up);
  });
}
