/**
 * Renders PXELINUX, GRUB and iPXE configs and the cloud-init NoCloud seed for one machine, from
 * the templates in `resources/templates/` and the image chosen for it. Nothing here touches the
 * network or the disk: the caller passes the image (with its blob hashes) and the endpoint.
 */
import { stringify } from 'yaml';
import { renderTemplate } from '../../../src-shared/boot/template';
import { dashedMac } from '../../../src-shared/boot/mac';
import { escapeForGrub, kernelCommandLine, urlHost } from './kernel-command-line';
import type { Templates } from './templates';

/** Where clients reach LabBoot's HTTP server. */
export interface Endpoint {
  readonly host: string;
  readonly httpPort: number;
}

/** The files of an image as the boot configs name them: paths under `/images/`. */
export interface ImagePaths {
  readonly os: string;
  readonly release: string;
  readonly arch: string;
  readonly subarch: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly squashfs: string;
}

/** What one machine boots. */
export type BootTarget =
  | {
      readonly action: 'image';
      readonly image: ImagePaths;
      readonly hostname: string;
      /** The admin's extra kernel options, global then the machine's own. */
      readonly kernelOptions?: readonly string[];
    }
  | { readonly action: 'local' };

/** Identity of the image a blob belongs to, for the decorative part of its URL. */
export interface ImageIdentity {
  readonly os: string;
  readonly arch: string;
  readonly subarch: string;
  readonly release: string;
  readonly label: string;
}

/**
 * imageUrlPath is the MAAS 3.5+ URL path of one file: `<hash prefix>/<os>/<arch>/<subarch>/<release>/<label>/<file>`.
 * Only the hash prefix selects the file; the rest tells a person what it is.
 */
export function imageUrlPath(prefix: string, id: ImageIdentity, file: string): string {
  return [prefix, id.os, id.arch, id.subarch, id.release, id.label, file].join('/');
}

/**
 * shortestPrefix is the shortest prefix of `sha256` of at least 7 characters that no other known
 * hash shares (MAAS `calculate_filename_on_disk`, SHORTSHA256_MIN_PREFIX_LEN = 7).
 */
export function shortestPrefix(sha256: string, known: Iterable<string>): string {
  const others = [...new Set(known)].filter((h) => h !== sha256);
  for (let n = 7; n < sha256.length; n++) {
    const p = sha256.slice(0, n);
    if (!others.some((h) => h.startsWith(p))) return p;
  }
  return sha256;
}

/** The default hostname for a machine: `labboot-` and the last three MAC octets. */
export function defaultHostname(mac: string | undefined): string {
  return mac === undefined ? 'labboot-node' : `labboot-${mac.split(':').slice(3).join('')}`;
}

function seedUrl(endpoint: Endpoint, mac: string | undefined): string {
  return `http://${urlHost(endpoint.host)}:${endpoint.httpPort}/cloud-init/${mac ?? 'default'}/`;
}

function commandLine(
  target: BootTarget & { action: 'image' },
  endpoint: Endpoint,
  mac: string | undefined,
): string[] {
  return kernelCommandLine({
    serverHost: endpoint.host,
    httpPort: endpoint.httpPort,
    squashfsPath: target.image.squashfs,
    hostname: target.hostname,
    os: target.image.os,
    release: target.image.release,
    arch: target.image.arch,
    subarch: target.image.subarch,
    seedUrl: seedUrl(endpoint, mac),
    extraOptions: target.kernelOptions ?? [],
  });
}

function fsHost(endpoint: Endpoint): string {
  return `http://${urlHost(endpoint.host)}:${endpoint.httpPort}/images/`;
}

/** `pxelinux.cfg/01-<mac>` / `default`: kernel and initrd over HTTP (lpxelinux), as MAAS does. */
export function renderPxelinux(
  templates: Templates,
  target: BootTarget,
  endpoint: Endpoint,
  mac: string | undefined,
): string {
  if (target.action === 'local') return templates['pxelinux-local.cfg'];
  return renderTemplate(templates['pxelinux-ephemeral.cfg'], {
    kernel_command: commandLine(target, endpoint, mac).join(' '),
    fs_host: fsHost(endpoint),
    kernel_path: target.image.kernel,
    initrd_path: target.image.initrd,
  });
}

/** The static `grub/grub.cfg` that chains to the per-MAC, then per-arch config. */
export function renderGrubPreloader(templates: Templates): string {
  return templates['grub-preloader.cfg'];
}

/**
 * `grub/grub.cfg-<mac>` / `grub.cfg-default-<arch>`: the kernel and initrd over HTTP when this GRUB
 * has http (the fast road, as MAAS does), else over TFTP from the same server. `linux` itself is the
 * test: GRUB 2.06's `insmod` reports success even when the module is missing (signed netboot GRUBs
 * have no http and cannot load one under lockdown), while `linux (http,…)` fails at once there.
 * Both roads name the same `/images/…` paths, which the resolver serves over either protocol.
 */
export function renderGrub(
  templates: Templates,
  target: BootTarget,
  endpoint: Endpoint,
  mac: string | undefined,
): string {
  if (target.action === 'local') return templates['grub-local.cfg'];
  const host = urlHost(endpoint.host);
  return renderTemplate(templates['grub-ephemeral.cfg'], {
    kernel_command: commandLine(target, endpoint, mac).map(escapeForGrub).join(' '),
    fs_http: `(http,${host}:${endpoint.httpPort})/images/`,
    // GRUB can only have come over TFTP from port 69, so the default port is the right one.
    fs_tftp: `(tftp,${host})/images/`,
    kernel_path: target.image.kernel,
    initrd_path: target.image.initrd,
  });
}

/** `boot.ipxe`: chains to the per-MAC script, falling back to the default. */
export function renderIpxeChain(templates: Templates, endpoint: Endpoint): string {
  return renderTemplate(templates['ipxe-chain.ipxe'], {
    fs_root: `http://${urlHost(endpoint.host)}:${endpoint.httpPort}/`,
  });
}

/** `ipxe.cfg-<mac>` / `ipxe.cfg-default`. */
export function renderIpxe(
  templates: Templates,
  target: BootTarget,
  endpoint: Endpoint,
  mac: string | undefined,
): string {
  if (target.action === 'local') return templates['ipxe-local.ipxe'];
  return renderTemplate(templates['ipxe-ephemeral.ipxe'], {
    kernel_command: commandLine(target, endpoint, mac).join(' '),
    fs_host: fsHost(endpoint),
    kernel_path: target.image.kernel,
    initrd_path: target.image.initrd,
  });
}

/** The NoCloud seed files for one machine (cloud-init `nocloud-net` fetches meta-data and user-data). */
export function renderCloudInit(
  file: 'meta-data' | 'user-data' | 'vendor-data',
  mac: string | undefined,
  hostname: string,
  sshKeys: readonly string[],
): string {
  switch (file) {
    case 'meta-data':
      return stringify({
        'instance-id': `labboot-${mac === undefined ? 'default' : dashedMac(mac)}`,
        'local-hostname': hostname,
      });
    case 'user-data': {
      // The default user of Ubuntu cloud images is `ubuntu`; the keys let the admin log in as it.
      const config: Record<string, unknown> = { hostname, ssh_pwauth: false };
      if (sshKeys.length > 0) config.ssh_authorized_keys = [...sshKeys];
      return `#cloud-config\n${stringify(config)}`;
    }
    case 'vendor-data':
      return '';
  }
}
