import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath, findQemu } from '../../../src-main/testboot/qemu-binary';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('findQemu', () => {
  it('finds an executable qemu-system-x86_64 on PATH', () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.remove);
    const qemu = join(tmp.path, 'qemu-system-x86_64');
    writeFileSync(qemu, '#!/bin/sh\n');
    expect(findOnPath('qemu-system-x86_64', `/nonexistent:${tmp.path}`, 'linux')).toBeUndefined();
    chmodSync(qemu, 0o755);
    expect(findQemu({ PATH: `/nonexistent:${tmp.path}` }, 'linux')).toBe(qemu);
  });

  it('names the package to install for each system when QEMU is missing', () => {
    const missing = (platform: NodeJS.Platform): string => {
      try {
        findQemu({ PATH: '/nonexistent' }, platform);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('QEMU was found');
    };
    expect(missing('linux')).toBe(
      'A test boot needs QEMU, and qemu-system-x86_64 is not on PATH; install qemu-system-x86 and ovmf (Debian, Ubuntu) or qemu-system-x86 and edk2-ovmf (Fedora).',
    );
    expect(missing('darwin')).toMatch(/brew install qemu/);
    expect(missing('win32')).toMatch(/installer from qemu\.org/);
  });
});
