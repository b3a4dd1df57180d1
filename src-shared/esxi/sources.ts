/**
 * Builds the `source` of every preview element: the JSON pointer, line and column of the input item
 * it came from, plus a short label, so the UI can mark that item in the editor.
 */
import { pyStr } from './py-format';
import { isDict, isList, type PyValue } from './py-value';
import type { EsxiSource } from './schema';
import type { LoadedYaml, YamlLocation } from './yaml-load';

const toSource = (loc: YamlLocation, entry: number | null, label: string): EsxiSource => ({
  pointer: loc.pointer,
  line: loc.line,
  column: loc.column,
  entry,
  label,
});

/** SourceIndex answers "where did this come from" for loaded values. */
export class SourceIndex {
  constructor(private readonly loaded: LoadedYaml) {}

  /** document is the whole input (used for envelope-level findings). */
  document(label = 'document'): EsxiSource {
    return { pointer: '', line: 1, column: 1, entry: null, label };
  }

  /** value locates a loaded list or dict, else falls back to where it sits (`fallback`). */
  value(value: PyValue, fallback: EsxiSource, label: string, entry: number | null): EsxiSource {
    const loc = isList(value) || isDict(value) ? this.loaded.locate(value) : undefined;
    return loc ? toSource(loc, entry, label) : { ...fallback, entry, label };
  }

  /** key locates `dict[key]` (the key token); a missing key falls back to the dict itself. */
  key(dict: PyValue, key: PyValue, dictSource: EsxiSource, label: string): EsxiSource {
    const loc = isDict(dict) ? this.loaded.locateKey(dict, key) : undefined;
    return loc ? toSource(loc, dictSource.entry, label) : { ...dictSource, label };
  }

  /**
   * item locates the index-th thing the script got by iterating `container`: a list item, a dict
   * key, or (for a string, which Python iterates by character) the string itself.
   */
  item(
    container: PyValue,
    containerSource: EsxiSource,
    index: number,
    item: PyValue,
    label: string,
  ): EsxiSource {
    const entry = containerSource.entry;
    const own = isList(item) || isDict(item) ? this.loaded.locate(item) : undefined;
    if (own) return toSource(own, entry, label);
    if (isList(container)) {
      const loc = this.loaded.locateItem(container, index);
      return loc ? toSource(loc, entry, label) : { ...containerSource, label };
    }
    if (isDict(container)) return this.key(container, item, containerSource, label);
    return { ...containerSource, label };
  }
}

/** entryLabel names a config entry for people: its name (or id) and type, e.g. `bond0 (bond)`. */
export function entryLabel(entry: PyValue, index: number): string {
  if (!isDict(entry)) return `config entry ${index}`;
  const name = entry.get('name') ?? entry.get('id');
  const type = entry.get('type');
  const typeText = type === undefined ? 'no type' : pyStr(type);
  if (name === undefined || name === null) return `${typeText} entry ${index}`;
  return `${pyStr(name)} (${typeText})`;
}
