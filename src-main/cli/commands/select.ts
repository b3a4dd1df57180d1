import type { Command } from 'commander';
import type { SelectionRecord } from '../../store/types';
import type { ResolvedSelection } from '../../sync/sources-service';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { printSourceWarnings } from './sources';

function table(list: readonly SelectionRecord[]): string {
  return list.length === 0
    ? 'No images selected; add one with "labboot select add ubuntu/jammy/amd64".'
    : formatTable(
        ['IMAGE'],
        list.map((s) => [`${s.os}/${s.release}/${s.arch}`]),
      );
}

/** resolvedLines says which image each argument selected, by the catalog's name when known. */
function resolvedLines(resolved: readonly ResolvedSelection[]): string {
  return resolved
    .map((r) => {
      const image = `${r.image.os}/${r.image.release}/${r.image.arch}`;
      if (!r.canonical) {
        return `Selected ${image} (not in a fetched catalog yet; "labboot catalog" shows what the sources offer).`;
      }
      return image === r.spec ? `Selected ${image}.` : `Selected ${image} (from ${r.spec}).`;
    })
    .join('\n');
}

/** registerSelect adds `labboot select add|list|remove OS/RELEASE/ARCH…`. */
export function registerSelect(program: Command, ctx: CliContext): void {
  const select = program.command('select').description('choose the images to sync');
  select
    .command('add')
    .description('select images, e.g. ubuntu/jammy/amd64 (release by codename or number)')
    .argument('<IMAGE...>', 'OS/RELEASE/ARCH')
    .action((images: string[]) =>
      ctx.withServices(async (services) => {
        const resolved = services.sources.resolveSelections(images);
        const list = services.sources.select(images);
        printSourceWarnings(ctx, services);
        ctx.output(() => `${resolvedLines(resolved)}\n\n${table(list)}`, list);
      }),
    );
  select
    .command('list')
    .description('list selected images')
    .action(() =>
      ctx.withServices(async (services) => {
        const list = services.sources.selections();
        ctx.output(() => table(list), list);
      }),
    );
  select
    .command('remove')
    .description('unselect images; the next sync deletes them')
    .argument('<IMAGE...>', 'OS/RELEASE/ARCH')
    .action((images: string[]) =>
      ctx.withServices(async (services) => {
        const list = services.sources.unselect(images);
        ctx.output(() => table(list), list);
      }),
    );
}
