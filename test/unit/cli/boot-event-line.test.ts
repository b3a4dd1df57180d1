import { describe, expect, it } from 'vitest';
import { bootEventLine } from '../../../src-main/cli/boot-event-line';
import type { BootServeEvent } from '../../../src-shared/boot/events';

const FORGED_NAME =
  'a.efi\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 1.0 MiB in 3 ms';
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

const tftp = (file: string, detail: string | null = null): BootServeEvent => ({
  protocol: 'tftp',
  at: '2026-05-01T10:00:00.000Z',
  client: '127.0.0.1',
  file,
  outcome: 'not-found',
  bytes: 0,
  durationMs: 0,
  bytesPerSecond: 0,
  blksize: null,
  windowsize: null,
  detail,
});

describe('labboot serve console lines', () => {
  it('prints a forged-line TFTP name as exactly one line with the newline escaped', () => {
    const line = bootEventLine(tftp(FORGED_NAME), false);
    expect(line).toBe(
      '2026-05-01T10:00:00.000Z tftp 127.0.0.1 a.efi\\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 1.0 MiB in 3 ms not-found 0 B in 0 ms\n',
    );
    expect(line.split('\n')).toHaveLength(2);
  });

  it('never passes ESC/OSC or C1 bytes from names, modes, paths or DHCP details', () => {
    const hostile = '\u001b]0;owned\u0007\u001b[2J\u009b31m\u202e';
    const events: BootServeEvent[] = [
      tftp(hostile, `mode ${hostile}`),
      {
        protocol: 'http',
        at: '2026-05-01T10:00:00.000Z',
        client: '127.0.0.1',
        method: 'GET',
        path: `/images/${hostile}`,
        status: 404,
        bytes: 0,
        durationMs: 1,
      },
      {
        protocol: 'dhcp',
        at: '2026-05-01T10:00:00.000Z',
        client: '',
        mac: '52:54:00:00:00:01',
        stage: 'dhcp-offer',
        detail: `10.0.0.5 host ${hostile}`,
      },
    ];
    for (const e of events) {
      for (const json of [false, true]) {
        const line = bootEventLine(e, json);
        expect(line.slice(0, -1)).not.toMatch(RAW_CONTROL);
        expect(line.slice(0, -1)).not.toContain('\n');
        expect(line.endsWith('\n')).toBe(true);
        if (json) expect(JSON.parse(line)).toEqual(e);
        else expect(line).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\u202e');
      }
    }
  });
});
