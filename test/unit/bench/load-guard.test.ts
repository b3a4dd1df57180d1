import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { quietMachineVerdict } from '../../bench/load-guard';

const guard = fileURLToPath(new URL('../../bench/load-guard.ts', import.meta.url));

/** runGuard calls assertQuietMachine in a child whose os.loadavg() reports `load`. */
function runGuard(load: number): { status: number | null; stdout: string; stderr: string } {
  const fakeLoad = [
    'import os from "node:os";',
    'import { syncBuiltinESMExports } from "node:module";',
    `os.loadavg = () => [${load}, 0, 0];`,
    'syncBuiltinESMExports();',
  ].join('');
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(fakeLoad)}`,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { assertQuietMachine } from ${JSON.stringify(guard)}; assertQuietMachine(); console.log('figures');`,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bench load guard', () => {
  it('reports at load 1 or below and prints the load and core count', () => {
    expect(quietMachineVerdict(0.42, 2)).toEqual({
      quiet: true,
      line: 'machine: 1-minute load average 0.42 on 2 core(s)',
    });
    expect(quietMachineVerdict(1, 8).quiet).toBe(true);
  });

  it('refuses above 1, and when the load is unknown', () => {
    const busy = quietMachineVerdict(1.01, 2);
    expect(busy.quiet).toBe(false);
    expect(busy.line).toMatch(
      /^bench refused: 1-minute load average 1\.01 on 2 core\(s\) is above 1;/,
    );
    expect(quietMachineVerdict(Number.NaN, 2).quiet).toBe(false);
  });

  it('exits 1 with one line before any figure on a busy machine', { timeout: 30_000 }, () => {
    const busy = runGuard(3.5);
    expect(busy.status).toBe(1);
    expect(busy.stdout).toBe('');
    expect(busy.stderr.trim().split('\n')).toHaveLength(1);
    expect(busy.stderr).toContain('bench refused: 1-minute load average 3.50');
    const idle = runGuard(0.25);
    expect(idle.status).toBe(0);
    expect(idle.stdout).toMatch(
      /^machine: 1-minute load average 0\.25 on \d+ core\(s\)\nfigures\n$/,
    );
  });
});
