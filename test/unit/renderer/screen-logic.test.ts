import { describe, expect, it } from 'vitest';
import { parseNicList } from '../../../src-renderer/screens/esxi/nic-list';
import { filterPackages } from '../../../src-renderer/screens/manifests/package-table';
import { imageVersions } from '../../../src-renderer/screens/manifests/image-versions';
import type { ImageView } from '../../../src-shared/contract/images';

describe('parseNicList', () => {
  it('reads JSON, NAME MAC lines and esxcli output', () => {
    expect(parseNicList('[{"name":"vmnic0","mac":"00:16:3e:00:00:01"}]')).toEqual({
      nics: [{ name: 'vmnic0', mac: '00:16:3e:00:00:01' }],
    });
    const esxcli = [
      'Name    PCI Device    Driver  MAC Address',
      '------  ------------  ------  -----------------',
      'vmnic4  0000:01:00.0  ixgben  00:16:3E:00:00:01',
    ].join('\n');
    expect(parseNicList(esxcli)).toEqual({ nics: [{ name: 'vmnic4', mac: '00:16:3E:00:00:01' }] });
  });

  it('says which line or item is wrong', () => {
    expect(parseNicList('vmnic0 00:16:3e:00:00:01\nvmnic1')).toEqual({
      error: 'Line 2 of the NIC list has no MAC address; write "vmnic0 52:54:00:12:34:56".',
    });
    expect(parseNicList('[{"name":"vmnic0"}]')).toHaveProperty('error');
    expect(parseNicList('[oops')).toHaveProperty('error');
  });
});

describe('filterPackages', () => {
  const rows = [
    { package: 'openssl', pkgVersion: '3.0.2' },
    { package: 'bash', pkgVersion: '5.1-6ubuntu1' },
  ];
  const lowered = rows.map((r) => `${r.package}\u0000${r.pkgVersion}`.toLowerCase());
  it('matches names and versions case-insensitively and keeps all for an empty term', () => {
    expect(filterPackages(rows, lowered, 'SSL').map((r) => r.package)).toEqual(['openssl']);
    expect(filterPackages(rows, lowered, 'ubuntu').map((r) => r.package)).toEqual(['bash']);
    expect(filterPackages(rows, lowered, '  ')).toEqual(rows);
  });
});

describe('imageVersions', () => {
  const file = (ftype: string) => ({ ftype, sha256: 'x', size: 1, path: '/p' });
  const image = (subarch: string, versions: string[], withManifest = true): ImageView => ({
    os: 'ubuntu',
    release: 'jammy',
    arch: 'amd64',
    subarch,
    kflavor: 'generic',
    label: 'stable',
    product: `p-${subarch}`,
    kind: 'image',
    versions: versions.map((version) => ({
      version,
      complete: true,
      files: withManifest ? [file('squashfs'), file('manifest')] : [file('squashfs')],
      source: { name: 'mirror', url: 'http://127.0.0.1/' },
    })),
  });
  it('lists each image version with a manifest once, newest first', () => {
    const refs = imageVersions([
      image('ga-22.04', ['20250701', '20250601']),
      image('hwe-22.04', ['20250701']),
      image('hwe-24.04', ['20250801'], false),
    ]);
    expect(refs.map((r) => r.ref)).toEqual([
      'ubuntu/jammy/amd64@20250701',
      'ubuntu/jammy/amd64@20250601',
    ]);
  });
});
