import type { Command } from 'commander';
import { UserError } from '../../../src-shared/errors';
import { SourcesService, toBootSourceView } from '../../sync/sources-service';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { printSourceWarnings } from './sources';

/** megabytes prints a byte count for tables, as `12.3 MB` (decimal, like download tools). */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** registerCatalog adds `labboot catalog`: what the sources offer, fetched and verified. */
export function registerCatalog(program: Command, ctx: CliContext): void {
  program
    .command('catalog')
    .description('what the sources offer: fetches and verifies each index and product file')
    .action(() =>
      ctx.withServices(async (services) => {
        printSourceWarnings(ctx, services);
        // A source that cannot be read is named on stderr; the others are still listed.
        const { catalogs, failures } = await services.sources.readCatalogs();
        for (const f of failures) ctx.info(`labboot: warning: ${f.error.message}`);
        const view = catalogs.map((c) => ({
          source: toBootSourceView(c.source),
          products: SourcesService.catalogView(c),
        }));
        ctx.output(
          () =>
            view
              .map(
                (c) =>
                  `${c.source.name} (${c.source.url})\n` +
                  formatTable(
                    [
                      'KIND',
                      'IMAGE',
                      'SUBARCH',
                      'KFLAVOR',
                      'BOOTS SUBARCHES',
                      'NEWEST COMPLETE',
                      'SIZE',
                      'VERSIONS',
                    ],
                    c.products.map((p) => [
                      p.kind,
                      `${p.os}/${p.release}/${p.arch}`,
                      p.subarch,
                      p.kflavor || '-',
                      p.subarches.join(',') || '-',
                      p.newestComplete ?? '-',
                      p.newestCompleteBytes === null ? '-' : megabytes(p.newestCompleteBytes),
                      String(p.versions.length),
                    ]),
                  ),
              )
              .join('\n\n'),
          view,
        );
        if (failures.length > 0) {
          throw new UserError(
            `${failures.length} of ${failures.length + catalogs.length} source(s) could not be read (${failures.map((f) => `"${f.source.name}"`).join(', ')}); the warnings above say why, the other sources are listed.`,
            failures[0]?.error.code ?? 'source-failed',
          );
        }
      }),
    );
}
