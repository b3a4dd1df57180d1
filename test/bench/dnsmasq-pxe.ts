/**
 * dnsmasq as the reference PXE server of the boot benchmarks: DHCP and TFTP from dnsmasq, handing
 * out what LabBoot would in full DHCP (iPXE → LabBoot's boot.ipxe URL, UEFI PXE → bootx64.efi, UEFI
 * HTTP Boot → LabBoot's bootx64.efi URL, BIOS → lpxelinux.0), and serving over TFTP the very bytes
 * LabBoot served in its own rounds (read from a `labboot --json serve`'s events, fetched from a
 * `labboot serve --dhcp off` on a side port); kernel, initrd and squashfs come from LabBoot's HTTP.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeDnsmasqConf } from '../helpers/netns/dnsmasq-conf';
import type { LabProcess, NetnsLab } from '../helpers/netns/netns-lab';
import { SERVER_IP } from '../e2e/pxe/lab';
import { startServe } from '../e2e/pxe/serve-process';

/** LabBoot's TFTP port while dnsmasq holds 69 in the dnsmasq rounds. */
export const LABBOOT_SIDE_TFTP_PORT = 1069;

interface TftpEvent {
  protocol: string;
  file?: string;
  outcome?: string;
  bytes?: number;
}

/** tftpFilesOf reads the files a `labboot --json serve` sent, from its NDJSON event lines. */
export function tftpFilesOf(stdout: string): [string, number][] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TftpEvent)
    .filter((e) => e.protocol === 'tftp' && e.outcome === 'complete' && e.file !== undefined)
    .map((e) => [(e.file ?? '').replace(/^\/+/, ''), e.bytes ?? 0]);
}

/**
 * dnsmasqConfig mirrors LabBoot's full-mode boot choices (`defaultTargets`): iPXE gets LabBoot's
 * script URL, UEFI x64 PXE the shim, UEFI HTTP Boot the shim's URL, BIOS lpxelinux.0; addresses
 * from `range`, TFTP from `tftpRoot`.
 */
export function dnsmasqConfig(
  dir: string,
  tftpRoot: string,
  range: readonly [string, string],
): string {
  const conf = join(dir, 'dnsmasq-srv.conf');
  writeDnsmasqConf(conf, join(dir, 'srv.leases'), [
    'enable-tftp',
    `tftp-root=${tftpRoot}`,
    'dhcp-authoritative',
    `dhcp-range=${range[0]},${range[1]},255.255.255.0,1h`,
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    'dhcp-match=set:efihttp,option:client-arch,16',
    `dhcp-boot=tag:ipxe,http://${SERVER_IP}:5248/boot.ipxe`,
    'dhcp-boot=tag:!ipxe,tag:efi64,bootx64.efi',
    `dhcp-boot=tag:!ipxe,tag:efihttp,http://${SERVER_IP}:5248/images/bootx64.efi`,
    // UEFI HTTP Boot takes an offer only when it says HTTPClient (UEFI 2.x §24.7).
    'dhcp-option-force=tag:efihttp,60,HTTPClient',
    'dhcp-boot=tag:!ipxe,tag:!efi64,tag:!efihttp,lpxelinux.0',
  ]);
  writeFileSync(join(dir, 'srv.leases'), '');
  return conf;
}

/**
 * copyServedFiles fetches each file from LabBoot's TFTP on the side port inside `ns` into `root`,
 * byte for byte, and checks it has the size LabBoot sent during its boot.
 */
export function copyServedFiles(
  ns: string,
  files: ReadonlyMap<string, number>,
  root: string,
): void {
  for (const [name, bytes] of files) {
    const out = join(root, name);
    mkdirSync(dirname(out), { recursive: true });
    // GRUB's module lists that a store lacks are answered empty; curl cannot fetch an empty file.
    if (bytes === 0) {
      writeFileSync(out, '');
      continue;
    }
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'curl',
        '-sSf',
        '--max-time',
        '30',
        '-o',
        out,
        `tftp://${SERVER_IP}:${LABBOOT_SIDE_TFTP_PORT}/${name}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (statSync(out).size !== bytes)
      throw new Error(
        `${name}: LabBoot sent ${bytes} bytes in its boot, ${statSync(out).size} now`,
      );
  }
}

/**
 * startDnsmasqBeside runs the dnsmasq side of a round in `ns`: `labboot serve --dhcp off` on the
 * side TFTP port for HTTP (kernel, initrd, squashfs) and for fetching `files`, which are copied
 * into `dir/tftp` for dnsmasq's TFTP; then dnsmasq for DHCP + TFTP with addresses from `range`,
 * started with `dnsmasqArgs` besides its config.
 */
export async function startDnsmasqBeside(
  lab: NetnsLab,
  ns: string,
  dataDir: string,
  dir: string,
  image: string,
  files: ReadonlyMap<string, number>,
  range: readonly [string, string],
  dnsmasqArgs: readonly string[] = [],
): Promise<{ labboot: LabProcess; dnsmasq: LabProcess }> {
  const labboot = await startServe(lab, ns, dataDir, [
    ...['--address', SERVER_IP, '--dhcp', 'off'],
    ...['--tftp-port', String(LABBOOT_SIDE_TFTP_PORT), '--boot', image],
  ]);
  const tftpRoot = join(dir, 'tftp');
  mkdirSync(tftpRoot, { recursive: true });
  copyServedFiles(ns, files, tftpRoot);
  const dnsmasq = lab.run(ns, 'dnsmasq', [
    '-k',
    `--conf-file=${dnsmasqConfig(dir, tftpRoot, range)}`,
    '--log-facility=-',
    ...dnsmasqArgs,
  ]);
  await new Promise((r) => setTimeout(r, 500));
  if (dnsmasq.child.exitCode !== null) throw new Error(`dnsmasq: ${dnsmasq.stderr()}`);
  return { labboot, dnsmasq };
}
