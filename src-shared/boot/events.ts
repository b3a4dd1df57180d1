/** Boot-log events from the TFTP and HTTP servers, and their one-line form. Pure. */
import { z } from 'zod';

/** One TFTP request and how it ended. */
export const tftpBootEventSchema = z.object({
  protocol: z.literal('tftp'),
  at: z.string(),
  client: z.string(),
  file: z.string(),
  outcome: z.enum(['complete', 'aborted', 'timeout', 'not-found', 'denied', 'refused', 'error']),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  bytesPerSecond: z.number().nonnegative(),
  blksize: z.number().int().nullable(),
  windowsize: z.number().int().nullable(),
  detail: z.string().nullable(),
});

/** One HTTP request. */
export const httpBootEventSchema = z.object({
  protocol: z.literal('http'),
  at: z.string(),
  client: z.string(),
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  bytes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});

/** Any event of the serving parts. */
export const bootServeEventSchema = z.discriminatedUnion('protocol', [
  tftpBootEventSchema,
  httpBootEventSchema,
]);
export type BootServeEvent = z.infer<typeof bootServeEventSchema>;

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line per event, as `labboot serve` prints it. */
export function formatBootEvent(e: BootServeEvent): string {
  if (e.protocol === 'tftp') {
    const rate = e.durationMs > 0 ? `, ${size(e.bytesPerSecond)}/s` : '';
    const opts =
      e.blksize === null
        ? ''
        : ` blksize ${e.blksize}${e.windowsize !== null && e.windowsize > 1 ? ` window ${e.windowsize}` : ''}`;
    const detail = e.detail === null ? '' : ` (${e.detail})`;
    return `${e.at} tftp ${e.client} ${e.file} ${e.outcome} ${size(e.bytes)} in ${Math.round(e.durationMs)} ms${rate}${opts}${detail}`;
  }
  return `${e.at} http ${e.client} ${e.method} ${e.path} ${e.status} ${size(e.bytes)} in ${Math.round(e.durationMs)} ms`;
}
