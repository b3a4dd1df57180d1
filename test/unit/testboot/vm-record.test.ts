import { describe, expect, it } from 'vitest';
import { VmRecord } from '../../../src-main/testboot/vm-record';

describe('VmRecord', () => {
  it('hands back the MACs of test boots whose process died on this host, once', () => {
    const store = new Map<string, unknown>();
    const settings = {
      get: <T>(key: string): T | undefined => store.get(key) as T | undefined,
      set: (key: string, value: unknown): void => void store.set(key, value),
    };
    const alive = new Set([10]);
    const here = new VmRecord(settings, 'here', (pid) => alive.has(pid));
    const there = new VmRecord(settings, 'there', () => false);
    here.add('52:54:00:00:00:01', 10);
    here.add('52:54:00:00:00:02', 20);
    there.add('52:54:00:00:00:03', 30);
    expect(here.abandoned()).toEqual(['52:54:00:00:00:02']);
    expect(here.abandoned()).toEqual([]);
    here.remove('52:54:00:00:00:01');
    alive.clear();
    expect(here.abandoned()).toEqual([]);
    expect(there.abandoned()).toEqual(['52:54:00:00:00:03']);
  });
});
