/**
 * Naming an uploaded disk image: a name suggested from the file's name, and the rule
 * (`[a-z0-9][a-z0-9._-]*`, at most 63) checked as the person types, in the import's own words.
 */
import { CUSTOM_NAME } from '../../../src-shared/deploy/image-kinds';

const PACKING = /(\.(gz|xz|bz2|zst|zstd|tar|tgz|txz|img|dd|raw|iso))+$/i;

/** suggestName turns `Packer-Jammy.dd.gz` into `packer-jammy` (empty when nothing is left). */
export function suggestName(fileName: string): string {
  return fileName
    .replace(PACKING, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/[-._]+$/, '');
}

/** nameProblem says what is wrong with a name (undefined when it can be imported as is). */
export function nameProblem(name: string, taken: readonly string[]): string | undefined {
  const bare = name.startsWith('custom/') ? name.slice('custom/'.length) : name;
  if (bare === '') return 'Give the image a name.';
  if (bare.length > 63) return 'A name has at most 63 characters.';
  if (!CUSTOM_NAME.test(bare))
    return 'Use lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit.';
  if (taken.includes(`custom/${bare}`))
    return `custom/${bare} already exists; choose another name or delete that image first.`;
  return undefined;
}
