import type { Command } from 'commander';
import type { Services } from '../../services';
import { SourcesService, toBootSourceView } from '../../sync/sources-service';
import type { CliContext } from '../context';
import { formatTable } from '../table';

/**
 * printSourceWarnings tells the person, on stderr, what MAAS's UI would: the multi-source banner
 * (with the sources' names) and every source whose signatures are not checked.
 */
export function printSourceWarnings(ctx: CliContext, services: Services): void {
  const w = services.sources.warning();
  if (w !== null) ctx.info(`labboot: warning: ${w.text} Sources: ${w.sources.join(', ')}.`);
  for (const name of services.sources.unverifiedSources()) {
    ctx.info(`labboot: warning: source "${name}" is not verified: its signatures are not checked.`);
  }
}

/** registerSources adds `labboot sources list|add|remove`. */
export function registerSources(program: Command, ctx: CliContext): void {
  const sources = program.command('sources').description('configured boot sources');
  sources
    .command('list')
    .description('list boot sources')
    .action(() =>
      ctx.withServices(async (services) => {
        const list = services.sources.effectiveSources().map(toBootSourceView);
        printSourceWarnings(ctx, services);
        ctx.output(
          () =>
            formatTable(
              ['ID', 'NAME', 'URL', 'KEYRING'],
              list.map((s) => [
                s.builtin ? '-' : String(s.id),
                s.name + (s.builtin ? ' (default)' : ''),
                s.url,
                s.keyring.kind === 'none'
                  ? 'NOT VERIFIED'
                  : `${s.keyring.kind}: ${s.keyring.fingerprints.join(' ')}`,
              ]),
            ),
          list,
        );
      }),
    );
  sources
    .command('add')
    .description('add a boot source (keyring: OpenPGP public keys, binary or armored)')
    .argument(
      '[URL]',
      'mirror root, e.g. https://images.maas.io/ephemeral-v3/stable/, a file:// URL or an absolute folder path',
    )
    .option(
      '--stream <NAME>',
      'alone: the images.maas.io stream (stable or candidate); with URL: the stream folder under it',
    )
    .option(
      '--keyring <FILE>',
      'keyring that signs the mirror (default: the Ubuntu cloud-image keyring)',
    )
    .option('--name <NAME>', 'a short name for the source')
    .option('--no-verify', 'do not check signatures (only for a mirror you trust)')
    .action(
      (
        url: string | undefined,
        opts: { keyring?: string; name?: string; verify: boolean; stream?: string },
      ) =>
        ctx.withServices(async (services) => {
          const keyring =
            opts.keyring === undefined
              ? undefined
              : await SourcesService.readKeyringFile(opts.keyring);
          const added = await services.sources.add({
            url,
            stream: opts.stream,
            name: opts.name,
            keyring,
            keyringLabel: opts.keyring,
            verify: opts.verify,
          });
          printSourceWarnings(ctx, services);
          const view = toBootSourceView(added);
          ctx.output(`Added source ${view.id} "${view.name}" (${view.url}).`, view);
        }),
    );
  sources
    .command('remove')
    .description('remove a boot source (its synced images stay until unselected)')
    .argument('<ID|NAME>')
    .action((idOrName: string) =>
      ctx.withServices(async (services) => {
        const removed = toBootSourceView(services.sources.remove(idOrName));
        printSourceWarnings(ctx, services);
        ctx.output(`Removed source ${removed.id} "${removed.name}".`, removed);
      }),
    );
}
