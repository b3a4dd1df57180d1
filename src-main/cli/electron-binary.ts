import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/**
 * findElectronBinary locates the Electron executable without importing the `electron` package:
 * from Electron 42 on, requiring it downloads the binary on first use, which must never happen
 * behind a person's back (and cannot happen on a machine without internet).
 */
export function findElectronBinary(env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override !== undefined && override !== '') {
    const exe = join(override, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(exe)
      ? { found: true, path: exe }
      : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron executable (${exe})` };
  }
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not installed (run npm ci)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      found: false,
      reason:
        'its binary was never downloaded (this machine cannot reach the Electron download host)',
    };
  }
  const exe = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe)
    ? { found: true, path: exe }
    : { found: false, reason: `the Electron binary is missing (${exe})` };
}
