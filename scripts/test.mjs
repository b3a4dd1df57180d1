#!/usr/bin/env node
// `npm test`: typecheck, lint, format check, build, then unit + integration tests and end-to-end
// tests (Chromium, QEMU). Every step runs even if an earlier one failed, so one run shows every
// problem; the exit status is non-zero if any step failed. The last line is the plain
// "tests: N passed, N failed" summary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = 'test-results';
rmSync(`${results}/vitest`, { recursive: true, force: true });
mkdirSync(`${results}/vitest`, { recursive: true });

const only = process.argv.slice(2); // e.g. `npm test -- unit` runs just those steps
const steps = [
  ['typecheck', ['tsc', '-b']],
  ['lint', ['eslint', '--max-warnings', '0', '.']],
  ['format', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['build', ['electron-vite', 'build']],
  ['unit', vitest('unit')],
  ['integration', vitest('integration')],
  ['e2e', vitest('e2e')],
].filter(([name]) => only.length === 0 || only.includes(name));

function vitest(project) {
  return [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}/vitest/${project}.json`,
  ];
}

const failedSteps = [];
for (const [name, args] of steps) {
  const started = Date.now();
  process.stdout.write(`\n=== ${name}: npx ${args.join(' ')}\n`);
  const r = spawnSync('npx', args, {
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' },
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) failedSteps.push(name);
  process.stdout.write(
    `=== ${name}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status})`} in ${secs} s\n`,
  );
}

let passed = 0;
let failed = 0;
for (const project of ['unit', 'integration', 'e2e']) {
  const file = `${results}/vitest/${project}.json`;
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  // numFailedTestSuites also counts describe blocks of failed tests; count it only when a file
  // failed before any test ran (e.g. an import error), so nothing is counted twice.
  const failedTests = report.numFailedTests ?? 0;
  failed += failedTests > 0 ? failedTests : (report.numFailedTestSuites ?? 0);
}
// A step that failed outside vitest (typecheck, lint, build) counts as one failed check.
failed += failedSteps.filter((s) => !['unit', 'integration', 'e2e'].includes(s)).length;
if (failedSteps.length > 0) process.stdout.write(`\nfailed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failedSteps.length === 0 && failed === 0 ? 0 : 1);
