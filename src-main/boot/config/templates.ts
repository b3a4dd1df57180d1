/**
 * Loads boot-config templates from `resources/templates/` (data files, not code, so they can be
 * read and diffed like the configs they produce). The folder is found by walking up from this
 * module, which works from the source tree (tsx, vitest) and from the bundled `out/main/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every template LabBoot ships. */
export const TEMPLATE_NAMES = [
  'pxelinux-ephemeral.cfg',
  'pxelinux-local.cfg',
  'grub-preloader.cfg',
  'grub-ephemeral.cfg',
  'grub-local.cfg',
  'ipxe-chain.ipxe',
  'ipxe-ephemeral.ipxe',
  'ipxe-local.ipxe',
] as const;

/** One template's name. */
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Template texts by name. */
export type Templates = Readonly<Record<TemplateName, string>>;

/** Finds `resources/templates` above this module (or at `override`). */
export function templatesDir(override?: string): string {
  if (override !== undefined) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'resources', 'templates');
    if (existsSync(join(candidate, 'grub-preloader.cfg'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    'boot-config templates not found: resources/templates is missing from this installation',
  );
}

/** Reads every template once; boot configs are then rendered from memory. */
export function loadTemplates(dir = templatesDir()): Templates {
  const entries = TEMPLATE_NAMES.map(
    (name) => [name, readFileSync(join(dir, name), 'utf8')] as const,
  );
  return Object.fromEntries(entries) as Record<TemplateName, string>;
}
