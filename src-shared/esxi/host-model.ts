/**
 * The ESXi host's NIC listing as the preview assumes it (esxi-contract.md §4.1): the
 * `esxcli network nic list` text the script scrapes for vmnics with a regex, so the exact text
 * matters. The route listing is in route-table.ts.
 */
import type { EsxiNic } from './schema';

const NIC_HEADER =
  'Name    PCI Device    Driver  Admin Status  Link Status  Speed  Duplex  MAC Address        MTU   Description';

/** nicListText renders `esxcli network nic list` for an inventory (§4.1). */
export function nicListText(nics: readonly EsxiNic[]): string {
  const rows = nics.map((nic, i) => {
    const pci = `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`;
    return [nic.name, pci, 'ixgben', 'Up', 'Up', '10000', 'Full', nic.mac, '1500']
      .map((col) => col.padEnd(8))
      .concat('Intel(R) Ethernet Controller X550')
      .join('  ');
  });
  return [NIC_HEADER, '-'.repeat(NIC_HEADER.length), ...rows].join('\n') + '\n';
}

/** pySplitLines is Python's `str.splitlines()` (it also breaks on \v, \f, \x1c-\x1e, \x85, U+2028/9). */
export function pySplitLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- these separators are exactly what splitlines() breaks on
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// The script's pattern: a line starting with vmnicN, then the last MAC-shaped run (greedy `.*`).
// Python's `\w` is Unicode-aware; `re.I` applies to the whole pattern.
const VMNIC_ROW = /^(vmnic\p{Nd}+).*((?:[\p{L}\p{N}_]{2}:){5}[\p{L}\p{N}_]{2}).*$/iu;

/** vmnicsByMac is the script's MAC→vmnic map; a later row with the same MAC wins. */
export function vmnicsByMac(nicList: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of pySplitLines(nicList)) {
    const m = VMNIC_ROW.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) map.set(m[2], m[1]);
  }
  return map;
}
