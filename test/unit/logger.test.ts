import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src-main/logger';
import { EventBus } from '../../src-main/event-bus';
import type { EventPayload } from '../../src-shared/contract/index';

const FORGED = 'x\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete';
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

function capture(): { lines: string[]; logged: EventPayload<'system.log'>[]; events: EventBus } {
  const events = new EventBus();
  const logged: EventPayload<'system.log'>[] = [];
  events.subscribe((name, payload) => {
    if (name === 'system.log') logged.push(payload as EventPayload<'system.log'>);
  });
  return { lines: [], logged, events };
}

describe('logger sinks', () => {
  it('writes one stderr line and one event per call, with client text escaped', () => {
    const { lines, logged, events } = capture();
    const log = createLogger({
      stderrLevel: 'info',
      events,
      stderr: { write: (t: string) => lines.push(t) },
    });
    log.info('dhcp', `dhcp-ack 52:54:00:00:00:01 host ${FORGED}`);
    log.warn('tftp', 'mode \u001b]0;owned\u0007 \u009b2J refused');
    const text = lines.join('');
    expect(text.split('\n')).toEqual([
      '[dhcp] dhcp-ack 52:54:00:00:00:01 host x\\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete',
      '[tftp] mode \\x1b]0;owned\\x07 \\x9b2J refused',
      '',
    ]);
    expect(text).not.toMatch(RAW_CONTROL);
    expect(logged.map((e) => e.message)).toEqual([
      'dhcp-ack 52:54:00:00:00:01 host x\\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete',
      'mode \\x1b]0;owned\\x07 \\x9b2J refused',
    ]);
  });

  it('honours the stderr level but still emits every line as an event', () => {
    const { lines, logged, events } = capture();
    const log = createLogger({
      stderrLevel: 'warn',
      events,
      stderr: { write: (t: string) => lines.push(t) },
    });
    log.info('boot', 'quiet');
    log.error('boot', 'loud');
    expect(lines).toEqual(['[boot] loud\n']);
    expect(logged.map((e) => [e.level, e.message])).toEqual([
      ['info', 'quiet'],
      ['error', 'loud'],
    ]);
  });
});
