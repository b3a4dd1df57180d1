import { describe, expect, it } from 'vitest';
import { parseConfigName } from '../../../../src-main/boot/config/config-names';

describe('parseConfigName', () => {
  it.each([
    ['pxelinux.cfg/01-52-54-00-12-34-56', { kind: 'pxelinux', mac: '52:54:00:12:34:56' }],
    ['pxelinux.cfg/01-52-54-00-AB-CD-EF', { kind: 'pxelinux', mac: '52:54:00:ab:cd:ef' }],
    ['pxelinux.cfg/default', { kind: 'pxelinux', mac: undefined }],
    ['pxelinux.cfg/default-amd64', { kind: 'pxelinux', mac: undefined }],
    ['pxelinux.cfg/0A4D0091', undefined],
    ['pxelinux.cfg/564d1a2b-0000-0000-0000-000000000000', undefined],
    ['grub/grub.cfg', { kind: 'grub-preloader' }],
    [
      'grub/grub.cfg-52:54:00:12:34:56',
      { kind: 'grub', mac: '52:54:00:12:34:56', arch: undefined },
    ],
    [
      'grub/grub.cfg-01-52-54-00-12-34-56',
      { kind: 'grub', mac: '52:54:00:12:34:56', arch: undefined },
    ],
    ['grub/grub.cfg-default-x86_64', { kind: 'grub', mac: undefined, arch: 'amd64' }],
    ['grub/grub.cfg-default-powerpc', { kind: 'grub', mac: undefined, arch: 'ppc64el' }],
    ['grub/grub.cfg-default', { kind: 'grub', mac: undefined, arch: undefined }],
    ['boot.ipxe', { kind: 'ipxe-chain' }],
    ['ipxe.cfg-52-54-00-12-34-56', { kind: 'ipxe', mac: '52:54:00:12:34:56' }],
    ['ipxe.cfg-default', { kind: 'ipxe', mac: undefined }],
    [
      'cloud-init/52:54:00:12:34:56/user-data',
      { kind: 'cloud-init', mac: '52:54:00:12:34:56', file: 'user-data' },
    ],
    ['cloud-init/default/meta-data', { kind: 'cloud-init', mac: undefined, file: 'meta-data' }],
    ['cloud-init/zz/meta-data', undefined],
    ['lpxelinux.0', undefined],
  ])('%s', (name, expected) => {
    expect(parseConfigName(name)).toEqual(expected);
  });
});
