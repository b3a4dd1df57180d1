/**
 * What an installer reports over HTTP: `key=value` lines (token, phase, bytes, total, disk,
 * error), posted by busybox or GNU wget, or curl. Parsing is strict about numbers and phases and
 * keeps sentences to one printable line. Pure.
 */
import { printable } from '../../src-shared/text/printable';

/** Phases an installer reports. */
export const REPORT_PHASES = [
  'started',
  'writing',
  'verifying',
  'done',
  'failed',
  'erased',
] as const;
export type ReportPhase = (typeof REPORT_PHASES)[number];

/** One parsed report. */
export interface DeployReport {
  readonly token: string;
  readonly phase: ReportPhase;
  readonly bytes: number;
  readonly total: number;
  readonly disk: string | null;
  readonly error: string | null;
}

/** Longest error sentence kept. */
const MAX_ERROR = 400;

function oneLine(text: string, max: number): string {
  // Control and bidi characters would let a machine forge lines in `labboot machines` or the log.
  const clean = printable(text).trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** parseReport reads a report body; undefined when it is not one. */
export function parseReport(body: string): DeployReport | undefined {
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const phase = fields.get('phase') ?? '';
  if (!(REPORT_PHASES as readonly string[]).includes(phase)) return undefined;
  const number = (key: string): number | undefined => {
    const text = fields.get(key) ?? '0';
    return /^\d{1,16}$/.test(text) ? Number(text) : undefined;
  };
  const bytes = number('bytes');
  const total = number('total');
  if (bytes === undefined || total === undefined) return undefined;
  const disk = oneLine(fields.get('disk') ?? '', 128);
  const error = oneLine(fields.get('error') ?? '', MAX_ERROR);
  return {
    token: fields.get('token') ?? '',
    phase: phase as ReportPhase,
    bytes,
    total,
    disk: disk === '' ? null : disk,
    error: error === '' ? null : error,
  };
}
