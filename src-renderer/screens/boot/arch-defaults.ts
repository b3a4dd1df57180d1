/**
 * The per-architecture defaults the choices panel shows: one row for each architecture that has a
 * stored image or a stored default. A machine without its own choice boots its architecture's
 * default, else the default for every machine. Pure.
 */
import type { BootChoice } from '../../../src-shared/boot/choices';

// The shared `defaultKeyArch` would pull zod into the renderer bundle; same key shape.
const ARCH_DEFAULT_KEY = /^default-([a-z0-9]+)$/;

/** archOfDefaultKey is the architecture of a `default-<arch>` key, else undefined. */
export function archOfDefaultKey(key: string): string | undefined {
  return ARCH_DEFAULT_KEY.exec(key)?.[1];
}

/** One architecture's default: its choice key, what it holds, and the images it may choose. */
export interface ArchDefault {
  readonly arch: string;
  readonly key: string;
  readonly choice: BootChoice | undefined;
  /** Bootable image specs of this architecture (`os/release/arch[/subarch]`). */
  readonly images: readonly string[];
}

/** archDefaults lists the rows, by architecture name, from the choices and the bootable specs. */
export function archDefaults(
  choices: readonly BootChoice[],
  bootable: readonly string[],
): ArchDefault[] {
  const archOfSpec = (spec: string): string | undefined => spec.split('/')[2];
  const archs = new Set<string>();
  for (const spec of bootable) {
    const arch = archOfSpec(spec);
    if (arch !== undefined) archs.add(arch);
  }
  for (const c of choices) {
    const arch = archOfDefaultKey(c.mac);
    if (arch !== undefined) archs.add(arch);
  }
  return [...archs].sort().map((arch) => ({
    arch,
    key: `default-${arch}`,
    choice: choices.find((c) => c.mac === `default-${arch}`),
    images: bootable.filter((spec) => archOfSpec(spec) === arch),
  }));
}
