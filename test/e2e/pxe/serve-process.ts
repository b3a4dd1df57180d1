/**
 * Runs the product's own `labboot serve` (bin/labboot.mjs, the bundled CLI users run) inside a lab
 * namespace against a data folder, and waits until it says it serves. The e2e boots and the PXE
 * benchmark both start their LabBoot this way, so what they test and measure is what users run.
 * The bundle is built once if missing (`npm test` builds it first); after changing the sources,
 * rebuild it (`npx electron-vite build`) before running these by hand.
 */
import { join } from 'node:path';
import type { LabProcess, NetnsLab } from '../../helpers/netns/netns-lab';
import { repoRoot } from '../../helpers/mirror/run-cli';

/** The `labboot` command as installed: builds out/main/cli.js on first use, then runs it. */
export const labbootBin = join(repoRoot, 'bin/labboot.mjs');

/** startServe runs `labboot --data DATA [--json] serve ARGS…` in `ns` until it serves. */
export async function startServe(
  lab: NetnsLab,
  ns: string,
  dataDir: string,
  args: readonly string[],
  options: { json?: boolean; timeoutMs?: number } = {},
): Promise<LabProcess> {
  const serve = lab.run(
    ns,
    process.execPath,
    [labbootBin, '--data', dataDir, ...(options.json === true ? ['--json'] : []), 'serve', ...args],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } },
  );
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!/LabBoot serving:/.test(serve.stderr())) {
    if (serve.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`labboot serve did not start:\n${serve.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return serve;
}
