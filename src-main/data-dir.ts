import { homedir } from 'node:os';
import { join } from 'node:path';

/** Folder name under the per-user app-data directory; Electron derives `userData` from it too. */
export const appFolderName = 'LabBoot';

/**
 * defaultDataDir is where LabBoot keeps its store when neither `--data` nor `LABBOOT_DATA` says
 * otherwise. It is the folder Electron's `app.getPath('userData')` returns for this app, so the
 * desktop app, the console and the CLI share one store: `$XDG_CONFIG_HOME/LabBoot` (or
 * `~/.config/LabBoot`) on Linux, `~/Library/Application Support/LabBoot` on macOS and
 * `%APPDATA%\LabBoot` on Windows. Hand-written because env-paths uses different folders on macOS
 * and Windows than Electron does.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', appFolderName);
  if (platform === 'win32') {
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), appFolderName);
  }
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.config'), appFolderName);
}

/** resolveDataDir applies the precedence `--data` > `$LABBOOT_DATA` > the default. */
export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.LABBOOT_DATA;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return defaultDataDir(env);
}
