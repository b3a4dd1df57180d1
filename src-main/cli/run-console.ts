import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Dispatcher } from '../api/dispatch';
import { createHandlers } from '../api/handlers/index';
import { ApiHttpServer } from '../api/http-server';
import { waitForShutdown } from '../shutdown';
import type { CliContext } from './context';

export interface ConsoleOptions {
  port: number;
  open: boolean;
}

/** rendererDir is the built UI next to the bundled main process (`out/renderer`). */
export function rendererDir(): string | undefined {
  for (const candidate of ['../renderer/', '../../out/renderer/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/**
 * runConsole starts the services and serves the UI and the contract on 127.0.0.1 until SIGINT or
 * SIGTERM, then closes everything. It prints exactly one line on stdout: the console URL.
 */
export async function runConsole(ctx: CliContext, options: ConsoleOptions): Promise<void> {
  const services = await ctx.openServices('console');
  const dir = rendererDir();
  const server = new ApiHttpServer({
    dispatcher: new Dispatcher(createHandlers(services), services.log),
    events: services.events,
    log: services.log,
    imageUpload: (settings, source) => services.deploy.importStream(settings, source),
    ...(dir === undefined ? {} : { rendererDir: dir }),
  });
  try {
    await server.listen(options.port);
  } catch (error) {
    await services.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    const { UserError } = await import('../../src-shared/errors');
    if (code === 'EADDRINUSE') {
      throw new UserError(
        `Port ${options.port} on 127.0.0.1 is already in use; pick another with --port, or --port 0 for any free port.`,
      );
    }
    throw error;
  }
  if (dir === undefined)
    ctx.info(
      '[console] the UI is not built (out/renderer is missing); run `npm run build`. The API is served.',
    );
  // Listen for SIGINT/SIGTERM before announcing the URL: whoever reads the line may stop us at once.
  const shutdown = waitForShutdown();
  services.schedule.start();
  ctx.stdout.write(`LabBoot console: ${server.url}\n`);
  // The opener's command line is readable by every local user: it gets a one-time code, not the token.
  if (options.open) openBrowser(server.issueBrowserUrl(), ctx);
  const signal = await shutdown;
  ctx.info(`[console] ${signal}: closing`);
  await server.dispose();
  await services.dispose();
}

function openBrowser(url: string, ctx: CliContext): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () =>
      ctx.info(`[console] could not open a browser; open the URL above yourself.`),
    );
    child.unref();
  } catch {
    ctx.info(`[console] could not open a browser; open the URL above yourself.`);
  }
}
