import type { ImageView } from '../../../src-shared/contract/images';

/** ImageVersionRef is one stored image version a manifest belongs to: `os/release/arch@version`. */
export interface ImageVersionRef {
  ref: string;
  image: string;
  version: string;
}

/**
 * imageVersions lists every stored image version once, newest first per image. Kernels of one
 * release share a squashfs (and so a manifest), so the subarch is not part of the reference.
 */
export function imageVersions(images: readonly ImageView[]): ImageVersionRef[] {
  const seen = new Map<string, ImageVersionRef>();
  for (const i of images) {
    if (i.kind !== 'image') continue;
    const image = `${i.os}/${i.release}/${i.arch}`;
    for (const v of i.versions) {
      if (!v.files.some((f) => f.ftype === 'manifest')) continue;
      const ref = `${image}@${v.version}`;
      if (!seen.has(ref)) seen.set(ref, { ref, image, version: v.version });
    }
  }
  return [...seen.values()].sort(
    (a, b) => a.image.localeCompare(b.image) || b.version.localeCompare(a.version),
  );
}
