/**
 * The kernel command line for an ephemeral boot from the squashfs over HTTP, in the order MAAS
 * 3.5–3.8 composes it (shared/spec/simplestreams.md (e), `kernel_opts.py compose_kernel_command_line`),
 * with `ip=::::HOST:BOOTIF:dhcp` as MAAS main writes it for every release: dracut's
 * systemd-network-generator (Ubuntu 26.04 on) rejects a named interface without a DHCP type, and
 * initramfs-tools (older releases) reads a missing type as `dhcp`, so the line means the same there.
 * The admin's extra options come last, as MAAS appends `ephemeral_opts`.
 * Two deliberate differences: cloud-init reads a NoCloud seed from LabBoot instead of MAAS's
 * metadata service (LabBoot has none), and there is no `log_host` (LabBoot runs no syslog receiver).
 * Pure.
 */

/** What the command line is built from. */
export interface KernelCommandLineInput {
  /** Address the client reaches LabBoot's HTTP server on. */
  readonly serverHost: string;
  readonly httpPort: number;
  /** Path of the squashfs under `/images/` (MAAS 3.5+ layout). */
  readonly squashfsPath: string;
  readonly hostname: string;
  readonly os: string;
  readonly release: string;
  readonly arch: string;
  readonly subarch: string;
  /** URL of the NoCloud seed folder (ends with `/`). */
  readonly seedUrl: string;
  /** The admin's extra options, already checked (global ones first, then the machine's own). */
  readonly extraOptions?: readonly string[];
}

/** Ubuntu releases older than jammy get `apparmor=0`, as MAAS does. */
const PRE_JAMMY = new Set([
  'precise',
  'trusty',
  'xenial',
  'bionic',
  'cosmic',
  'disco',
  'eoan',
  'focal',
  'groovy',
  'hirsute',
  'impish',
]);

/** IPv6 hosts are written `[addr]` inside URLs. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Composes the command line as a list of options (the caller joins and escapes per loader). */
export function kernelCommandLine(input: KernelCommandLineInput): string[] {
  const base = `http://${urlHost(input.serverHost)}:${input.httpPort}`;
  const ipv6 = input.serverHost.includes(':');
  const rootKind = /\.(tgz|txz)$/.test(input.squashfsPath) ? 'tar' : 'squash';
  const opts = ['nomodeset'];
  opts.push(`root=${rootKind}:${base}/images/${input.squashfsPath}`);
  opts.push(ipv6 ? 'ip=off' : `ip=::::${input.hostname}:BOOTIF:dhcp`);
  opts.push(ipv6 ? 'ip6=dhcp' : 'ip6=off');
  opts.push("cc:{'datasource_list': ['NoCloud']}end_cc");
  opts.push(`ds=nocloud-net;s=${input.seedUrl}`);
  if (rootKind === 'squash') opts.push('ro', 'overlayroot=tmpfs', 'overlayroot_cfgdisk=disabled');
  if (input.os === 'ubuntu' && PRE_JAMMY.has(input.release)) opts.push('apparmor=0');
  if (input.arch === 'armhf' && (input.subarch === 'generic' || input.subarch === 'highbank'))
    opts.push('console=ttyAMA0');
  if (input.arch === 'ppc64el' && input.subarch === 'generic') opts.push('rootdelay=60');
  opts.push(...(input.extraOptions ?? []));
  return opts;
}

/** GRUB treats `{`, `}` and `;` specially; MAAS escapes the braces of `cc:{…}end_cc` (grub.py get_reader). */
export function escapeForGrub(option: string): string {
  return option.replace(/[{};]/g, (c) => `\\${c}`);
}
