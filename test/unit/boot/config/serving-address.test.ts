import { describe, expect, it } from 'vitest';
import { maxBlksizeForMtu, pickServingAddress } from '../../../../src-main/boot/serving-address';
import type { NetworkInterface } from '../../../../src-shared/contract/system';

const nic = (over: Partial<NetworkInterface>): NetworkInterface => ({
  name: 'eth0',
  kind: 'wired',
  kindReason: 'Ethernet',
  mac: '52:54:00:12:34:56',
  mtu: 1500,
  up: true,
  addresses: [{ family: 'IPv4', address: '10.0.0.2', prefixLength: 24 }],
  warning: null,
  ...over,
});
const nics = [
  nic({}),
  nic({
    name: 'wlan0',
    kind: 'wireless',
    mtu: 1400,
    addresses: [{ family: 'IPv4', address: '192.168.1.5', prefixLength: 24 }],
    warning: 'Wi-Fi cannot PXE boot clients.',
  }),
  nic({
    name: 'tun0',
    kind: 'vpn',
    addresses: [{ family: 'IPv6', address: 'fd00::1', prefixLength: 64 }],
  }),
];

describe('pickServingAddress', () => {
  it('picks the IPv4 address and MTU of the named interface', () => {
    expect(pickServingAddress({ interfaceName: 'eth0' }, nics)).toEqual({
      address: '10.0.0.2',
      interfaceName: 'eth0',
      kind: 'wired',
      mtu: 1500,
      warnings: [],
    });
    expect(maxBlksizeForMtu(1500)).toBe(1468);
    expect(maxBlksizeForMtu(65536)).toBe(65464);
  });

  it('warns about Wi-Fi and finds the interface of an address', () => {
    expect(pickServingAddress({ address: '192.168.1.5' }, nics)).toMatchObject({
      interfaceName: 'wlan0',
      mtu: 1400,
      warnings: ['wlan0: Wi-Fi cannot PXE boot clients.'],
    });
  });

  it.each([
    [{}, /exactly one of --interface NAME or --address IP/],
    [{ interfaceName: 'eth0', address: '10.0.0.2' }, /exactly one/],
    [{ interfaceName: 'eth9' }, /no network interface named eth9/],
    [{ interfaceName: 'tun0' }, /has no IPv4 address/],
    [{ address: 'nonsense' }, /not an IP address/],
    [{ address: '0.0.0.0' }, /never on all of them/],
  ])('refuses %j', (choice, message) => {
    expect(() => pickServingAddress(choice, nics)).toThrow(message);
  });
});
