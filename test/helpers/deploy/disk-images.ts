/**
 * Small fake disk images for import and installer tests: an MBR boot signature (or a GPT header)
 * at the start and deterministic bytes after it, compressed or archived with the real tools.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** fakeDisk returns `size` bytes that look like a disk image (MBR signature or GPT header). */
export function fakeDisk(size: number, label: 'mbr' | 'gpt' = 'mbr', seed = 'disk'): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  // Deterministic, poorly compressible bytes in the first 256 KiB; zeros after (as real images).
  for (let at = 1024; at < Math.min(size, 256 * 1024); at += block.length) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, at);
  }
  out[510] = 0x55;
  out[511] = 0xaa;
  if (label === 'gpt') out.write('EFI PART', 512, 'latin1');
  return out;
}

/** The file forms an image is imported as. */
export type Packing = 'raw' | 'gz' | 'xz' | 'bz2' | 'zst' | 'tar' | 'tgz' | 'txz';

/** pack writes `disk` as `<dir>/disk.img` and returns the path of it packed as asked. */
export function pack(dir: string, disk: Buffer, packing: Packing, member = 'disk.img'): string {
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, member);
  writeFileSync(raw, disk);
  const run = (cmd: string, args: string[]): void => void execFileSync(cmd, args, { cwd: dir });
  switch (packing) {
    case 'raw':
      return raw;
    case 'gz':
      run('gzip', ['-kf', member]);
      return `${raw}.gz`;
    case 'xz':
      run('xz', ['-kf', '-T1', member]);
      return `${raw}.xz`;
    case 'bz2':
      run('bzip2', ['-kf', member]);
      return `${raw}.bz2`;
    case 'zst':
      run('zstd', ['-qf', member]);
      return `${raw}.zst`;
    case 'tar':
      run('tar', ['-cf', 'disk.tar', member]);
      return join(dir, 'disk.tar');
    case 'tgz':
      run('tar', ['-czf', 'disk.tar.gz', member]);
      return join(dir, 'disk.tar.gz');
    case 'txz':
      run('tar', ['-cJf', 'disk.tar.xz', member]);
      return join(dir, 'disk.tar.xz');
  }
}
