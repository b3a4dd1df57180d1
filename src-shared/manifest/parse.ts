/**
 * Parsing of `squashfs.manifest`: the `dpkg-query --show` output written when the image was built,
 * one package per line as `name[:arch]<TAB>version` (simplestreams spec §g).
 */

/** ManifestEntry is one installed package of an image. */
export interface ManifestEntry {
  name: string;
  /** Multi-arch qualifier (`amd64` in `bind9-libs:amd64`), or '' when the line has none. */
  arch: string;
  version: string;
}

/** ManifestParseError says which line of a manifest is malformed and why. */
export class ManifestParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ManifestParseError';
  }
}

/** Limits against hostile input: a real manifest has a few thousand short lines. */
export const manifestLimits = { maxLines: 100_000, maxLineLength: 512 } as const;

// Debian policy §5.6.1 (package names) and §5.6.12 (versions); arch names are lowercase words.
const namePattern = /^[a-z0-9][a-z0-9+.-]*$/;
const archPattern = /^[a-z0-9][a-z0-9-]*$/;
const versionPattern = /^[A-Za-z0-9.+~:-]+$/;

/** parseManifest turns manifest text into entries; throws ManifestParseError on the first bad line. */
export function parseManifest(text: string): ManifestEntry[] {
  const lines = text.split('\n');
  if (lines.length > manifestLimits.maxLines + 1) {
    throw new ManifestParseError(
      manifestLimits.maxLines + 1,
      'too many lines for a package manifest',
    );
  }
  const out: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const n = i + 1;
    if (line.length > manifestLimits.maxLineLength)
      throw new ManifestParseError(n, 'line too long');
    const tab = line.indexOf('\t');
    if (tab < 0) throw new ManifestParseError(n, 'expected "name<TAB>version"');
    const qualified = line.slice(0, tab);
    const version = line.slice(tab + 1);
    const colon = qualified.indexOf(':');
    const name = colon < 0 ? qualified : qualified.slice(0, colon);
    const arch = colon < 0 ? '' : qualified.slice(colon + 1);
    if (!namePattern.test(name)) throw new ManifestParseError(n, `invalid package name "${name}"`);
    if (colon >= 0 && !archPattern.test(arch)) {
      throw new ManifestParseError(n, `invalid architecture "${arch}"`);
    }
    if (!versionPattern.test(version)) {
      throw new ManifestParseError(n, `invalid version for ${qualified}`);
    }
    const key = `${name}:${arch}`;
    if (seen.has(key)) throw new ManifestParseError(n, `package ${qualified} listed twice`);
    seen.add(key);
    out.push({ name, arch, version });
  }
  return out;
}

/** qualifiedName is the package as the manifest writes it: `name` or `name:arch`. */
export function qualifiedName(e: Pick<ManifestEntry, 'name' | 'arch'>): string {
  return e.arch === '' ? e.name : `${e.name}:${e.arch}`;
}
