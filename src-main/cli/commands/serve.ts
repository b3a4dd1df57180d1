import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { parsePort } from '../parse';
import { bootEventLine } from '../boot-event-line';
import { DEFAULT_CHOICE_MAC, defaultKeyArch } from '../../../src-shared/boot/choices';
import { UserError } from '../../../src-shared/errors';
import { parseDhcpMode } from '../../boot/dhcp/dhcp-part';
import { waitForShutdown } from '../../shutdown';
import { formatLoopDelaySummary, startLoopDelayMonitor } from '../../boot/loop-delay';

interface ServeOptions {
  interface?: string;
  address?: string;
  dhcp?: string;
  range?: string;
  dhcpPort?: number;
  boot: string[];
  tftpPort?: number;
  httpPort?: number;
  sshKey?: string;
  kernelOpts?: string;
}

function readKeys(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch (error) {
    throw new UserError(
      `Cannot read the SSH public key file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); pass a readable .pub file.`,
      'ssh-key-file',
    );
  }
}

/**
 * registerServe adds `labboot serve`: TFTP and HTTP on one interface or address until Ctrl-C,
 * printing one line per boot event (NDJSON with --json), with DHCP in proxy, full or off mode.
 */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('serve PXE boot (DHCP + TFTP + HTTP) on one interface until interrupted')
    .option('--interface <NAME>', 'serve on this interface (see `labboot interfaces`)')
    .option('--address <IP>', 'serve on this address')
    .option(
      '--dhcp <MODE>',
      'proxy: answer only PXE clients beside your router (default with --interface); full: own DHCP on an isolated lab switch; off: your DHCP server points here (default with --address)',
    )
    .option('--range <FIRST-LAST>', 'addresses --dhcp full hands out, e.g. 10.0.0.100-10.0.0.199')
    .option(
      '--dhcp-port <N>',
      'DHCP server port (default 67; clients answer on the next one)',
      parsePort,
    )
    .option(
      '--boot <IMAGE>',
      'default image for machines of its architecture without their own choice, e.g. ubuntu/jammy/amd64; repeat it for another architecture',
      (image: string, images: string[]) => [...images, image],
      [],
    )
    .option('--tftp-port <N>', 'TFTP port (default 69)', parsePort)
    .option('--http-port <N>', 'HTTP port (default 5248)', parsePort)
    .option(
      '--ssh-key <FILE>',
      "admin's SSH public key(s) for the booted machines (kept for later runs)",
    )
    .option(
      '--kernel-opts <OPTIONS>',
      'extra kernel options for every machine, e.g. "console=ttyS0,115200" (kept for later runs; "" clears them)',
    )
    .action(async (opts: ServeOptions) => {
      // DHCP runs on a NIC: proxy is the default when one is named; a bare --address means the
      // network's own DHCP already points here (or the address is loopback), so off.
      const dhcpMode = parseDhcpMode(opts.dhcp ?? (opts.interface !== undefined ? 'proxy' : 'off'));
      const services = await ctx.openServices();
      const stopped = waitForShutdown();
      const loopDelay = startLoopDelayMonitor();
      try {
        const { boot } = services;
        if (opts.sshKey !== undefined) boot.setSshKeys(readKeys(opts.sshKey));
        // Kept like --boot and --ssh-key, so a service started later boots machines the same way.
        if (opts.kernelOpts !== undefined)
          boot.kernelOptions.set(DEFAULT_CHOICE_MAC, opts.kernelOpts);
        boot.setDefaultImages(opts.boot);
        if (!boot.choices.list().some((c) => defaultKeyArch(c.mac) !== undefined)) {
          ctx.info(
            'labboot: warning: no default image is chosen, so unknown machines get "file not found" for their config; pass --boot IMAGE.',
          );
        }
        boot.onEvent((e) => ctx.stdout.write(bootEventLine(e, ctx.json())));
        // The same one-click path as the UI: DHCP, TFTP and HTTP start and stop as one unit, the
        // start is remembered, and every step lands in the per-MAC boot log.
        const status = await boot.start({
          interfaceName: opts.interface,
          address: opts.address,
          tftpPort: opts.tftpPort,
          httpPort: opts.httpPort,
          dhcp: dhcpMode,
          range: opts.range,
          dhcpPort: opts.dhcpPort,
        });
        for (const note of status.limitations) ctx.info(`labboot: note: ${note}`);
        const ports = status.parts
          .map((p) => `${p.name.toUpperCase()} ${p.address}:${p.port ?? '-'}`)
          .join(', ');
        ctx.info(`LabBoot serving: ${ports}. Press Ctrl-C to stop.`);
        services.schedule.start();
        await stopped;
        // Stopped first, so the boot log's last batch is counted in the summary.
        await boot.stop();
        const summary = formatLoopDelaySummary(loopDelay.summary(boot.bootLogWrites()));
        ctx.info(summary);
        services.log.info('serve', summary);
        ctx.info('LabBoot stopped.');
      } finally {
        await services.dispose();
      }
    });
}
