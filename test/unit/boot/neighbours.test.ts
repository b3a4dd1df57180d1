import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linuxNeighbours, parseProcNetArp } from '../../../src-main/boot/neighbours';

// /proc/net/arp as Linux prints it: a header, then one padded row per neighbour.
const TABLE = `IP address       HW type     Flags       HW address            Mask     Device
10.77.0.169      0x1         0x2         52:54:00:77:41:04     *        br0
10.77.0.170      0x1         0x0         00:00:00:00:00:00     *        br0
10.77.0.171      0x1         0x6         52:54:00:77:41:06     *        br0
10.77.0.172      0x1         0x2         52:54:00:77:41:08     *        eth1
10.77.0.173      0x1         0x2         52:54:00:AA:41:0A     *        br0
`;

describe('parseProcNetArp', () => {
  it('keeps complete entries of the serving interface, MACs in lower case', () => {
    expect(parseProcNetArp(TABLE, 'br0')).toEqual(
      new Map([
        ['10.77.0.169', '52:54:00:77:41:04'],
        ['10.77.0.171', '52:54:00:77:41:06'],
        ['10.77.0.173', '52:54:00:aa:41:0a'],
      ]),
    );
  });

  it('drops incomplete entries (flags without 0x2) and other interfaces', () => {
    const table = parseProcNetArp(TABLE, 'br0');
    expect(table.has('10.77.0.170')).toBe(false);
    expect(table.has('10.77.0.172')).toBe(false);
    expect(parseProcNetArp(TABLE, 'eth1').get('10.77.0.172')).toBe('52:54:00:77:41:08');
  });

  it('reads nothing from a header alone or from text that is not the table', () => {
    expect(parseProcNetArp(TABLE.split('\n')[0] ?? '', 'br0').size).toBe(0);
    expect(parseProcNetArp('garbage\nnot a row\n\n', 'br0').size).toBe(0);
  });
});

describe('linuxNeighbours', () => {
  it('looks an address up in the file each time, so a new holder is seen at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labboot-arp-'));
    try {
      const file = join(dir, 'arp');
      writeFileSync(file, TABLE);
      const lookup = linuxNeighbours('br0', file);
      expect(lookup('10.77.0.169')).toBe('52:54:00:77:41:04');
      writeFileSync(file, TABLE.replace('52:54:00:77:41:04', '52:54:00:77:41:02'));
      expect(lookup('10.77.0.169')).toBe('52:54:00:77:41:02');
      expect(lookup('10.77.0.199')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers undefined where there is no table (not Linux), so DHCP decides alone', () => {
    expect(linuxNeighbours('br0', '/nonexistent/arp')('10.77.0.169')).toBeUndefined();
  });
});
