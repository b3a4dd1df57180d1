import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  StreamFormatError,
  foldSubarch,
  indexPath,
  isSafeMirrorPath,
  mirrorBase,
  newestCompleteVersion,
  parseIndex,
  parseProducts,
  resolveInside,
} from '../../../src-main/sync/streams';

const fixtures = new URL('../../../../shared/spec/data/maas-test-fixtures/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8'));

describe('simplestreams parsing of the real MAAS fixtures', () => {
  it('reads the index: every products:1.0 entry with its path', () => {
    const entries = parseIndex(load('simplestreams_index.json'));
    expect(entries.map((e) => [e.contentId, e.path, e.products.length])).toEqual([
      [
        'com.ubuntu.maas:stable:1:bootloader-download',
        'streams/v1/com.ubuntu.maas:stable:1:bootloader-download.json',
        5,
      ],
      [
        'com.ubuntu.maas:stable:centos-bases-download',
        'streams/v1/com.ubuntu.maas:stable:centos-bases-download.json',
        2,
      ],
      [
        'com.ubuntu.maas:stable:v3:download',
        'streams/v1/com.ubuntu.maas:stable:v3:download.json',
        4,
      ],
    ]);
  });

  it('reads the Ubuntu products with identity, label and the newest complete version', () => {
    const products = parseProducts(load('simplestreams_ubuntu.json'));
    expect(
      products.map(
        (p) => `${p.os}/${p.release}/${p.arch}/${p.subarch} ${p.releaseVersion} ${p.label}`,
      ),
    ).toEqual([
      'ubuntu/jammy/amd64/ga-22.04 22.04 stable',
      'ubuntu/jammy/arm64/ga-22.04 22.04 stable',
      'ubuntu/noble/amd64/ga-24.04 24.04 stable',
      'ubuntu/noble/arm64/ga-24.04 24.04 stable',
    ]);
    const noble = products.find((p) => p.name.endsWith(':24.04:amd64:ga-24.04'));
    const v = noble && newestCompleteVersion(noble);
    expect(v?.version).toBe('20250709');
    expect(v?.items.find((i) => i.ftype === 'squashfs')).toMatchObject({
      path: 'noble/amd64/20250709/squashfs',
      size: 271732736,
    });
    // Attributes are flattened down to the item (products_exdata).
    expect(v?.items[0]?.attrs.release).toBe('noble');
  });

  it('keeps only the bootloaders MAAS supports (pxelinux is i386 only)', () => {
    const products = parseProducts(load('simplestreams_bootloaders.json'));
    expect(products.map((p) => `${p.bootloaderType}/${p.os}/${p.arch}`).sort()).toEqual([
      'open-firmware/grub-ieee1275/ppc64el',
      'pxe/pxelinux/i386',
      'uefi/grub-efi-signed/amd64',
      'uefi/grub-efi/arm64',
    ]);
    const pxe = products.find((p) => p.os === 'pxelinux');
    expect(pxe && newestCompleteVersion(pxe)?.version).toBe('20210203.0');
  });

  it('skips CentOS bases (not ephemeral-bootable)', () => {
    expect(parseProducts(load('simplestreams_centos.json'))).toEqual([]);
  });
});

