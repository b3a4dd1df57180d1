import type { Command } from 'commander';
import type { StoreVerifyResult } from '../../../src-shared/contract/store';
import type { CliContext } from '../context';
import type { VerifyProgress } from '../../upkeep/store-verify';

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function progressLine(p: VerifyProgress): string {
  // Downloads report every MiB; one line per file fetched is enough on a terminal.
  if (p.phase === 'fetching')
    return `fetching again: ${p.files}/${p.totalFiles} files of ${megabytes(p.totalBytes)}`;
  return `verifying: ${p.files}/${p.totalFiles} files, ${megabytes(p.bytes)} of ${megabytes(p.totalBytes)}`;
}

function describe(r: StoreVerifyResult, repair: boolean): string {
  const head = `Checked ${r.checkedFiles} file(s), ${megabytes(r.checkedBytes)}.`;
  if (r.ok) return `${head} Every stored file matches its sha256.`;
  const lines = [head, ...r.versions.map((v) => v.summary)];
  if (!repair) lines.push('Run "labboot store verify --repair" to fetch the damaged files again.');
  else if (r.repaired) lines.push('Every damaged file was fetched again and verified.');
  else lines.push('Run "labboot sync" once the source can be reached to fetch the rest again.');
  return lines.join('\n');
}

/** registerStore adds `labboot store verify [--repair]`. */
export function registerStore(program: Command, ctx: CliContext): void {
  const store = program.command('store').description('check and repair the stored files');
  store
    .command('verify')
    .description(
      're-hash every stored file against its sha256; exit 1 when one is missing or damaged',
    )
    .option(
      '--repair',
      'fetch damaged files again from their source (offline: mark them incomplete)',
    )
    .action((opts: { repair?: boolean }) =>
      ctx.withServices(async (services) => {
        const repair = opts.repair === true;
        let last = '';
        const result = await services.upkeep.verify({
          repair,
          onProgress: (p) => {
            const line = progressLine(p);
            if (line !== last) ctx.info(line);
            last = line;
          },
        });
        ctx.output(() => describe(result, repair), result);
        // Repaired in full is a success; anything still wrong is not.
        if (!result.ok && !result.repaired) process.exitCode = 1;
      }),
    );
}
