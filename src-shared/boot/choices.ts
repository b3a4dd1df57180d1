/** Per-machine boot choices: what a client with a given MAC boots. Pure types. */
import { z } from 'zod';

/** The key of the choice that applies to machines without their own, of every architecture. */
export const DEFAULT_CHOICE_MAC = 'default';

const ARCH_DEFAULT_KEY = /^default-([a-z0-9]+)$/;

/**
 * archDefaultKey is the key of the default for machines of one architecture (Debian name, e.g.
 * `default-arm64`), as MAAS names `grub.cfg-default-arm64`; it wins over `default` for them.
 */
export function archDefaultKey(arch: string): string {
  return `${DEFAULT_CHOICE_MAC}-${arch}`;
}

/**
 * defaultKeyArch says whom a choice key is the default for: the architecture of an
 * `archDefaultKey`, null for `default` (every architecture), undefined for a machine's own key.
 */
export function defaultKeyArch(key: string): string | null | undefined {
  if (key === DEFAULT_CHOICE_MAC) return null;
  return ARCH_DEFAULT_KEY.exec(key)?.[1];
}

/** What to boot: an image (`OS/RELEASE/ARCH[/SUBARCH]`) or the machine's local disk. */
export const bootChoiceSchema = z.object({
  /** Lower-case colon MAC, `default` for unknown machines, or `default-<arch>` for those of one arch. */
  mac: z.string(),
  action: z.enum(['image', 'local']),
  /** Image spec when action is `image`, e.g. `ubuntu/jammy/amd64`. */
  image: z.string().nullable(),
  /** Hostname handed to the booted system (kernel `ip=` and the cloud-init seed). */
  hostname: z.string().nullable(),
  updatedAt: z.string(),
});
export type BootChoice = z.infer<typeof bootChoiceSchema>;
