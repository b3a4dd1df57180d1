import type { Command } from 'commander';
import { toImageView } from '../../api/handlers/images';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { printSourceWarnings } from './sources';

/** registerImages adds `labboot images`: the local boot resources, answered from the store. */
export function registerImages(program: Command, ctx: CliContext): void {
  program
    .command('images')
    .description('local boot resources with their versions and files')
    .action(() =>
      ctx.withServices(async (services) => {
        const list = services.sources.store.listResources().map(toImageView);
        printSourceWarnings(ctx, services);
        ctx.output(
          () =>
            list.length === 0
              ? 'No images stored yet; select some and run "labboot sync".'
              : formatTable(
                  ['KIND', 'IMAGE', 'SUBARCH', 'LABEL', 'VERSIONS', 'SIZE'],
                  list.map((i) => [
                    i.kind,
                    `${i.os}/${i.release}/${i.arch}`,
                    i.subarch,
                    i.label,
                    i.versions.map((v) => v.version).join(' '),
                    `${((i.versions[0]?.files.reduce((n, f) => n + f.size, 0) ?? 0) / 1e6).toFixed(
                      1,
                    )} MB`,
                  ]),
                ),
          list,
        );
      }),
    );
}
