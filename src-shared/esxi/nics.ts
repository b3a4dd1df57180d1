/**
 * The host NIC inventory the preview assumes: given (`--nics NICS.json`) or, by default, one vmnic
 * per physical entry in config order (esxi-contract.md §4.1).
 */
import { UserError } from '../errors';
import { isDict, isList, pyEquals, type PyValue } from './py-value';
import type { EsxiNic } from './schema';

function unwrapConfig(root: PyValue): PyValue {
  return isDict(root) && root.has('network') ? (root.get('network') ?? null) : root;
}

/**
 * defaultNics gives the i-th physical entry the name vmnic<i> and its mac_address; an entry without
 * a non-empty string MAC yields no NIC but still uses up its index. Not version 1: no NICs.
 */
export function defaultNics(root: PyValue): EsxiNic[] {
  const config = unwrapConfig(root);
  if (!isDict(config) || !pyEquals(config.get('version') ?? null, 1n)) return [];
  const entries = config.get('config');
  if (entries === undefined || !isList(entries)) return [];
  const physical = entries.filter((e) => isDict(e) && e.get('type') === 'physical');
  return physical.flatMap((entry, i) => {
    const mac = isDict(entry) ? entry.get('mac_address') : undefined;
    return typeof mac === 'string' && mac !== '' ? [{ name: `vmnic${i}`, mac }] : [];
  });
}

/**
 * parseNicsJson reads a NICS.json inventory: a JSON list of `{"name": "vmnic0", "mac": "…"}`.
 * Anything else is a UserError saying which item is wrong and what is expected.
 */
export function parseNicsJson(text: string, fileLabel = 'the NIC inventory'): EsxiNic[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(
      `${fileLabel} is not valid JSON (${why}); write it as a list like [{"name": "vmnic0", "mac": "00:16:3e:00:00:01"}].`,
      'esxi-nics',
    );
  }
  if (!Array.isArray(data)) {
    throw new UserError(
      `${fileLabel} must be a JSON list of {"name", "mac"} objects, but its top level is not a list; wrap the NICs in [ … ].`,
      'esxi-nics',
    );
  }
  return data.map((item: unknown, i) => {
    const ok =
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { name?: unknown }).name === 'string' &&
      typeof (item as { mac?: unknown }).mac === 'string';
    if (!ok) {
      throw new UserError(
        `${fileLabel} item ${i} is not an object with string "name" and "mac"; write it like {"name": "vmnic${i}", "mac": "00:16:3e:00:00:01"}.`,
        'esxi-nics',
      );
    }
    const { name, mac } = item as EsxiNic;
    return { name, mac };
  });
}
