import { describe, expect, it } from 'vitest';
import { calls, events, isCallName, isEventName } from '../../../src-shared/contract/index';

describe('contract tables', () => {
  it('names every call domain.verb and gives it input and output schemas and a summary', () => {
    for (const [name, spec] of Object.entries(calls)) {
      expect(name).toMatch(/^[a-z]+(\.[a-zA-Z]+)+$/);
      expect(spec.summary.length).toBeGreaterThan(5);
      expect(typeof spec.input.safeParse).toBe('function');
      expect(typeof spec.output.safeParse).toBe('function');
    }
  });

  it('names every event domain.event with a payload schema', () => {
    for (const [name, spec] of Object.entries(events)) {
      expect(name).toMatch(/^[a-z]+(\.[a-zA-Z]+)+$/);
      expect(typeof spec.payload.safeParse).toBe('function');
    }
  });

  it('narrows names without trusting the prototype chain', () => {
    expect(isCallName('system.info')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isEventName('system.log')).toBe(true);
    expect(isEventName('__proto__')).toBe(false);
  });
});
