/**
 * LabBoot as a local image mirror: the simplestreams tree it serves (under
 * `/maas/images/ephemeral-v3/<stream>/` on the boot server's HTTP port, or with
 * `labboot mirror serve`) and exports to a folder, in verbatim or resigned mode.
 */
import { z } from 'zod';
import { defineCall, defineEvent } from './define';

/** Whose signature the served metadata carries. */
export const mirrorModeSchema = z.enum(['verbatim', 'resigned']);
export type MirrorModeName = z.infer<typeof mirrorModeSchema>;

/** The URL path a stream is served under on the boot server's HTTP port. */
export function mirrorStreamPath(stream: string): string {
  return `/maas/images/ephemeral-v3/${stream}/`;
}

/** One product version the served metadata lists that a consumer can fetch whole. */
export const mirrorVersionSchema = z.object({
  product: z.string(),
  version: z.string(),
  files: z.number().int(),
  bytes: z.number(),
});

/** One served stream. */
export const mirrorStreamSchema = z.object({
  name: z.string(),
  path: z.string(),
  sourceName: z.string(),
  sourceUrl: z.string(),
  /** Versions a consumer can fetch completely (every file the metadata lists for them). */
  complete: z.array(mirrorVersionSchema),
  /** Versions the signed metadata lists that LabBoot does not hold whole (verbatim only). */
  listedNotHeld: z.number().int(),
});

/** What the mirror serves and how a MAAS would use it. */
export const mirrorStatusSchema = z.object({
  mode: mirrorModeSchema,
  streams: z.array(mirrorStreamSchema),
  /** The boot source URL a MAAS would use, while the boot server runs (first stream). */
  url: z.string().nullable(),
  /** Stored versions no served stream lists (their source's metadata was not kept). */
  unlisted: z.number().int(),
});
export type MirrorStatus = z.infer<typeof mirrorStatusSchema>;

/** One export event (`labboot mirror export --json`: NDJSON, one per line). */
export const mirrorExportEventSchema = z.discriminatedUnion('event', [
  z.object({
    event: z.literal('start'),
    dir: z.string(),
    files: z.number().int(),
    copy: z.number().int(),
    bytes: z.number(),
  }),
  z.object({
    event: z.literal('file'),
    path: z.string(),
    action: z.enum(['copied', 'kept']),
  }),
  z.object({ event: z.literal('progress'), bytes: z.number(), total: z.number() }),
  z.object({
    event: z.literal('done'),
    dir: z.string(),
    files: z.number().int(),
    copied: z.number().int(),
    kept: z.number().int(),
    bytes: z.number(),
    seconds: z.number(),
  }),
  z.object({ event: z.literal('error'), message: z.string(), code: z.string() }),
]);
export type MirrorExportEvent = z.infer<typeof mirrorExportEventSchema>;

export const mirrorExportResultSchema = z.object({
  dir: z.string(),
  files: z.number().int(),
  copied: z.number().int(),
  kept: z.number().int(),
  bytes: z.number(),
  seconds: z.number(),
});

/** Calls of the mirror. */
export const mirrorCalls = {
  'mirror.status': defineCall({
    summary: 'What the mirror serves in the current signing mode, and the URL a MAAS would use.',
    input: z.object({}).strict(),
    output: mirrorStatusSchema,
  }),
  'mirror.setMode': defineCall({
    summary: 'Serve the upstream signed metadata (verbatim) or metadata re-signed by LabBoot.',
    input: z.object({ mode: mirrorModeSchema }).strict(),
    output: mirrorStatusSchema,
  }),
  'mirror.key': defineCall({
    summary: "LabBoot's mirror public key, armored (made on first use), for MAAS's keyring.",
    input: z.object({}).strict(),
    output: z.object({ armored: z.string(), fingerprint: z.string() }),
  }),
  'mirror.export': defineCall({
    summary:
      'Write the mirror tree to a folder (a USB drive), verified and resumable; progress as events.',
    input: z
      .object({
        dir: z.string().min(1),
        mode: mirrorModeSchema.optional(),
        images: z.array(z.string()).default([]),
      })
      .strict(),
    output: mirrorExportResultSchema,
  }),
};

/** Events of the mirror. */
export const mirrorEvents = {
  'mirror.exportProgress': defineEvent({
    summary: 'How far a running mirror.export is; a few per second at most.',
    payload: z.object({ bytes: z.number(), total: z.number(), dir: z.string() }),
  }),
};
