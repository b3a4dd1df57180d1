import { readFileSync } from 'node:fs';

/** appVersion is package.json's version, read once; the bundle is always next to package.json. */
export function appVersion(): string {
  for (const candidate of ['../../package.json', '../package.json', '../../../package.json']) {
    try {
      const url = new URL(candidate, import.meta.url);
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'labboot' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Try the next layout (source tree vs bundled out/main).
    }
  }
  return '0.0.0';
}
