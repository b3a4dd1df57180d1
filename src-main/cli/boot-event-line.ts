import { formatBootEvent, type BootServeEvent, type BootStep } from '../../src-shared/boot/events';
import { formatBootStep } from '../../src-shared/boot/steps';
import { printable, printableJson } from '../../src-shared/text/printable';

/**
 * bootEventLine is one `labboot serve` output line for a boot event (NDJSON with --json), newline
 * included. File names, paths and DHCP details come from clients, so control and bidi characters
 * are escaped: an event is always exactly one line and never drives the terminal.
 */
export function bootEventLine(e: BootServeEvent, json: boolean): string {
  return json ? `${printableJson(JSON.stringify(e))}\n` : `${printable(formatBootEvent(e))}\n`;
}

/**
 * bootStepLine is one `labboot log` output line for a stored step, escaped like `bootEventLine`;
 * with --json an NDJSON object with the row id and the time in ISO 8601.
 */
export function bootStepLine(s: BootStep & { readonly id: number }, json: boolean): string {
  if (!json) return `${printable(formatBootStep(s))}\n`;
  const { id, at, ...rest } = s;
  return `${printableJson(JSON.stringify({ id, at: new Date(at).toISOString(), ...rest }))}\n`;
}
