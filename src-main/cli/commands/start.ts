import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { findElectronBinary } from '../electron-binary';
import { runConsole } from '../run-console';

/** appRoot is the folder whose package.json `main` points at the Electron entry. */
function appRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** registerStart adds `labboot start`: the desktop window, or the console where Electron is missing. */
export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description(
      'open the LabBoot desktop app (falls back to the browser console without Electron)',
    )
    .action(async () => {
      const electron = findElectronBinary();
      if (!electron.found) {
        ctx.info(
          `LabBoot: the desktop window cannot open because ${electron.reason}; serving the same UI in your browser instead.`,
        );
        await runConsole(ctx, { port: 0, open: true });
        return;
      }
      const child = spawn(electron.path, [appRoot()], {
        stdio: 'inherit',
        env: { ...process.env, LABBOOT_DATA: ctx.dataDir() },
      });
      const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
      if (code !== 0) process.exitCode = code;
    });
}
