import { qualifiedName, type ManifestEntry } from './parse';

/** ManifestDiff lists what changed between two package manifests (cli.md `manifest diff` shape). */
export interface ManifestDiff {
  added: { package: string; pkgVersion: string }[];
  removed: { package: string; pkgVersion: string }[];
  changed: { package: string; from: string; to: string }[];
}

/** diffManifests compares `a` (old) with `b` (new) by qualified package name, sorted by name. */
export function diffManifests(
  a: readonly ManifestEntry[],
  b: readonly ManifestEntry[],
): ManifestDiff {
  const before = new Map(a.map((e) => [qualifiedName(e), e.version]));
  const after = new Map(b.map((e) => [qualifiedName(e), e.version]));
  const diff: ManifestDiff = { added: [], removed: [], changed: [] };
  for (const [pkg, to] of after) {
    const from = before.get(pkg);
    if (from === undefined) diff.added.push({ package: pkg, pkgVersion: to });
    else if (from !== to) diff.changed.push({ package: pkg, from, to });
  }
  for (const [pkg, from] of before) {
    if (!after.has(pkg)) diff.removed.push({ package: pkg, pkgVersion: from });
  }
  const byName = (x: { package: string }, y: { package: string }): number =>
    x.package < y.package ? -1 : x.package > y.package ? 1 : 0;
  diff.added.sort(byName);
  diff.removed.sort(byName);
  diff.changed.sort(byName);
  return diff;
}
