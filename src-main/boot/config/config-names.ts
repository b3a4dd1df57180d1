/**
 * Recognises the config file names boot loaders ask for (shared/spec/simplestreams.md (e)) and
 * says which config and which machine they mean. Pure.
 */
import { normalizeMac } from '../../../src-shared/boot/mac';

/** A requested config: which loader's format, and the MAC when the name carries one. */
export type ConfigRequest =
  | { readonly kind: 'pxelinux'; readonly mac: string | undefined }
  | { readonly kind: 'grub-preloader' }
  | { readonly kind: 'grub'; readonly mac: string | undefined; readonly arch: string | undefined }
  | { readonly kind: 'ipxe-chain' }
  | { readonly kind: 'ipxe'; readonly mac: string | undefined }
  | {
      readonly kind: 'cloud-init';
      readonly mac: string | undefined;
      readonly file: 'meta-data' | 'user-data' | 'vendor-data';
    };

/** GRUB names CPUs its own way; MAAS maps them to Debian arches (grub.py). */
function debianArch(grubArch: string): string {
  if (grubArch === 'x86_64') return 'amd64';
  if (['powerpc', 'ppc64', 'ppc64le'].includes(grubArch)) return 'ppc64el';
  if (grubArch === 'aarch64') return 'arm64';
  return grubArch;
}

/** Parses a clean relative name (see `toSafeName`); undefined when it is not a config name. */
export function parseConfigName(name: string): ConfigRequest | undefined {
  let m = /^pxelinux\.cfg\/(.+)$/.exec(name);
  if (m !== null) {
    const rest = m[1] ?? '';
    if (rest === 'default' || /^default[.-][a-z0-9_-]+$/.test(rest))
      return { kind: 'pxelinux', mac: undefined };
    const mac = /^01-(.+)$/.exec(rest);
    const normal = mac === null ? undefined : normalizeMac(mac[1] ?? '');
    // Hex-IP and UUID probes fall through to "not found" so PXELINUX moves on to 01-<mac> quickly.
    return normal === undefined ? undefined : { kind: 'pxelinux', mac: normal };
  }
  if (name === 'grub/grub.cfg') return { kind: 'grub-preloader' };
  m = /^grub\/grub\.cfg-(.+)$/.exec(name);
  if (m !== null) {
    const rest = m[1] ?? '';
    const arch = /^default(?:-([a-z0-9_]+))?(?:-[a-z0-9.-]+)?$/.exec(rest);
    if (arch !== null)
      return {
        kind: 'grub',
        mac: undefined,
        arch: arch[1] === undefined ? undefined : debianArch(arch[1]),
      };
    // GRUB also probes `grub.cfg-01-<mac>`; accept both spellings.
    const normal = normalizeMac(rest.replace(/^01-/, ''));
    return normal === undefined ? undefined : { kind: 'grub', mac: normal, arch: undefined };
  }
  if (name === 'boot.ipxe' || name === 'ipxe.cfg') return { kind: 'ipxe-chain' };
  m = /^ipxe\.cfg-(.+)$/.exec(name);
  if (m !== null) {
    if (m[1] === 'default') return { kind: 'ipxe', mac: undefined };
    const normal = normalizeMac(m[1] ?? '');
    return normal === undefined ? undefined : { kind: 'ipxe', mac: normal };
  }
  m = /^cloud-init\/([^/]+)\/(meta-data|user-data|vendor-data)$/.exec(name);
  if (m !== null) {
    const who = m[1] ?? '';
    const file = m[2] as 'meta-data' | 'user-data' | 'vendor-data';
    if (who === 'default') return { kind: 'cloud-init', mac: undefined, file };
    const normal = normalizeMac(who);
    return normal === undefined ? undefined : { kind: 'cloud-init', mac: normal, file };
  }
  return undefined;
}