describe('simplestreams rules', () => {
  it('folds non-generic kflavors into ga-/hwe- subarches, edge last', () => {
    expect(foldSubarch('ga-24.04', 'generic')).toBe('ga-24.04');
    expect(foldSubarch('ga-24.04', 'lowlatency')).toBe('ga-24.04-lowlatency');
    expect(foldSubarch('hwe-24.04-edge', 'lowlatency')).toBe('hwe-24.04-lowlatency-edge');
    expect(foldSubarch('generic', 'lowlatency')).toBe('generic');
    // Already folded by the stream: never a doubled suffix.
    expect(foldSubarch('ga-24.04-lowlatency', 'lowlatency')).toBe('ga-24.04-lowlatency');
    expect(foldSubarch('hwe-24.04-lowlatency-edge', 'lowlatency')).toBe(
      'hwe-24.04-lowlatency-edge',
    );
  });

  it('orders versions as plain strings and skips incomplete ones', () => {
    const [p] = parseProducts({
      products: {
        'x.stable:v3:boot:22.04:amd64:ga-22.04': {
          os: 'ubuntu',
          release: 'jammy',
          arch: 'amd64',
          subarch: 'ga-22.04',
          versions: Object.fromEntries(
            ['20250401', '20250401.1', '20250402'].map((v) => [
              v,
              {
                items: Object.fromEntries(
                  (v === '20250402'
                    ? ['boot-kernel']
                    : ['boot-kernel', 'boot-initrd', 'squashfs', 'manifest']
                  ).map((f) => [
                    f,
                    { ftype: f, path: `jammy/${v}/${f}`, sha256: 'a'.repeat(64), size: 1 },
                  ]),
                ),
              },
            ]),
          ),
        },
      },
    });
    expect(p && newestCompleteVersion(p)?.version).toBe('20250401.1');
  });

  it('refuses the whole stream when a name that reaches the disk is not a plain name', () => {
    const item = { ftype: 'boot-kernel', path: 'x/k', sha256: 'a'.repeat(64), size: 1 };
    const product = (over: Record<string, unknown> = {}, version = '1', itemName = 'k') => ({
      os: 'ubuntu',
      release: 'jammy',
      arch: 'amd64',
      subarch: 'ga-22.04',
      versions: { [version]: { items: { [itemName]: item } } },
      ...over,
    });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ 'p:v3:../x': product() }, /^product name "p:v3:\.\.\/x" is not a plain name/],
      [{ 'p:v3:x': product({}, '9/../../v') }, /^product p:v3:x: version name "9\/\.\.\/\.\.\/v"/],
      [{ 'p:v3:x': product({}, '..') }, /version name "\.\."/],
      [{ 'p:v3:x': product({}, '1', '../k') }, /item name "\.\.\/k" is not a plain name/],
      [{ 'p:v3:x': product({ os: '../../etc' }) }, /field "os" "\.\.\/\.\.\/etc"/],
      [{ 'p:v3:x': product({ subarch: 'ga/..' }) }, /field "subarch"/],
      [{ 'p:v3:x': product({ kflavor: 'a b' }) }, /field "kflavor"/],
      // Even a product LabBoot would skip may not carry one.
      [{ 'p:centos-bases:x': { versions: { '../1': {} } } }, /version name "\.\.\/1"/],
    ];
    for (const [products, message] of cases) {
      expect(() => parseProducts({ products })).toThrow(message);
    }
    expect(parseProducts({ products: { 'p:v3:x': product({}, '20250401.1_b+2~c') } })).toHaveLength(
      1,
    );
  });

  it('finds the mirror root and index of a source URL', () => {
    expect(mirrorBase('http://h/m/streams/v1/index.sjson')).toBe('http://h/m/');
    expect(mirrorBase('http://h/m')).toBe('http://h/m/');
    expect(indexPath('http://h/m/', true)).toBe('streams/v1/index.sjson');
    expect(indexPath('http://h/m/', false)).toBe('streams/v1/index.json');
    expect(indexPath('http://h/m/streams/v1/index.json', true)).toBe('streams/v1/index.json');
  });

  it('refuses hostile item paths and malformed items', () => {
    for (const p of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'http://evil/x', 'a//b', '']) {
      expect(isSafeMirrorPath(p)).toBe(false);
    }
    const doc = (item: unknown) => ({
      products: {
        'p:v3:x': {
          os: 'ubuntu',
          release: 'r',
          arch: 'a',
          subarch: 's',
          versions: { '1': { items: { k: item } } },
        },
      },
    });
    expect(() =>
      parseProducts(doc({ ftype: 'boot-kernel', path: '../x', sha256: 'a'.repeat(64), size: 1 })),
    ).toThrow(/unsafe/);
    expect(() =>
      parseProducts(doc({ ftype: 'boot-kernel', path: 'x', sha256: 'zz', size: 1 })),
    ).toThrow(/sha256/);
    expect(() =>
      parseProducts(doc({ ftype: 'boot-kernel', path: 'x', sha256: 'a'.repeat(64), size: -1 })),
    ).toThrow(/size/);
    expect(() => parseProducts([])).toThrow(StreamFormatError);
    expect(() =>
      parseIndex({ format: 'index:1.0', index: { x: { datatype: 'image-ids', path: '/abs' } } }),
    ).toThrow(/path/);
  });
});

describe('mirror paths', () => {
  it('refuses percent-encoded dot segments, which URL resolution would climb with', () => {
    expect(isSafeMirrorPath('jammy/%2e%2e/%2E%2e/etc/passwd')).toBe(false);
    expect(isSafeMirrorPath('jammy/%2e/squashfs')).toBe(false);
    expect(isSafeMirrorPath('jammy/amd64/20250701/squashfs')).toBe(true);
    expect(() => resolveInside('file:///media/usb/stable/', 'a/%2e%2e/%2e%2e/x')).toThrow(
      'names a file outside the mirror',
    );
    expect(
      resolveInside(
        'file:///media/usb/stable/',
        'streams/v1/com.ubuntu.maas:stable:v3:download.sjson',
      ),
    ).toBe('file:///media/usb/stable/streams/v1/com.ubuntu.maas:stable:v3:download.sjson');
  });
});
