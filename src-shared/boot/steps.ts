/**
 * Boot-log steps: the stored form of a DHCP/TFTP/HTTP event and whether it went well. Pure and free
 * of zod, so the renderer can use it without pulling the schema library into its bundle.
 */
import type { BootServeEvent, BootStep } from './events';
import { bootPathLabels } from './boot-path';

/** size prints a byte count the way the boot log and `labboot serve` do. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** stepOk says whether a step went well: stages name failures with one of these words. */
export function stepOk(stage: string): boolean {
  return !/(failed|error|decline|nak|refused|ignored|exhausted)/.test(stage);
}

/**
 * bootStep is the boot-log row of a live event: the server stores exactly this, so the UI can merge
 * stored history with live events without showing one request twice.
 */
export function bootStep(e: BootServeEvent): BootStep {
  const at = Date.parse(e.at);
  const clientIp = e.client === '' ? null : e.client.replace(/^::ffff:/, '');
  // Only when known, exactly as the store returns it (so a live step equals its stored row).
  const bootPath = e.bootPath === undefined || e.bootPath === null ? {} : { bootPath: e.bootPath };
  if (e.protocol === 'dhcp') {
    return {
      at,
      mac: e.mac,
      clientIp,
      protocol: 'dhcp',
      stage: e.stage,
      detail: e.detail,
      ...bootPath,
    };
  }
  const mac = e.mac ?? null;
  // A name the loader probes for on purpose is a step of its own, never a failure.
  const failed = e.probe === true ? `${e.protocol}-probe` : `${e.protocol}-failed`;
  if (e.protocol === 'tftp') {
    const rate =
      e.outcome === 'complete' && e.durationMs > 0 ? `, ${size(e.bytesPerSecond)}/s` : '';
    return {
      at,
      mac,
      clientIp,
      protocol: 'tftp',
      stage: e.outcome === 'complete' ? 'tftp-sent' : failed,
      detail: `${e.file} — ${e.outcome}, ${size(e.bytes)}${rate}${e.detail === null ? '' : ` (${e.detail})`}`,
      ...bootPath,
    };
  }
  const why = e.detail === null || e.detail === undefined ? '' : ` (${e.detail})`;
  return {
    at,
    mac,
    clientIp,
    protocol: 'http',
    stage: e.status < 400 ? 'http-sent' : failed,
    detail: `${e.method} ${e.path} — ${e.status}, ${size(e.bytes)}${why}`,
    ...bootPath,
  };
}

/**
 * formatBootStep is one stored step as `labboot log` prints it, in the shape of `labboot serve`
 * lines: time, protocol, who, then what. A DHCP step prints exactly as serve printed it; a TFTP or
 * HTTP step keeps only its stored summary (file or request, outcome, size).
 */
export function formatBootStep(s: BootStep): string {
  const at = new Date(s.at).toISOString();
  const via =
    s.bootPath === null || s.bootPath === undefined ? '' : ` via ${bootPathLabels[s.bootPath]}`;
  if (s.protocol === 'dhcp') return `${at} dhcp ${s.mac ?? '-'} ${s.stage} ${s.detail}${via}`;
  return `${at} ${s.protocol} ${s.clientIp ?? '-'} ${s.detail}${via}`;
}
