import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { IMAGE_ARCHES, IMAGE_FIRMWARES, IMAGE_KINDS } from '../../../src-shared/deploy/image-kinds';
import type { ImageArch, ImageFirmware, ImageKind } from '../../../src-shared/deploy/image-kinds';
import { formatBytes } from './machines-format';

interface ImportOptions {
  kind: ImageKind | 'auto';
  arch: ImageArch;
  firmware: ImageFirmware;
}

/**
 * registerImagesImport adds `labboot images import NAME FILE`: a disk image stored as
 * `custom/NAME`, streamed with its sha256, progress on stderr.
 */
export function registerImagesImport(images: Command, ctx: CliContext): void {
  images
    .command('import')
    .description(
      'store a disk image file as custom/NAME (raw, gz, xz, bz2, zst, or a tar of one disk image); kind detected from its bytes',
    )
    .argument('<NAME>', 'the name, [a-z0-9][a-z0-9._-]*; stored as custom/NAME')
    .argument('<FILE>', 'the disk image file, e.g. a packer-built .dd.gz')
    .addOption(
      new Option('--kind <KIND>', 'the file kind')
        .choices(['auto', ...IMAGE_KINDS])
        .default('auto'),
    )
    .addOption(
      new Option('--arch <ARCH>', 'machine architecture')
        .choices([...IMAGE_ARCHES])
        .default('amd64'),
    )
    .addOption(
      new Option('--firmware <FIRMWARE>', 'firmware the image boots with')
        .choices([...IMAGE_FIRMWARES])
        .default('any'),
    )
    .action((name: string, file: string, options: ImportOptions) =>
      ctx.withServices(async (services) => {
        let lastTenth = -1;
        const image = await services.deploy.importImage(
          { name, path: file, kind: options.kind, arch: options.arch, firmware: options.firmware },
          (bytes, total) => {
            const tenth = total === 0 ? 10 : Math.floor((bytes * 10) / total);
            if (tenth === lastTenth) return;
            lastTenth = tenth;
            ctx.info(
              `importing ${file}: ${tenth * 10}% (${formatBytes(bytes)} of ${formatBytes(total)})`,
            );
          },
        );
        ctx.output(
          () =>
            `Imported ${image.name}: ${image.kind}, ${formatBytes(image.size)} (disk ${formatBytes(image.diskBytes)}), sha256 ${image.sha256}.`,
          image,
        );
      }),
    );
}
