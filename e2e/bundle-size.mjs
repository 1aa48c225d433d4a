// The start bundle of a trunk dist as `cargo xtask bench` counts it (e2e/bundle.mjs), without
// running the benchmarks: `node e2e/bundle-size.mjs [dist]`.
import { join } from 'node:path';
import { bundleSize } from './bundle.mjs';

console.log(JSON.stringify(bundleSize(process.argv[2] ?? join(import.meta.dirname, '..', 'dist')), null, 1));
