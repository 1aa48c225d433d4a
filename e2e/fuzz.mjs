// Shared by the browser fuzz targets (e2e/tests/fuzz-*.test.mjs): a SplitMix-style generator,
// as the core harness uses, reproducible from $SLABSCOPE_FUZZ_SEED (default 16).

/** A generator: `rnd()` gives the next number, `pick(list)` an element. */
export function generator(seed = process.env.SLABSCOPE_FUZZ_SEED || 16) {
  let state = BigInt(seed);
  const rnd = () => {
    state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) % 1000000007n);
  };
  return { rnd, pick: (v) => v[rnd() % v.length] };
}
