import type { Command } from 'commander';
import { qualifiedName } from '../../../src-shared/manifest/parse';
import type { CliContext } from '../context';
import { formatTable } from '../table';

/** registerManifest adds `labboot manifest show|search|diff`, answered offline from the store. */
export function registerManifest(program: Command, ctx: CliContext): void {
  const manifest = program.command('manifest').description('packages in image squashfs manifests');
  manifest
    .command('show')
    .description('packages of an image version')
    .argument('<IMAGE[@VERSION]>', 'OS/RELEASE/ARCH[/SUBARCH][@VERSION]')
    .action((image: string) =>
      ctx.withServices(async (services) => {
        const { ref, entries } = services.manifests.show(image);
        const packages = entries.map((e) => ({ package: qualifiedName(e), pkgVersion: e.version }));
        ctx.output(
          () =>
            `${ref.image}@${ref.version}: ${packages.length} packages\n` +
            formatTable(
              ['PACKAGE', 'VERSION'],
              packages.map((p) => [p.package, p.pkgVersion]),
            ),
          { image: ref.image, version: ref.version, packages },
        );
      }),
    );
  manifest
    .command('search')
    .description('packages whose name contains TERM, across every stored manifest')
    .argument('<TERM>')
    .action((term: string) =>
      ctx.withServices(async (services) => {
        const hits = services.manifests.search(term);
        ctx.output(
          () =>
            hits.length === 0
              ? `No stored manifest has a package matching "${term}".`
              : formatTable(
                  ['IMAGE', 'VERSION', 'PACKAGE', 'PKG VERSION'],
                  hits.map((h) => [h.image, h.version, h.package, h.pkgVersion]),
                ),
          hits,
        );
      }),
    );
  manifest
    .command('diff')
    .description('packages added, removed and changed between two image versions')
    .argument('<A>', 'OS/RELEASE/ARCH[@VERSION] (old)')
    .argument('<B>', 'OS/RELEASE/ARCH[@VERSION] (new)')
    .action((a: string, b: string) =>
      ctx.withServices(async (services) => {
        const d = services.manifests.diff(a, b);
        ctx.output(
          () =>
            [
              ...d.added.map((x) => `+ ${x.package} ${x.pkgVersion}`),
              ...d.removed.map((x) => `- ${x.package} ${x.pkgVersion}`),
              ...d.changed.map((x) => `~ ${x.package} ${x.from} -> ${x.to}`),
            ].join('\n') || 'No differences.',
          d,
        );
      }),
    );
}
