/** Boot-log events from the DHCP, TFTP and HTTP servers, their one-line form and boot-log step. Pure. */
import { z } from 'zod';
import { size } from './steps';
import { bootPathLabels, bootPaths, type BootPath } from './boot-path';

/** The client's MAC when LabBoot knows it (TFTP and HTTP see only the address; DHCP tells). */
const knownMac = z.string().nullable().optional();

/** The road the client boots by (PXE/TFTP, HTTP Boot, iPXE) when LabBoot can tell. */
const knownPath = z.enum(bootPaths).nullable().optional();

/** A missing name the loader probes for on purpose, which is not a failure. */
const probe = z.boolean().optional();

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
  probe,
  bootPath: knownPath,
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
  /** Why the name was not served (e.g. not in the stream's bootloaders). */
  detail: z.string().nullable().optional(),
  probe,
  bootPath: knownPath,
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
  bootPath: knownPath,
});

/** Any event of the serving parts. */
export const bootServeEventSchema = z.discriminatedUnion('protocol', [
  tftpBootEventSchema,
  httpBootEventSchema,
  dhcpBootEventSchema,
]);
export type BootServeEvent = z.infer<typeof bootServeEventSchema>;

/** ` via <path>` for a line whose client's boot path is known, else ''. */
export function viaPath(path: BootPath | null | undefined): string {
  return path === null || path === undefined ? '' : ` via ${bootPathLabels[path]}`;
}

/** One line per event, as `labboot serve` prints it. */
export function formatBootEvent(e: BootServeEvent): string {
  const via = viaPath(e.bootPath);
  if (e.protocol === 'dhcp') return `${e.at} dhcp ${e.mac} ${e.stage} ${e.detail}${via}`;
  if (e.protocol === 'tftp') {
    const rate = e.durationMs > 0 ? `, ${size(e.bytesPerSecond)}/s` : '';
    const opts =
      e.blksize === null
        ? ''
        : ` blksize ${e.blksize}${e.windowsize !== null && e.windowsize > 1 ? ` window ${e.windowsize}` : ''}`;
    const detail = e.detail === null ? '' : ` (${e.detail})`;
    return `${e.at} tftp ${e.client} ${e.file} ${e.outcome} ${size(e.bytes)} in ${Math.round(e.durationMs)} ms${rate}${opts}${detail}${via}`;
  }
  const detail = e.detail === null || e.detail === undefined ? '' : ` (${e.detail})`;
  return `${e.at} http ${e.client} ${e.method} ${e.path} ${e.status} ${size(e.bytes)} in ${Math.round(e.durationMs)} ms${detail}${via}`;
}

/** One stored boot-log step (table boot_events), as the `boot.log` call returns it. */
export const bootStepSchema = z.object({
  /** Epoch milliseconds. */
  at: z.number(),
  mac: z.string().nullable(),
  clientIp: z.string().nullable(),
  protocol: z.enum(['dhcp', 'tftp', 'http']),
  /** e.g. `proxy-ack`, `tftp-sent`, `http-failed`, `tftp-probe`. */
  stage: z.string(),
  detail: z.string(),
  /** The road the client boots by, when known (absent in rows stored before it was recorded). */
  bootPath: knownPath,
});
export type BootStep = z.infer<typeof bootStepSchema>;
