import { z } from 'zod';
import { defineCall } from './define';

/**
 * MAAS ≤3.7's banner when more than one image source exists (maas-ui UbuntuImages.tsx
 * `Labels.MultipleSourceNotification`, multisource.md §2.2). Every front door reports it verbatim.
 */
export const multipleSourcesBanner =
  'More than one image source exists. The UI does not support updating synced images when more than one source has been defined. Use the API to adjust your sources.';

/** The warning every front door shows while more than one source is configured. */
export const multiSourceWarningSchema = z.object({
  text: z.string(),
  /** Source names in the order they are consulted (the first that lists an image wins). */
  sources: z.array(z.string()),
});
export type MultiSourceWarning = z.infer<typeof multiSourceWarningSchema>;

export const keyringKindSchema = z.enum(['custom', 'default', 'none']);

/** One boot source (cli.md `sources list --json` element, plus fields). */
export const bootSourceSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  keyring: z.object({ kind: keyringKindSchema, fingerprints: z.array(z.string()) }),
  /** false when the source was added with signature verification off. */
  verified: z.boolean(),
  /** true for the built-in default source used while no source is configured. */
  builtin: z.boolean(),
});
export type BootSource = z.infer<typeof bootSourceSchema>;

export const catalogProductSchema = z.object({
  name: z.string(),
  kind: z.enum(['image', 'bootloader']),
  os: z.string(),
  release: z.string(),
  arch: z.string(),
  subarch: z.string(),
  versions: z.array(z.string()),
  /** The version a sync would take: the newest complete one. */
  newestComplete: z.string().nullable(),
  /** Kernel flavour (`generic`, `lowlatency`); empty for bootloaders. */
  kflavor: z.string(),
  /** Machine subarches this kernel boots (the stream's comma-separated `subarches`). */
  subarches: z.array(z.string()),
  label: z.string(),
  /** Bytes of the files a sync fetches for the newest complete version; null when none is. */
  newestCompleteBytes: z.number().int().nullable(),
});
export type CatalogProductView = z.infer<typeof catalogProductSchema>;

/** A source whose catalogue could not be read, with the sentence saying why and what to do. */
export const catalogFailureSchema = z.object({
  sourceId: z.number().int(),
  sourceName: z.string(),
  message: z.string(),
  code: z.string(),
});
export type CatalogFailure = z.infer<typeof catalogFailureSchema>;

/** MAAS's image streams on images.maas.io: candidate gets every build, stable what MAAS tested. */
export const maasStreamSchema = z.enum(['stable', 'candidate']);

/** Calls about boot sources and what they offer. */
export const sourcesCalls = {
  'sources.list': defineCall({
    summary: 'Configured boot sources, plus the multi-source warning when there is more than one.',
    input: z.object({}).strict(),
    output: z.object({
      sources: z.array(bootSourceSchema),
      warning: multiSourceWarningSchema.nullable(),
      /** Sources whose signatures are not checked; front doors say so every time. */
      unverified: z.array(z.string()),
      /** The images.maas.io stream in effect, or null when only other mirrors are configured. */
      defaultStream: maasStreamSchema.nullable(),
    }),
  }),
  'sources.setDefaultStream': defineCall({
    summary:
      "Switch the images.maas.io source between MAAS's stable and candidate streams (other sources stay).",
    input: z.object({ stream: maasStreamSchema }).strict(),
    output: z.object({ sources: z.array(bootSourceSchema), defaultStream: maasStreamSchema }),
  }),
  'sources.add': defineCall({
    summary: 'Add a boot source with its keyring (base64 OpenPGP keys) or the default keyring.',
    input: z
      .object({
        url: z.string().min(1),
        name: z.string().min(1).optional(),
        keyringBase64: z.string().optional(),
        /** false adds the source without signature checks (the person must ask explicitly). */
        verify: z.boolean().default(true),
      })
      .strict(),
    output: z.object({ source: bootSourceSchema, warning: multiSourceWarningSchema.nullable() }),
  }),
  'sources.remove': defineCall({
    summary: 'Remove a boot source by id or name; images synced from it stay until unselected.',
    input: z.object({ source: z.string().min(1) }).strict(),
    output: z.object({ removed: bootSourceSchema, warning: multiSourceWarningSchema.nullable() }),
  }),
  'sources.catalog': defineCall({
    summary:
      'Fetch and verify every source index and product file; list what each readable source offers and why each other one failed.',
    input: z.object({}).strict(),
    output: z.object({
      sources: z.array(
        z.object({ source: bootSourceSchema, products: z.array(catalogProductSchema) }),
      ),
      /** Sources that could not be read; one bad source does not hide what the others offer. */
      failures: z.array(catalogFailureSchema),
      warning: multiSourceWarningSchema.nullable(),
    }),
  }),
};

/** Sources push no events of their own; sync progress lives in images.ts. */
export const sourcesEvents = {};
