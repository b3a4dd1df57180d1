import type { Command } from 'commander';
import type { ImageDeleteResult } from '../../../src-shared/contract/store';
import { UserError } from '../../../src-shared/errors';
import type { CliContext } from '../context';

/** splitVersion reads `IMAGE[@VERSION]`. */
function splitVersion(arg: string): { image: string; versions?: string[] } {
  const at = arg.indexOf('@');
  if (at < 0) return { image: arg };
  const version = arg.slice(at + 1);
  if (version === '') {
    throw new UserError(
      `"${arg}" names no version after @; write IMAGE@VERSION, like ubuntu/jammy/amd64@20250601.`,
      'usage',
    );
  }
  return { image: arg.slice(0, at), versions: [version] };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function describe(r: ImageDeleteResult): string {
  const lines = r.deleted.map((d) => `Deleted ${d.image} ${d.version}.`);
  lines.push(`Freed ${r.freedBlobs} file(s), ${megabytes(r.freedBytes)}.`);
  lines.push(...r.notes);
  return lines.join('\n');
}

/** registerImagesDelete adds `labboot images delete IMAGE[@VERSION]`, offline. */
export function registerImagesDelete(images: Command, ctx: CliContext): void {
  images
    .command('delete')
    .description(
      'delete stored versions of an image, offline; with no version left it is also unselected',
    )
    .argument(
      '<IMAGE[@VERSION]>',
      'OS/RELEASE/ARCH[/SUBARCH][@VERSION], e.g. ubuntu/jammy/amd64, or custom/NAME',
    )
    .action((arg: string) =>
      ctx.withServices(async (services) => {
        if (arg.startsWith('custom/')) {
          const removed = await services.deploy.deleteImage(arg);
          ctx.output(`Deleted ${removed.name}.`, removed);
          return;
        }
        const result = await services.upkeep.deleteImage(splitVersion(arg));
        ctx.output(() => describe(result), result);
      }),
    );
}
