import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import type { MirrorExportEvent } from '../../../src-shared/contract/mirror';
import { mirrorStreamPath } from '../../../src-shared/contract/mirror';
import { BootHttpServer } from '../../boot/http/http-server';
import type { MirrorMode } from '../../mirror/mirror-tree';
import { waitForShutdown } from '../../shutdown';
import type { CliContext } from '../context';
import { parsePort } from '../parse';
import { formatTable } from '../table';
import { progressLine } from './sync';

/** The port `mirror serve` listens on by default (what MAAS's local-mirror examples use). */
export const DEFAULT_MIRROR_PORT = 8080;

function modeOf(opts: { resigned?: boolean }): MirrorMode {
  return opts.resigned === true ? 'resigned' : 'verbatim';
}

/** urlHost is how a consumer reaches `address`: a wildcard address names this host's first LAN one. */
function urlHost(address: string): string {
  if (address !== '0.0.0.0' && address !== '::') {
    return address.includes(':') ? `[${address}]` : address;
  }
  for (const list of Object.values(networkInterfaces())) {
    const v4 = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4 !== undefined) return v4.address;
  }
  return '127.0.0.1';
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * registerMirror adds `labboot mirror serve|status|key|export`: the store as a simplestreams mirror
 * a MAAS region (or `sstream-mirror`, or another LabBoot) can import from.
 */
export function registerMirror(program: Command, ctx: CliContext): void {
  const mirror = program
    .command('mirror')
    .description('serve or export the stored images as a simplestreams mirror (for MAAS)');

  mirror
    .command('serve')
    .description('serve the mirror over HTTP (read-only) until interrupted')
    .option('--address <IP>', 'address to listen on (default: every address)', '0.0.0.0')
    .option('--port <N>', `TCP port (default ${DEFAULT_MIRROR_PORT})`, parsePort)
    .option('--resigned', "serve metadata re-signed with LabBoot's mirror key")
    .action(async (opts: { address: string; port?: number; resigned?: boolean }) => {
      const mode = modeOf(opts);
      const services = await ctx.openServices();
      const stopped = waitForShutdown();
      let server: BootHttpServer | undefined;
      try {
        if (mode === 'resigned') await services.mirror.key();
        const status = await services.mirror.status(mode);
        server = await BootHttpServer.start({
          address: opts.address,
          port: opts.port ?? DEFAULT_MIRROR_PORT,
          resolver: services.mirror.resolver({ mode: () => mode, root: true }),
          log: services.log,
        });
        const base = `http://${urlHost(opts.address)}:${server.port}`;
        const streams = status.streams.map((s) => ({
          name: s.name,
          url: `${base}${mirrorStreamPath(s.name)}`,
          complete: s.complete.length,
        }));
        if (ctx.json()) {
          ctx.stdout.write(
            `${JSON.stringify({ url: `${base}/`, port: server.port, mode, streams })}\n`,
          );
        } else {
          ctx.info(`LabBoot mirror (${mode}): ${base}/`);
          for (const s of streams) {
            ctx.info(`  stream ${s.name}: ${s.url} (${s.complete} complete version(s))`);
          }
          if (streams.length === 0) {
            ctx.info('labboot: warning: no stream to serve yet; run "labboot sync" first.');
          }
          ctx.info('Press Ctrl-C to stop.');
        }
        await stopped;
      } finally {
        await server?.close();
        await services.dispose();
      }
    });

  mirror
    .command('status')
    .description('what the mirror serves and what a consumer can fetch completely')
    .option('--resigned', 'in resigned mode (default: verbatim)')
    .action((opts: { resigned?: boolean }) =>
      ctx.withServices(async (services) => {
        const status = await services.mirror.status(modeOf(opts));
        ctx.output(() => {
          const lines: string[] = [];
          for (const s of status.streams) {
            lines.push(
              `Stream ${s.name} (${status.mode}, from ${s.sourceName}), served at ${s.path}:`,
            );
            lines.push(
              formatTable(
                ['PRODUCT', 'VERSION', 'FILES', 'SIZE'],
                s.complete.map((v) => [v.product, v.version, String(v.files), mb(v.bytes)]),
              ),
            );
            if (s.listedNotHeld > 0) {
              lines.push(
                `${s.listedNotHeld} more version(s) are listed by the upstream signed metadata but not held whole by LabBoot: a consumer must filter them out (e.g. sstream-mirror 'release=jammy' --max=1).`,
              );
            }
          }
          if (status.streams.length === 0) lines.push('Nothing to serve yet: run "labboot sync".');
          if (status.unlisted > 0) {
            lines.push(
              `${status.unlisted} stored version(s) are in no served stream (their source's signed metadata was not kept); the next sync keeps it.`,
            );
          }
          return lines.join('\n');
        }, status);
      }),
    );

  mirror
    .command('key')
    .description("print LabBoot's mirror public key (armored), for MAAS's boot source keyring")
    .action(() =>
      ctx.withServices(async (services) => {
        const key = await services.mirror.key();
        ctx.output(key.publicArmored, { armored: key.publicArmored, fingerprint: key.fingerprint });
      }),
    );

  mirror
    .command('export')
    .description('write the mirror to a folder (a USB drive), verified and resumable')
    .argument('<DIR>', 'the folder that becomes the mirror root (holds streams/v1/)')
    .argument('[IMAGE...]', 'only these images, OS/RELEASE/ARCH[/SUBARCH] (bootloaders always)')
    .option(
      '--resigned',
      "metadata re-signed with LabBoot's mirror key (lists only what is exported)",
    )
    .action((dir: string, images: string[], opts: { resigned?: boolean }) =>
      ctx.withServices(async (services) => {
        const json = ctx.json();
        const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
        const started = Date.now();
        let barShown = false;
        const onEvent = (e: MirrorExportEvent): void => {
          if (json) {
            ctx.stdout.write(`${JSON.stringify(e)}\n`);
            return;
          }
          if (e.event === 'progress') {
            if (tty) {
              const rate = e.bytes / Math.max(0.001, (Date.now() - started) / 1000);
              ctx.stderr.write(`\r${progressLine(e.bytes, e.total, rate)}`);
              barShown = true;
            }
            return;
          }
          if (barShown) ctx.stderr.write('\r\x1b[K');
          barShown = false;
          if (e.event === 'start') {
            ctx.info(
              `Exporting to ${e.dir}: ${e.files} file(s), ${e.copy} to copy (${mb(e.bytes)}).`,
            );
          } else if (e.event === 'done') {
            ctx.info(
              `Done: ${e.copied} file(s) copied and verified, ${e.kept} already there, in ${e.seconds.toFixed(1)} s.`,
            );
          }
        };
        const controller = new AbortController();
        const onSigint = (): void => controller.abort();
        process.once('SIGINT', onSigint);
        try {
          await services.mirror.export({
            dir,
            mode: modeOf(opts),
            images,
            onEvent,
            signal: controller.signal,
          });
        } catch (error) {
          if (json) {
            const message = (error as Error).message;
            const code = (error as { code?: unknown }).code;
            onEvent({
              event: 'error',
              message,
              code: typeof code === 'string' ? code : 'internal',
            });
          }
          throw error;
        } finally {
          process.removeListener('SIGINT', onSigint);
          if (barShown) ctx.stderr.write('\r\x1b[K');
        }
      }),
    );
}
