/**
 * Finds OVMF (EDK2's UEFI firmware for x86-64 VMs) for UEFI test boots: first through the QEMU
 * firmware descriptors distributions install (`share/qemu/firmware/*.json`, the format QEMU's
 * docs/interop/firmware.json defines), picking one without Secure Boot or SMM, then at the places
 * Debian, Fedora, Homebrew and the Windows installer put it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../src-shared/errors';
import { installHint } from './qemu-binary';

/** The firmware code (read-only flash) and the template of its variable store. */
export interface UefiFirmware {
  readonly code: string;
  readonly codeFormat: string;
  readonly varsTemplate: string;
  readonly varsFormat: string;
}

const fileSchema = z.object({ filename: z.string(), format: z.string().default('raw') });
const descriptorSchema = z.object({
  'interface-types': z.array(z.string()),
  mapping: z.object({
    device: z.string(),
    executable: fileSchema.optional(),
    'nvram-template': fileSchema.optional(),
  }),
  targets: z.array(z.object({ architecture: z.string(), machines: z.array(z.string()) })),
  features: z.array(z.string()).default([]),
});

/** Features a plain q35 VM without SMM cannot use, or that would refuse an unsigned kernel. */
const UNWANTED = ['requires-smm', 'secure-boot', 'enrolled-keys', 'amd-sev-es', 'intel-tdx'];

/** fromDescriptor reads one descriptor; undefined when it is not plain x86-64 UEFI flash for q35. */
export function fromDescriptor(json: unknown): UefiFirmware | undefined {
  const parsed = descriptorSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const d = parsed.data;
  const forQ35 = d.targets.some(
    (t) => t.architecture === 'x86_64' && t.machines.some((m) => /^pc-q35-|^\*$/.test(m)),
  );
  const code = d.mapping.executable;
  const vars = d.mapping['nvram-template'];
  if (
    !d['interface-types'].includes('uefi') ||
    d.mapping.device !== 'flash' ||
    !forQ35 ||
    d.features.some((f) => UNWANTED.includes(f)) ||
    code === undefined ||
    vars === undefined
  ) {
    return undefined;
  }
  return {
    code: code.filename,
    codeFormat: code.format,
    varsTemplate: vars.filename,
    varsFormat: vars.format,
  };
}

/** Where QEMU looks for firmware descriptors, plus the one beside the QEMU binary found. */
function descriptorDirs(qemuBinary: string): string[] {
  const prefix = dirname(dirname(qemuBinary));
  return [
    join(homedir(), '.config/qemu/firmware'),
    '/etc/qemu/firmware',
    '/usr/share/qemu/firmware',
    join(prefix, 'share/qemu/firmware'),
  ];
}

function raw(code: string, vars: string): UefiFirmware {
  return { code, codeFormat: 'raw', varsTemplate: vars, varsFormat: 'raw' };
}

/** Known places, for systems without descriptors (older distributions, the Windows installer). */
function knownPlaces(qemuBinary: string): UefiFirmware[] {
  const prefix = dirname(dirname(qemuBinary));
  const upstream = (dir: string): UefiFirmware =>
    raw(join(dir, 'edk2-x86_64-code.fd'), join(dir, 'edk2-i386-vars.fd'));
  return [
    raw('/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'),
    raw('/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'),
    raw('/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd'),
    upstream(join(prefix, 'share/qemu')),
    upstream(dirname(qemuBinary) + '/share'),
    upstream('/opt/homebrew/share/qemu'),
    upstream('/usr/local/share/qemu'),
    upstream('/usr/share/qemu'),
  ];
}

/** findUefiFirmware returns OVMF's files, or throws the UserError that says what to install. */
export function findUefiFirmware(
  qemuBinary: string,
  platform: NodeJS.Platform = process.platform,
): UefiFirmware {
  const usable = (f: UefiFirmware): boolean => existsSync(f.code) && existsSync(f.varsTemplate);
  for (const dir of descriptorDirs(qemuBinary)) {
    let names: string[];
    try {
      names = readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort();
    } catch {
      continue;
    }
    for (const name of names) {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      } catch {
        continue;
      }
      const firmware = fromDescriptor(json);
      if (firmware !== undefined && usable(firmware)) return firmware;
    }
  }
  const known = knownPlaces(qemuBinary).find(usable);
  if (known !== undefined) return known;
  throw new UserError(
    `A UEFI test boot needs OVMF, the UEFI firmware for QEMU, and none was found; ${installHint(platform)}.`,
    'ovmf-missing',
  );
}
