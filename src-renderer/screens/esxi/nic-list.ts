import type { EsxiNic } from '../../../src-shared/esxi/schema';

/**
 * parseNicList reads the host's NIC list as people have it: the JSON the CLI takes
 * (`[{"name":"vmnic0","mac":"…"}]`) or one `NAME MAC` pair per line, e.g. pasted from
 * `esxcli network nic list`. Returns the NICs or one sentence saying what to fix.
 */
export function parseNicList(text: string): { nics: EsxiNic[] } | { error: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return {
        error: 'The NIC list looks like JSON but does not parse; check brackets and quotes.',
      };
    }
    if (!Array.isArray(value)) return { error: 'The NIC list JSON must be an array.' };
    const nics: EsxiNic[] = [];
    for (const [i, item] of value.entries()) {
      const nic = item as { name?: unknown; mac?: unknown };
      if (typeof nic?.name !== 'string' || typeof nic.mac !== 'string') {
        return {
          error: `NIC ${i + 1} needs a "name" and a "mac" string, like {"name": "vmnic0", "mac": "52:54:00:12:34:56"}.`,
        };
      }
      nics.push({ name: nic.name, mac: nic.mac });
    }
    return { nics };
  }
  const nics: EsxiNic[] = [];
  const mac = /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i;
  for (const [i, raw] of trimmed.split('\n').entries()) {
    const line = raw.trim();
    // Skip the header and dash line of `esxcli network nic list`.
    if (line === '' || /^-+(\s+-+)*$/.test(line) || /^Name\s/.test(line)) continue;
    const name = line.split(/\s+/)[0]!;
    const m = mac.exec(line);
    if (m === null) {
      return {
        error: `Line ${i + 1} of the NIC list has no MAC address; write "vmnic0 52:54:00:12:34:56".`,
      };
    }
    nics.push({ name, mac: m[1]! });
  }
  return { nics };
}
