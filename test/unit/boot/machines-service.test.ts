import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { EventBus } from '../../../src-main/event-bus';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { MachinesService } from '../../../src-main/boot/machines-service';
import { LAST_START_SETTING } from '../../../src-main/boot/boot-service';
import type { BootLastStart } from '../../../src-shared/contract/boot';
import type { NetworkInterface } from '../../../src-shared/contract/system';
import type { EventPayload } from '../../../src-shared/contract/index';

const NOW = 1_700_000_000_000;
const MAC = '52:54:00:12:34:56';

const nic = (name: string, address?: string, prefixLength = 24): NetworkInterface => ({
  name,
  kind: 'wired',
  kindReason: 'test',
  mac: '02:00:00:00:00:01',
  mtu: 1500,
  up: true,
  addresses: address === undefined ? [] : [{ family: 'IPv4', address, prefixLength }],
  warning: null,
});

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function make(
  last: BootLastStart | undefined,
  nics: NetworkInterface[] = [nic('enp3s0', '10.0.0.1')],
): { machines: MachinesService; events: EventBus; db: Database } {
  db = openDatabase(':memory:');
  const settings = new SettingsStore(db);
  if (last !== undefined) settings.set(LAST_START_SETTING, last);
  const events = new EventBus();
  const machines = new MachinesService({
    db,
    settings,
    events,
    interfaces: () => nics,
    now: () => NOW,
  });
  return { machines, events, db };
}

const full = (range: string | null = null): BootLastStart => ({
  interfaceName: 'enp3s0',
  address: null,
  dhcp: 'full',
  range,
});

describe('MachinesService', () => {
  it('checks against the last full-DHCP start: its interface now, its range or the default one', () => {
    expect(make(full('10.0.0.50-10.0.0.60')).machines.list().setup).toEqual({
      interfaceName: 'enp3s0',
      address: '10.0.0.1',
      subnet: '10.0.0.0/24',
      range: '10.0.0.50-10.0.0.60',
    });
    db?.close();
    expect(make(full()).machines.list().setup?.range).toBe('10.0.0.128-10.0.0.254');
  });

  it('says why there is no setup: never full DHCP, or the interface gone or without IPv4', () => {
    const proxy = make({ ...full(), dhcp: 'proxy' }).machines;
    expect(proxy.list()).toMatchObject({
      setup: null,
      setupProblem: expect.stringMatching(/has not served full DHCP yet/),
    });
    expect(() => proxy.reserve(MAC, '10.0.0.5')).toThrow(/has not served full DHCP yet/);
    db?.close();
    expect(make(full(), []).machines.list().setupProblem).toMatch(
      /^Full DHCP last ran on enp3s0, which is gone now/,
    );
    db?.close();
    expect(() => make(full(), [nic('enp3s0')]).machines.reserve(MAC, '10.0.0.5')).toThrow(
      /which has no IPv4 address now/,
    );
  });

  it('lists leases by address with reserved and expired flags, and reservations off the subnet as unused', () => {
    const { machines, db: d } = make(full());
    const leases = new LeaseStore(d, 'enp3s0');
    leases.put(
      { ip: '10.0.0.130', mac: MAC, state: 'bound', hostname: 'a', expiresAt: NOW + 1 },
      NOW,
    );
    leases.put(
      { ip: '10.0.0.20', mac: '52:54:00:00:00:02', state: 'bound', hostname: null, expiresAt: NOW },
      NOW,
    );
    machines.reserve(MAC, '10.0.0.130');
    // Stored earlier, on another subnet: kept, shown, not used.
    d.prepare('INSERT INTO dhcp_reservations (mac, ip, created_at) VALUES (?, ?, ?)').run(
      '52:54:00:00:00:09',
      '192.168.1.9',
      NOW,
    );
    const view = machines.list();
    expect(view.leases.map((l) => [l.ip, l.reserved, l.expired])).toEqual([
      ['10.0.0.20', false, true],
      ['10.0.0.130', true, false],
    ]);
    expect(view.reservations.map((r) => [r.ip, r.inPool, r.unused])).toEqual([
      ['10.0.0.130', true, false],
      ['192.168.1.9', false, true],
    ]);
  });

  it('announces reservations and lease changes as machines.changed', () => {
    const { machines, events } = make(full());
    const seen: EventPayload<'machines.changed'>[] = [];
    events.subscribe((name, payload) => {
      if (name === 'machines.changed') seen.push(payload as EventPayload<'machines.changed'>);
    });
    machines.reserve(MAC, '10.0.0.140');
    machines.unreserve(MAC);
    const step = {
      protocol: 'dhcp' as const,
      at: new Date(NOW).toISOString(),
      client: '10.0.0.140',
      mac: MAC,
      detail: '',
    };
    events.emit('boot.serve', { ...step, stage: 'dhcp-offer' });
    events.emit('boot.serve', { ...step, stage: 'dhcp-ack' });
    events.emit('boot.serve', { ...step, stage: 'dhcp-release' });
    expect(seen).toEqual([
      { cause: 'reserved', mac: MAC },
      { cause: 'unreserved', mac: MAC },
      { cause: 'lease', mac: MAC },
      { cause: 'lease', mac: MAC },
    ]);
  });
});
