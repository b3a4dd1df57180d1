/**
 * Finds QEMU for a test boot on PATH, and says in one sentence which package to install when it
 * is missing, for the operating system LabBoot runs on.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../../src-shared/errors';

/** The x86-64 system emulator (test boots run amd64 images). */
export const QEMU_X86 = 'qemu-system-x86_64';

/** installHint names what to install for QEMU and UEFI firmware on `platform`. */
export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'install it with `brew install qemu`';
    case 'win32':
      return 'install QEMU with the installer from qemu.org and add its folder to PATH';
    case 'linux':
      return 'install qemu-system-x86 and ovmf (Debian, Ubuntu) or qemu-system-x86 and edk2-ovmf (Fedora)';
    default:
      return 'install QEMU from your system’s packages';
  }
}

/** findOnPath returns the first executable `name` in the folders of `pathVar`. */
export function findOnPath(
  name: string,
  pathVar: string | undefined,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const names = platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const n of names) {
      const candidate = join(dir, n);
      try {
        accessSync(candidate, platform === 'win32' ? constants.F_OK : constants.X_OK);
        return candidate;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** findQemu returns the path of qemu-system-x86_64, or throws the UserError that says what to install. */
export function findQemu(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  const found = findOnPath(QEMU_X86, env.PATH ?? env.Path, platform);
  if (found !== undefined) return found;
  throw new UserError(
    `A test boot needs QEMU, and ${QEMU_X86} is not on PATH; ${installHint(platform)}.`,
    'qemu-missing',
  );
}
