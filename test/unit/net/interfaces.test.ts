import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { classify, readSysfs } from '../../../src-main/net/interfaces';
import { makeTempDir } from '../../helpers/temp-dir';

const dirs: { remove: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

/** fakeNic writes the sysfs files Linux has for an interface. */
function fakeNic(
  root: string,
  name: string,
  files: Record<string, string>,
  opts: { device?: boolean; dirs?: string[] } = {},
): void {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), `${v}\n`);
  for (const d of opts.dirs ?? []) mkdirSync(join(dir, d));
  if (opts.device === true) {
    mkdirSync(join(root, '..', 'devices', name, 'driver-e1000e'), { recursive: true });
    symlinkSync(join(root, '..', 'devices', name), join(dir, 'device'));
  }
}

describe('interface kinds from sysfs', () => {
  it('tells Ethernet, Wi-Fi, bridges, tunnels, taps, WireGuard and loopback apart', () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    const root = join(tmp.path, 'net');
    fakeNic(
      root,
      'enp3s0',
      { type: '1', address: 'aa:bb:cc:dd:ee:01', mtu: '1500', operstate: 'up' },
      { device: true },
    );
    fakeNic(
      root,
      'wlp2s0',
      { type: '1', address: 'aa:bb:cc:dd:ee:02', mtu: '1500', uevent: 'DEVTYPE=wlan' },
      { device: true, dirs: ['phy80211'] },
    );
    fakeNic(
      root,
      'docker0',
      { type: '1', mtu: '1500', uevent: 'DEVTYPE=bridge' },
      { dirs: ['bridge'] },
    );
    fakeNic(root, 'tun0', { type: '65534', tun_flags: '0x1001' });
    fakeNic(root, 'tap0', { type: '1', tun_flags: '0x1002' });
    fakeNic(root, 'wg0', { type: '65534', uevent: 'DEVTYPE=wireguard' });
    fakeNic(root, 'lo', { type: '772', mtu: '65536' });
    fakeNic(root, 'veth12ab', { type: '1', uevent: 'DEVTYPE=veth' });

    const kinds = Object.fromEntries(
      ['enp3s0', 'wlp2s0', 'docker0', 'tun0', 'tap0', 'wg0', 'lo', 'veth12ab'].map((n) => [
        n,
        classify(n, readSysfs(n, root)).kind,
      ]),
    );
    expect(kinds).toEqual({
      enp3s0: 'wired',
      wlp2s0: 'wireless',
      docker0: 'virtual',
      tun0: 'vpn',
      tap0: 'virtual',
      wg0: 'vpn',
      lo: 'loopback',
      veth12ab: 'virtual',
    });
    expect(readSysfs('enp3s0', root)).toMatchObject({
      mac: 'aa:bb:cc:dd:ee:01',
      mtu: 1500,
      operstate: 'up',
      isPhysical: true,
    });
  });

  it('falls back to names where sysfs is missing (macOS, Windows)', () => {
    const none = { isWireless: false, isBridge: false, isPhysical: false };
    expect(classify('utun3', none).kind).toBe('vpn');
    expect(classify('vboxnet0', none).kind).toBe('virtual');
    expect(classify('en0', { ...none, isPhysical: true }).kind).toBe('wired');
  });
});
