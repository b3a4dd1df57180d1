import { describe, expect, it } from 'vitest';
import { archDefaults, archOfDefaultKey } from '../../../src-renderer/screens/boot/arch-defaults';
import type { BootChoice } from '../../../src-shared/boot/choices';

const choice = (mac: string, image: string | null): BootChoice => ({
  mac,
  action: image === null ? 'local' : 'image',
  image,
  hostname: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('per-architecture defaults on the Boot server screen', () => {
  it('has a row per architecture of the stored images and of the stored defaults', () => {
    const bootable = [
      'ubuntu/jammy/amd64',
      'ubuntu/jammy/amd64/ga-22.04',
      'ubuntu/jammy/arm64',
      'ubuntu/jammy/arm64/ga-22.04',
    ];
    const rows = archDefaults(
      [
        choice('default', null),
        choice('default-arm64', 'ubuntu/jammy/arm64'),
        choice('default-ppc64el', null),
        choice('52:54:00:00:00:01', 'ubuntu/jammy/amd64'),
      ],
      bootable,
    );
    expect(rows.map((r) => [r.arch, r.key, r.choice?.image ?? r.choice?.action])).toEqual([
      ['amd64', 'default-amd64', undefined],
      ['arm64', 'default-arm64', 'ubuntu/jammy/arm64'],
      ['ppc64el', 'default-ppc64el', 'local'],
    ]);
    expect(rows[1]?.images).toEqual(['ubuntu/jammy/arm64', 'ubuntu/jammy/arm64/ga-22.04']);
    expect(rows[2]?.images).toEqual([]);
  });

  it('tells per-architecture default keys from `default` and MACs', () => {
    expect(archOfDefaultKey('default-arm64')).toBe('arm64');
    expect(archOfDefaultKey('default')).toBeUndefined();
    expect(archOfDefaultKey('52:54:00:00:00:01')).toBeUndefined();
  });
});
