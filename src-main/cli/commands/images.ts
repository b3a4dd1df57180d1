import type { Command } from 'commander';
import { toImageView } from '../../api/handlers/images';
import type { CliContext } from '../context';
import type { ImageView } from '../../../src-shared/contract/images';
import { formatTable } from '../table';
import { printSourceWarnings } from './sources';
import { registerImagesDelete } from './images-delete';
import { registerImagesImport } from './images-import';

/** megabytes prints a byte count for tables, as `12.3 MB` (decimal, like download tools). */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** sourceColumn names the source of the newest version, and of older ones when they differ. */
function sourceColumn(versions: ImageView['versions']): string {
  const names = [...new Set(versions.map((v) => v.source.name ?? v.source.url ?? 'unknown'))];
  return names.join(', ') || '-';
}

/** registerImages adds `labboot images` (the stored boot resources) and `images delete`. */
export function registerImages(program: Command, ctx: CliContext): void {
  const images = program
    .command('images')
    .description('local boot resources with their versions and files')
    .action(() =>
      ctx.withServices(async (services) => {
        const list = services.sources.store.listResources().map(toImageView);
        // Uploaded images sit beside the synced ones (kind `custom`, no versions).
        const custom = services.deploy.listImages();
        printSourceWarnings(ctx, services);
        ctx.output(
          () =>
            list.length + custom.length === 0
              ? 'No images stored yet; select some and run "labboot sync", or labboot images import NAME FILE.'
              : formatTable(
                  ['KIND', 'IMAGE', 'SUBARCH', 'KFLAVOR', 'LABEL', 'VERSIONS', 'SIZE', 'SOURCE'],
                  list
                    .map((i) => [
                      i.kind,
                      `${i.os}/${i.release}/${i.arch}`,
                      i.subarch,
                      i.kflavor || '-',
                      i.label,
                      i.versions.map((v) => v.version).join(' '),
                      megabytes(i.versions[0]?.files.reduce((n, f) => n + f.size, 0) ?? 0),
                      sourceColumn(i.versions),
                    ])
                    .concat(
                      custom.map((c) => [
                        'custom',
                        `${c.name} (${c.arch}, ${c.firmware})`,
                        '-',
                        c.kind,
                        'uploaded',
                        '-',
                        megabytes(c.size),
                        `sha256 ${c.sha256.slice(0, 12)}…`,
                      ]),
                    ),
                ),
          [
            ...list,
            ...custom.map((c) => ({ ...c, kind: 'custom', imageKind: c.kind, versions: [] })),
          ],
        );
      }),
    );
  registerImagesDelete(images, ctx);
  registerImagesImport(images, ctx);
}
