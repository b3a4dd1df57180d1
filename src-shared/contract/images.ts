import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { multiSourceWarningSchema } from './sources';
import { imageDeleteResultSchema } from './store';

/** One stored file (cli.md `images --json`): `path` is the absolute path of the stored blob. */
export const imageFileSchema = z.object({
  ftype: z.string(),
  sha256: z.string(),
  size: z.number().int(),
  path: z.string(),
});

/** Where a stored version came from; null parts for versions stored before this was recorded. */
export const imageSourceSchema = z.object({
  name: z.string().nullable(),
  url: z.string().nullable(),
});

/** One local boot resource with its complete versions, newest first (cli.md `images --json`). */
export const imageSchema = z.object({
  os: z.string(),
  release: z.string(),
  arch: z.string(),
  subarch: z.string(),
  kflavor: z.string(),
  label: z.string(),
  product: z.string(),
  kind: z.enum(['image', 'bootloader']),
  versions: z.array(
    z.object({
      version: z.string(),
      complete: z.boolean(),
      files: z.array(imageFileSchema),
      /** The boot source that supplied this version, as named at sync time. */
      source: imageSourceSchema,
    }),
  ),
});
export type ImageView = z.infer<typeof imageSchema>;

export const selectionSchema = z.object({
  id: z.number().int(),
  os: z.string(),
  release: z.string(),
  arch: z.string(),
});
export type SelectionView = z.infer<typeof selectionSchema>;

/** `OS/RELEASE/ARCH`, e.g. `ubuntu/jammy/amd64` (release by codename or number). */
export const selectionSpecSchema = z.string().regex(/^[a-z0-9._-]+\/[a-z0-9._-]+\/[a-z0-9._-]+$/i);

/** One sync event (cli.md `sync --json`: NDJSON, one per line). */
export const syncEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('start'),
    runId: z.number().int(),
    sources: z.array(z.string()),
    files: z.number().int(),
    bytes: z.number(),
  }),
  z.object({
    event: z.literal('file'),
    sha256: z.string(),
    path: z.string(),
    size: z.number(),
    source: z.string(),
  }),
  z.object({
    event: z.literal('progress'),
    bytes: z.number(),
    total: z.number(),
    rate: z.number(),
    files: z.array(
      z.object({ sha256: z.string(), path: z.string(), bytes: z.number(), total: z.number() }),
    ),
  }),
  z.object({
    event: z.literal('verified'),
    sha256: z.string(),
    path: z.string(),
    size: z.number(),
  }),
  z.object({ event: z.literal('published'), image: z.string(), version: z.string() }),
  z.object({ event: z.literal('warning'), message: z.string(), code: z.string() }),
  z.object({ event: z.literal('error'), message: z.string(), code: z.string() }),
  z.object({
    event: z.literal('done'),
    runId: z.number().int(),
    published: z.array(z.object({ image: z.string(), version: z.string() })),
    bytes: z.number(),
    seconds: z.number(),
  }),
]);
export type SyncEvent = z.infer<typeof syncEventSchema>;

export const syncRunSchema = z.object({
  id: z.number().int(),
  status: z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});

/** Calls about selections, local images and syncing. */
export const imagesCalls = {
  'images.list': defineCall({
    summary: 'Local boot resources with their complete versions and stored files.',
    input: z.object({}).strict(),
    output: z.array(imageSchema),
  }),
  'images.selections': defineCall({
    summary: 'The selected images (os/release/arch).',
    input: z.object({}).strict(),
    output: z.array(selectionSchema),
  }),
  'images.select': defineCall({
    summary: 'Select images by OS/RELEASE/ARCH; every subarch and kflavor of each is synced.',
    input: z.object({ images: z.array(selectionSpecSchema).min(1) }).strict(),
    output: z.array(selectionSchema),
  }),
  'images.unselect': defineCall({
    summary: 'Remove selections; their images are deleted by the next successful sync.',
    input: z.object({ images: z.array(selectionSpecSchema).min(1) }).strict(),
    output: z.array(selectionSchema),
  }),
  'images.delete': defineCall({
    summary:
      'Delete stored versions of an image offline (all, or the ones named); refused while a sync runs or the boot server serves them.',
    input: z
      .object({
        /** `OS/RELEASE/ARCH[/SUBARCH]`. */
        image: z.string().min(1).max(200),
        /** The versions to delete; all when absent. */
        versions: z.array(z.string().min(1).max(100)).min(1).optional(),
      })
      .strict(),
    output: imageDeleteResultSchema,
  }),
  'sync.start': defineCall({
    summary: 'Start a sync in the background; progress arrives as sync.progress / sync.event.',
    input: z.object({}).strict(),
    output: z.object({ started: z.boolean(), warning: multiSourceWarningSchema.nullable() }),
  }),
  'sync.cancel': defineCall({
    summary: 'Cancel the running sync; downloaded parts are kept and resumed next time.',
    input: z.object({}).strict(),
    output: z.object({ cancelled: z.boolean() }),
  }),
  'sync.status': defineCall({
    summary: 'Whether a sync runs now, and the most recent runs.',
    input: z.object({}).strict(),
    output: z.object({ running: z.boolean(), runs: z.array(syncRunSchema) }),
  }),
};

/** Events pushed while a sync runs. */
export const imagesEvents = {
  'sync.progress': defineEvent({
    summary: 'Bytes done and total for the run and for each file in flight, with the rate.',
    payload: syncEventSchema.options[2],
  }),
  'sync.event': defineEvent({
    summary: 'Every other sync event: start, file, verified, published, warning, error, done.',
    payload: syncEventSchema,
  }),
};
