#!/usr/bin/env node
// Runs every e2e/tests/*.test.mjs with Node's built-in test runner.
// Usage: node e2e/run.mjs [extra node --test flags, e.g. --test-reporter=spec]
// Exit code is non-zero on any failure (or if no test file is found).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const testsDir = join(here, 'tests');
const files = readdirSync(testsDir)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => join(testsDir, f));
if (files.length === 0) {
  console.error(`no *.test.mjs files in ${testsDir}`);
  process.exit(1);
}

// Hard bound for the whole run (each test is bounded at 60 s by itself).
const OVERALL_MS = Number(process.env.SLABSCOPE_E2E_TIMEOUT_MS || 35 * 60_000);

const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files],
  { stdio: 'inherit', cwd: here },
);
const timer = setTimeout(() => {
  console.error(`e2e: overall timeout of ${OVERALL_MS} ms exceeded, killing test run`);
  child.kill('SIGKILL');
}, OVERALL_MS);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
