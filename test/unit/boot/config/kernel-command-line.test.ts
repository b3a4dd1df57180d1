/**
 * The kernel command line per release: `ip=::::HOST:BOOTIF:dhcp` for every release (as MAAS main
 * writes it; systemd-network-generator in 26.04 needs the DHCP type, initramfs-tools reads it as its
 * default), `apparmor=0` only before jammy, IPv6 servers get `ip=off ip6=dhcp`, and the admin's
 * extra options come last.
 */
import { describe, expect, it } from 'vitest';
import {
  kernelCommandLine,
  type KernelCommandLineInput,
} from '../../../../src-main/boot/config/kernel-command-line';

const seed = 'http://10.0.0.2:5248/cloud-init/52:54:00:12:34:56/';

function input(
  release: string,
  change: Partial<KernelCommandLineInput> = {},
): KernelCommandLineInput {
  return {
    serverHost: '10.0.0.2',
    httpPort: 5248,
    squashfsPath: `4e30804/ubuntu/amd64/ga/${release}/stable/squashfs`,
    hostname: 'node1',
    os: 'ubuntu',
    release,
    arch: 'amd64',
    subarch: 'generic',
    seedUrl: seed,
    ...change,
  };
}

const line = (i: KernelCommandLineInput): string => kernelCommandLine(i).join(' ');

const tail = `cc:{'datasource_list': ['NoCloud']}end_cc ds=nocloud-net;s=${seed} ro overlayroot=tmpfs overlayroot_cfgdisk=disabled`;

describe('kernelCommandLine', () => {
  it.each([
    ['focal', ' apparmor=0'],
    ['jammy', ''],
    ['noble', ''],
    ['resolute', ''],
  ])('writes ip=::::HOST:BOOTIF:dhcp for %s', (release, apparmor) => {
    expect(line(input(release))).toBe(
      `nomodeset root=squash:http://10.0.0.2:5248/images/4e30804/ubuntu/amd64/ga/${release}/stable/squashfs ip=::::node1:BOOTIF:dhcp ip6=off ${tail}${apparmor}`,
    );
  });

  it('lets an IPv6 server configure IPv6 only, with the address in brackets', () => {
    expect(line(input('resolute', { serverHost: 'fd00::2' }))).toBe(
      `nomodeset root=squash:http://[fd00::2]:5248/images/4e30804/ubuntu/amd64/ga/resolute/stable/squashfs ip=off ip6=dhcp ${tail}`,
    );
  });

  it('boots a tarball root without the overlay options', () => {
    expect(line(input('noble', { squashfsPath: 'abc1234/root.tgz' }))).toBe(
      `nomodeset root=tar:http://10.0.0.2:5248/images/abc1234/root.tgz ip=::::node1:BOOTIF:dhcp ip6=off cc:{'datasource_list': ['NoCloud']}end_cc ds=nocloud-net;s=${seed}`,
    );
  });

  it('appends the extra options after the arch options, in the order given', () => {
    const opts = kernelCommandLine(
      input('focal', {
        arch: 'armhf',
        subarch: 'generic',
        extraOptions: ['console=ttyS0,115200', 'systemd.log_level=debug'],
      }),
    );
    expect(opts.slice(-4)).toEqual([
      'apparmor=0',
      'console=ttyAMA0',
      'console=ttyS0,115200',
      'systemd.log_level=debug',
    ]);
  });
});
