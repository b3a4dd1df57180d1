import { formatBootEvent, type BootServeEvent } from '../../src-shared/boot/events';
import { printable, printableJson } from '../../src-shared/text/printable';

/**
 * bootEventLine is one `labboot serve` output line for a boot event (NDJSON with --json), newline
 * included. File names, paths and DHCP details come from clients, so control and bidi characters
 * are escaped: an event is always exactly one line and never drives the terminal.
 */
export function bootEventLine(e: BootServeEvent, json: boolean): string {
  return json ? `${printableJson(JSON.stringify(e))}\n` : `${printable(formatBootEvent(e))}\n`;
}
