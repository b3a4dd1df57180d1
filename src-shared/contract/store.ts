/**
 * Upkeep of the store: deleting images, checking (and repairing) the stored files against their
 * sha256, and the storage settings — versions kept per image, how much history is kept.
 */
import { z } from 'zod';
import { defineCall, defineEvent } from './define';

/** The storage settings with their bounds; the store falls back to the default on bad values. */
export const storeSettingsSchema = z.object({
  /** Complete versions a sync keeps of each image (older ones are pruned). */
  imagesKeep: z.number().int().min(1).max(10),
  /** Sync runs and boot events older than this many days are pruned. */
  historyDays: z.number().int().min(1).max(3650),
  /** At most this many sync events and this many boot events are kept. */
  historyEvents: z.number().int().min(100).max(1_000_000),
});
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

/** defaultStoreSettings: two versions per image, 30 days or 10,000 events of history. */
export const defaultStoreSettings: StoreSettings = {
  imagesKeep: 2,
  historyDays: 30,
  historyEvents: 10_000,
};

/** The settings keys as people write them (`labboot settings set images.keep 3`). */
export const storeSettingKeys = {
  'images.keep': 'imagesKeep',
  'history.days': 'historyDays',
  'history.events': 'historyEvents',
} as const satisfies Record<string, keyof StoreSettings>;
export type StoreSettingKey = keyof typeof storeSettingKeys;

/** One version `images.delete` removed. */
export const deletedVersionSchema = z.object({ image: z.string(), version: z.string() });

/** What `images.delete` did. */
export const imageDeleteResultSchema = z.object({
  deleted: z.array(deletedVersionSchema),
  /** Selections removed because no version of their image is left (the next sync skips them). */
  unselected: z.array(z.string()),
  /** Blobs no version refers to any more, deleted from disk. */
  freedBlobs: z.number().int(),
  freedBytes: z.number(),
  /** Sentences about what happens next (e.g. the next sync brings a version back). */
  notes: z.array(z.string()),
});
export type ImageDeleteResult = z.infer<typeof imageDeleteResultSchema>;

/** One damaged file of a stored version. */
export const storeProblemSchema = z.object({
  ftype: z.string(),
  name: z.string(),
  sha256: z.string(),
  problem: z.enum(['missing', 'corrupt', 'truncated', 'folder-missing']),
  /** After `--repair`: fetched again and verified, or still broken (with why). */
  repair: z.enum(['fetched', 'failed']).nullable(),
  repairError: z.string().nullable(),
});
export type StoreProblem = z.infer<typeof storeProblemSchema>;

/** One stored version with at least one problem. */
export const storeVersionReportSchema = z.object({
  image: z.string(),
  version: z.string(),
  problems: z.array(storeProblemSchema),
  /** true when `--repair` marked it incomplete (not served; the next sync fetches it again). */
  markedIncomplete: z.boolean(),
  /** The report in words, e.g. `ubuntu/jammy/amd64/ga-22.04 20250601: squashfs is missing`. */
  summary: z.string(),
});
export type StoreVersionReport = z.infer<typeof storeVersionReportSchema>;

/** What `store.verify` found (and repaired). */
export const storeVerifyResultSchema = z.object({
  ok: z.boolean(),
  repaired: z.boolean(),
  checkedFiles: z.number().int(),
  checkedBytes: z.number(),
  versions: z.array(storeVersionReportSchema),
});
export type StoreVerifyResult = z.infer<typeof storeVerifyResultSchema>;

/**
 * How far `store.verify` is: hashing every stored file (`checking`), then, with repair, fetching
 * the damaged ones again (`fetching`, counting those files and their bytes).
 */
export const storeVerifyProgressSchema = z.object({
  phase: z.enum(['checking', 'fetching']),
  files: z.number().int(),
  totalFiles: z.number().int(),
  bytes: z.number(),
  totalBytes: z.number(),
});
export type StoreVerifyProgress = z.infer<typeof storeVerifyProgressSchema>;

/** Calls for keeping the store tidy and whole. */
export const storeCalls = {
  'store.verify': defineCall({
    summary:
      'Re-hash every stored file against its sha256; with repair, fetch damaged files again (or mark their versions incomplete).',
    input: z.object({ repair: z.boolean().default(false) }).strict(),
    output: storeVerifyResultSchema,
  }),
  'store.settings': defineCall({
    summary: 'The storage settings: versions kept per image and how much history is kept.',
    input: z.object({}).strict(),
    output: storeSettingsSchema,
  }),
  'store.setSettings': defineCall({
    summary: 'Change some storage settings; the next sync and history pruning use them.',
    input: storeSettingsSchema.partial().strict(),
    output: storeSettingsSchema,
  }),
};

/** Events of the store's upkeep. */
export const storeEvents = {
  'store.verifyProgress': defineEvent({
    summary:
      'How far a running store.verify is (files and bytes checked, then fetched again); a few per second at most.',
    payload: storeVerifyProgressSchema,
  }),
};
