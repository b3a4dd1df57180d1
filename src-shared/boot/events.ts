/** Boot-log events from the DHCP, TFTP and HTTP servers, their one-line form and boot-log step. Pure. */
import { z } from 'zod';
import { size } from './steps';

/** The client's MAC when LabBoot knows it (TFTP and HTTP see only the address; DHCP tells). */
const knownMac = z.string().nullable().optional();

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
  mac: knownMac,
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
  mac: knownMac,
});

/** One DHCP step (offer, ack, proxy answer, decline…) for a client MAC. */
export const dhcpBootEventSchema = z.object({
  protocol: z.literal('dhcp'),
  at: z.string(),
  /** The client's address when known (proxy-ack, full-mode ack), else ''. */
  client: z.string(),
  mac: z.string(),
  stage: z.string(),
  detail: z.string(),
});

/** Any event of the serving parts. */
export const bootServeEventSchema = z.discriminatedUnion('protocol', [
  tftpBootEventSchema,
  httpBootEventSchema,
  dhcpBootEventSchema,
]);
export type BootServeEvent = z.infer<typeof bootServeEventSchema>;

/** One line per event, as `labboot serve` prints it. */
export function formatBootEvent(e: BootServeEvent): string {
  if (e.protocol === 'dhcp') return `${e.at} dhcp ${e.mac} ${e.stage} ${e.detail}`;
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

/** One stored boot-log step (table boot_events), as the `boot.log` call returns it. */
export const bootStepSchema = z.object({
  /** Epoch milliseconds. */
  at: z.number(),
  mac: z.string().nullable(),
  clientIp: z.string().nullable(),
  protocol: z.enum(['dhcp', 'tftp', 'http']),
  /** e.g. `proxy-ack`, `tftp-sent`, `http-failed`. */
  stage: z.string(),
  detail: z.string(),
});
export type BootStep = z.infer<typeof bootStepSchema>;
