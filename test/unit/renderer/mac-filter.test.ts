import { describe, expect, it } from 'vitest';
import { filterStepsByMac, macFilterText } from '../../../src-renderer/screens/boot/mac-filter';
import type { BootStep } from '../../../src-shared/boot/events';

const step = (mac: string | null, stage: string): BootStep => ({
  at: 0,
  mac,
  clientIp: '10.0.0.5',
  protocol: 'dhcp',
  stage,
  detail: '',
});

describe('the live log MAC filter', () => {
  const steps = [step('52:54:00:ab:cd:01', 'a'), step('52:54:00:ab:cd:02', 'b'), step(null, 'c')];

  it('keeps everything when empty, and the machines whose MAC contains what was typed', () => {
    expect(filterStepsByMac(steps, '  ')).toBe(steps);
    expect(filterStepsByMac(steps, 'AB-CD-02').map((s) => s.stage)).toEqual(['b']);
    expect(filterStepsByMac(steps, '52:54').map((s) => s.stage)).toEqual(['a', 'b']);
    expect(filterStepsByMac(steps, 'ff')).toEqual([]);
  });

  it('spells typed MACs like stored ones', () => {
    expect(macFilterText(' 52-54-00-AB ')).toBe('52:54:00:ab');
  });
});
