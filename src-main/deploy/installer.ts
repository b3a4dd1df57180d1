/**
 * Renders the installer user-data for one deploy: `resources/deploy/installer.sh` with this
 * machine's settings (server, token, image URL, sha256, kind, sizes, disk) written in at the
 * `#@LABBOOT_SETTINGS@` line. The script is a data file, so it can be read, linted and run under
 * busybox in tests exactly as machines get it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one installer run is told. */
export interface InstallerSettings {
  readonly mode: 'deploy' | 'erase';
  readonly mac: string;
  /** Per-deploy secret its reports carry. */
  readonly token: string;
  readonly reportUrl: string;
  /** `custom/NAME`, for sentences. */
  readonly image: string;
  readonly imageUrl: string;
  readonly sha256: string;
  readonly kind: string;
  /** Bytes of the disk image once decompressed: what is written, and the smallest disk. */
  readonly total: number;
  /** `auto` or `/dev/NAME`. */
  readonly disk: string;
}

const SETTINGS_LINE = '#@LABBOOT_SETTINGS@';

/** Finds `resources/deploy/installer.sh` above this module (source tree or bundled `out/main/`). */
export function installerPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'deploy', 'installer.sh');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('the deploy installer is missing: resources/deploy/installer.sh not found');
}

/** Reads the installer template. */
export function loadInstaller(path = installerPath()): string {
  return readFileSync(path, 'utf8');
}

/** Single-quotes a value for sh (a `'` becomes `'\''`). */
function shQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** renderInstaller writes the settings into the template; the result is the user-data. */
export function renderInstaller(template: string, s: InstallerSettings): string {
  if (!template.includes(SETTINGS_LINE))
    throw new Error('the installer template has no settings line');
  const lines = [
    `LABBOOT_MODE=${shQuote(s.mode)}`,
    `LABBOOT_MAC=${shQuote(s.mac)}`,
    `LABBOOT_TOKEN=${shQuote(s.token)}`,
    `LABBOOT_REPORT_URL=${shQuote(s.reportUrl)}`,
    `LABBOOT_IMAGE=${shQuote(s.image)}`,
    `LABBOOT_IMAGE_URL=${shQuote(s.imageUrl)}`,
    `LABBOOT_SHA256=${shQuote(s.sha256)}`,
    `LABBOOT_KIND=${shQuote(s.kind)}`,
    `LABBOOT_TOTAL=${String(Math.trunc(s.total))}`,
    `LABBOOT_DISK=${shQuote(s.disk)}`,
  ];
  return template.replace(SETTINGS_LINE, lines.join('\n'));
}
