/**
 * The systemd unit that runs `labboot serve` headless, as `labboot service install` writes it. Pure.
 *
 * The system unit runs as a dynamic, unprivileged user with only CAP_NET_BIND_SERVICE (ports 67,
 * 69 and 4011) in its ambient and bounding sets, never as root; its data folder is its own
 * (`/var/lib/labboot` through StateDirectory=, or the one given). The user unit runs as the person
 * and so can only bind high ports, unless the node binary has the capability itself.
 */
import type { BootLastStart } from '../../src-shared/contract/boot';

/** The unit's file name. */
export const UNIT_NAME = 'labboot.service';

/** What the unit is built from. */
export interface UnitInput {
  scope: 'system' | 'user';
  /** Absolute path of the node (or Electron-as-node) binary. */
  execPath: string;
  /** Absolute path of the labboot script it runs. */
  script: string;
  /** The remembered start: interface (or address), DHCP mode and range. */
  lastStart: BootLastStart;
  /** A data folder of the admin's choosing; default: the unit's own state folder. */
  dataDir?: string;
}

/**
 * escapeArg quotes one ExecStart argument: systemd expands `%` specifiers and `$` variables, and
 * splits on spaces, so those are escaped and the word is double-quoted when it has to be.
 */
export function escapeArg(arg: string): string {
  const escaped = arg
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('%', '%%')
    .replaceAll('$', '$$$$');
  return /^[A-Za-z0-9_@+=:,./%$-]+$/.test(escaped) ? escaped : `"${escaped}"`;
}

/** serveArgs is the `serve` command line the remembered start stands for. */
export function serveArgs(last: BootLastStart): string[] {
  const where =
    last.interfaceName !== null
      ? ['--interface', last.interfaceName]
      : ['--address', last.address ?? ''];
  const range = last.dhcp === 'full' && last.range !== null ? ['--range', last.range] : [];
  return ['serve', ...where, '--dhcp', last.dhcp, ...range];
}

/** systemdUnit returns the unit file text. */
export function systemdUnit(input: UnitInput): string {
  const where = input.lastStart.interfaceName ?? input.lastStart.address ?? '?';
  // %S is the unit's state folder (/var/lib, or ~/.local/state for a user unit).
  const data = input.dataDir === undefined ? '%S/labboot' : escapeArg(input.dataDir);
  const exec = [
    escapeArg(input.execPath),
    escapeArg(input.script),
    '--data',
    data,
    ...serveArgs(input.lastStart).map(escapeArg),
  ].join(' ');
  const system = input.scope === 'system';
  const lines = [
    '[Unit]',
    `Description=LabBoot network boot server on ${where} (DHCP ${input.lastStart.dhcp})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    input.dataDir === undefined ? 'StateDirectory=labboot' : null,
    system ? 'DynamicUser=yes' : null,
    system ? 'AmbientCapabilities=CAP_NET_BIND_SERVICE' : null,
    system ? 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' : null,
    'NoNewPrivileges=yes',
    system ? 'ProtectSystem=strict' : null,
    system ? 'ProtectHome=read-only' : null,
    system && input.dataDir !== undefined ? `ReadWritePaths=${escapeArg(input.dataDir)}` : null,
    system ? 'PrivateTmp=yes' : null,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    `WantedBy=${system ? 'multi-user.target' : 'default.target'}`,
    '',
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}
