import type { Command } from 'commander';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import type { MachineView } from '../../../src-shared/contract/deploy';
import { UserError } from '../../../src-shared/errors';
import { stateText, stepLine } from './machines-format';

/** How often `deploy --wait` reads the state the serving process writes. */
const POLL_MS = 1000;

/**
 * registerDeploy adds `labboot deploy MAC IMAGE [--disk auto|/dev/NAME] [--wait]`,
 * `labboot release MAC [--erase]` and `labboot machines`.
 */
export function registerDeploy(program: Command, ctx: CliContext): void {
  program
    .command('deploy')
    .description(
      'mark a machine for deploy: its next network boot writes the custom image to its disk (overwriting it), then it boots from that disk',
    )
    .argument('<MAC>', 'the machine, e.g. 52:54:00:12:34:56')
    .argument('<IMAGE>', 'a custom image, custom/NAME or NAME (labboot images import)')
    .option('--disk <DISK>', 'auto (the first fixed disk not in use) or /dev/NAME', 'auto')
    .option(
      '--wait',
      'wait for the deploy to end: exit 0 when deployed, 1 with the installer’s sentence when it failed',
    )
    .action((mac: string, image: string, options: { disk: string; wait?: boolean }) =>
      ctx.withServices(async (services) => {
        const marked = services.deploy.deploy(mac, image, options.disk);
        if (options.wait !== true) {
          ctx.output(
            `${marked.mac} will get ${marked.image ?? image} on its next network boot (disk ${marked.disk ?? 'auto'} is overwritten); labboot machines shows the progress.`,
            marked,
          );
          return;
        }
        ctx.info(stepLine(marked));
        let last = stepLine(marked);
        for (;;) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          const now = services.deploy.machine(marked.mac);
          const line = stepLine(now);
          if (line !== last) ctx.info(line);
          last = line;
          if (now.state === 'deployed') {
            ctx.output(`Deployed ${now.image ?? ''} to ${now.mac}.`, now);
            return;
          }
          if (now.state !== 'deploying') {
            if (ctx.json()) ctx.output('', now);
            throw new UserError(
              now.state === 'failed'
                ? (now.error ?? `The deploy of ${now.mac} failed.`)
                : `The deploy of ${now.mac} was replaced (now ${stateText(now)}).`,
              'deploy-failed',
            );
          }
        }
      }),
    );

  program
    .command('release')
    .description(
      'return a machine to ephemeral boots; --erase first zeroes the start and end of its disk',
    )
    .argument('<MAC>', 'the machine')
    .option(
      '--erase',
      'on its next network boot the installer erases the disk, then it is released',
    )
    .action((mac: string, options: { erase?: boolean }) =>
      ctx.withServices(async (services) => {
        const m = services.deploy.release(mac, options.erase === true);
        ctx.output(
          m.erasePending
            ? `${m.mac} is released; its next network boot erases its disk first.`
            : `${m.mac} is released; it boots the ephemeral image again.`,
          m,
        );
      }),
    );

  program
    .command('machines')
    .description(
      'every machine LabBoot has seen, with its deploy state, last address and boot step',
    )
    .action(() =>
      ctx.withServices(async (services) => {
        const list = services.deploy.machines();
        ctx.output(() => machinesTable(list), list);
      }),
    );
}

function machinesTable(list: readonly MachineView[]): string {
  if (list.length === 0)
    return 'No machines yet: none has booted from LabBoot (labboot serve) or been deployed.';
  return formatTable(
    ['MAC', 'STATE', 'ADDRESS', 'LAST SEEN', 'LAST BOOT STEP'],
    list.map((m) => [
      m.mac,
      stateText(m),
      m.lastAddress ?? '-',
      m.lastSeenAt ?? '-',
      m.lastPath ?? '-',
    ]),
  );
}
