/**
 * Loads a network config the way the ESXi script does (`yaml.safe_load`, YAML 1.1), with the kept
 * `yaml` package doing the parsing. Its 1.1 schema differs from PyYAML's resolver in places that
 * change values (`y`/`n` are booleans there, `1e3` a float), so the implicit scalar rules below are
 * PyYAML's. Each loaded list and dict remembers where it came from, so every preview element can
 * point at its input line.
 */
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Alias,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';
import { UserError } from '../errors';
import { PyBytes, PyDate, type PyDict, type PyList, type PyValue } from './py-value';

/** Where a loaded value sits in the input: JSON pointer plus 1-based line/column. */
export interface YamlLocation {
  readonly pointer: string;
  readonly line: number;
  readonly column: number;
}

/** LoadedYaml is the Python value plus the map from its lists/dicts (and dict keys) to locations. */
export interface LoadedYaml {
  readonly value: PyValue;
  /** Location of a list or dict. */
  locate(container: PyList | PyDict): YamlLocation | undefined;
  /** Location of `key` inside a dict (its key token). */
  locateKey(dict: PyDict, key: PyValue): YamlLocation | undefined;
  /** Location of the index-th item of a list. */
  locateItem(list: PyList, index: number): YamlLocation | undefined;
}

// PyYAML 6 implicit resolvers (yaml/resolver.py).
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT_RE =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE =
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

function signAndBody(text: string): [bigint, string] {
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1n : 1n;
  return [sign, /^[-+]/.test(clean) ? clean.slice(1) : clean];
}

function digitsToBigInt(digits: string, base: number, onError: (m: string) => void): bigint {
  const re = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!re?.test(digits)) {
    onError(`invalid literal for int() with base ${base}: '${digits}'`);
    return 0n;
  }
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base] ?? '';
  return BigInt(`${prefix}${digits}`);
}

/** construct_yaml_int */
function resolveInt(text: string, onError: (m: string) => void): bigint {
  const [sign, body] = signAndBody(text);
  if (body === '0') return 0n;
  if (body.startsWith('0b')) return sign * digitsToBigInt(body.slice(2), 2, onError);
  if (body.startsWith('0x')) return sign * digitsToBigInt(body.slice(2), 16, onError);
  if (body.startsWith('0')) return sign * digitsToBigInt(body, 8, onError);
  if (body.includes(':')) {
    let value = 0n;
    for (const part of body.split(':')) value = value * 60n + digitsToBigInt(part, 10, onError);
    return sign * value;
  }
  return sign * digitsToBigInt(body, 10, onError);
}

/** construct_yaml_float */
function resolveFloat(text: string, onError: (m: string) => void): number {
  const clean = text.replace(/_/g, '').toLowerCase();
  const sign = clean.startsWith('-') ? -1 : 1;
  const body = /^[-+]/.test(clean) ? clean.slice(1) : clean;
  if (body === '.inf') return sign * Infinity;
  if (body === '.nan') return NaN;
  const parseOne = (part: string): number => {
    const n = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(part) ? Number(part) : NaN;
    if (Number.isNaN(n)) onError(`could not convert string to float: '${part}'`);
    return n;
  };
  if (body.includes(':')) {
    return sign * body.split(':').reduce((acc, part) => acc * 60 + parseOne(part), 0);
  }
  return sign * parseOne(body);
}

const pad = (n: number | string, width = 2): string => String(n).padStart(width, '0');

/** construct_yaml_timestamp, kept as Python's str()/repr() text of the date or datetime. */
function resolveTimestamp(text: string, onError: (m: string) => void): PyDate {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) {
    onError(`'${text}' is not a timestamp`);
    return new PyDate(text, text);
  }
  const [, y, mo, d, hh, mm, ss, frac, tz, tzSign, tzH, tzM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth) {
    onError(`'${text}' is not a valid date`);
  }
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (hh === undefined) {
    return new PyDate(date, `datetime.date(${year}, ${month}, ${day})`);
  }
  const [hour, minute, second] = [Number(hh), Number(mm), Number(ss)];
  if (hour > 23 || minute > 59 || second > 59) onError(`'${text}' is not a valid time`);
  const micro = Number((frac ?? '').slice(0, 6).padEnd(6, '0') || '0');
  let str = `${date} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
  if (micro) str += `.${pad(micro, 6)}`;
  let tzRepr = '';
  if (tz !== undefined) {
    const minutes = tz === 'Z' ? 0 : Number(tzH) * 60 + Number(tzM ?? '0');
    const sign = tz === 'Z' || tzSign === '+' ? '+' : '-';
    str += `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
    tzRepr = ', tzinfo=...';
  }
  const fields = [year, month, day, hour, minute, second, ...(micro ? [micro] : [])];
  return new PyDate(str, `datetime.datetime(${fields.join(', ')}${tzRepr})`);
}

function scalarTags(
  tag: string,
  test: RegExp,
  resolve: (text: string, onError: (m: string) => void) => unknown,
): ScalarTag[] {
  // The first resolves plain scalars by pattern; the second serves explicit `!!tag` values.
  return [
    { tag, default: true, test, resolve },
    { tag, resolve },
  ];
}

const pyYamlTags: ScalarTag[] = [
  ...scalarTags('tag:yaml.org,2002:null', NULL_RE, () => null),
  ...scalarTags('tag:yaml.org,2002:bool', BOOL_RE, (text, onError) => {
    const lower = text.toLowerCase();
    if (['yes', 'true', 'on'].includes(lower)) return true;
    if (['no', 'false', 'off'].includes(lower)) return false;
    onError(`'${text}' is not a boolean`);
    return text;
  }),
  ...scalarTags('tag:yaml.org,2002:int', INT_RE, resolveInt),
  ...scalarTags('tag:yaml.org,2002:float', FLOAT_RE, resolveFloat),
  ...scalarTags('tag:yaml.org,2002:timestamp', TIMESTAMP_RE, resolveTimestamp),
];

const replacedTags = new Set([
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:timestamp',
  // PyYAML builds tuples and sets from these; the preview refuses them rather than guess.
  'tag:yaml.org,2002:omap',
  'tag:yaml.org,2002:pairs',
  'tag:yaml.org,2002:set',
]);

function customTags(tags: Tags): Tags {
  const kept = tags.filter((t) => !replacedTags.has(typeof t === 'string' ? t : t.tag));
  return [...pyYamlTags, ...kept];
}

function escapePointer(key: PyValue): string {
  const text = typeof key === 'string' ? key : String(key);
  return text.replace(/~/g, '~0').replace(/\//g, '~1');
}

class Converter {
  readonly containers = new WeakMap<object, YamlLocation>();
  readonly keys = new WeakMap<PyDict, Map<PyValue, YamlLocation>>();
  readonly items = new WeakMap<PyList, YamlLocation[]>();
  private readonly done = new Map<Node, PyValue>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
    private readonly fail: (message: string, offset: number) => never,
  ) {}

  private where(node: Node | null | undefined, pointer: string): YamlLocation {
    const offset = node?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { pointer, line: pos.line, column: pos.col };
  }

  convert(node: Node | null, pointer: string, inFlow = false): PyValue {
    if (node === null) return null;
    if (isAlias(node)) {
      const target = (node as Alias).resolve(this.doc);
      if (!target) this.fail(`unknown alias *${node.source}`, node.range?.[0] ?? 0);
      return this.convert(target as Node, pointer);
    }
    // PyYAML (YAML 1.1) does not start a plain scalar with `:` or `?` inside [ ] or { }.
    if (
      inFlow &&
      isScalar(node) &&
      node.type === 'PLAIN' &&
      /^[:?]/.test(String(node.source ?? ''))
    ) {
      this.fail(
        `the plain value ${String(node.source)} starts with "${String(node.source)[0]}" inside [ ] or { }, which PyYAML refuses; quote it`,
        node.range?.[0] ?? 0,
      );
    }
    const cached = this.done.get(node);
    if (cached !== undefined) return cached;
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'symbol')
        this.fail('a merge key `<<` is used as a value', node.range?.[0] ?? 0);
      if (v instanceof Uint8Array) return new PyBytes(v);
      if (v === '=' && node.type === 'PLAIN') {
        this.fail('PyYAML cannot construct the plain value `=`', node.range?.[0] ?? 0);
      }
      return v as PyValue;
    }
    if (isSeq(node)) {
      const list: PyList = [];
      this.done.set(node, list);
      this.containers.set(list, this.where(node, pointer));
      const itemLocs: YamlLocation[] = [];
      this.items.set(list, itemLocs);
      node.items.forEach((item, i) => {
        itemLocs.push(this.where(item as Node, `${pointer}/${i}`));
        list.push(this.convert(item as Node, `${pointer}/${i}`, node.flow === true));
      });
      return list;
    }
    if (isMap(node)) {
      const dict: PyDict = new Map();
      this.done.set(node, dict);
      this.containers.set(dict, this.where(node, pointer));
      const keyLocs = new Map<PyValue, YamlLocation>();
      this.keys.set(dict, keyLocs);
      for (const [keyNode, key, value, loc] of this.flatten(node, pointer)) {
        if (Array.isArray(key) || key instanceof Map) {
          this.fail(
            'found an unhashable key (a list or mapping used as a key)',
            keyNode?.range?.[0] ?? 0,
          );
        }
        dict.set(key, value);
        if (!keyLocs.has(key)) keyLocs.set(key, loc);
      }
      return dict;
    }
    return this.fail('unsupported YAML node', 0);
  }

  /** PyYAML's flatten_mapping: merged pairs first (later sources first), then the map's own. */
  private flatten(
    node: Node,
    pointer: string,
  ): Array<[Node | null, PyValue, PyValue, YamlLocation]> {
    if (!isMap(node)) this.fail('a merge key `<<` must point at a mapping', node.range?.[0] ?? 0);
    const merged: Array<[Node | null, PyValue, PyValue, YamlLocation]> = [];
    const own: Array<[Node | null, PyValue, PyValue, YamlLocation]> = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
        const target = isAlias(valueNode) ? (valueNode as Alias).resolve(this.doc) : valueNode;
        const sources = isSeq(target) ? target.items.map((n) => n as Node) : [target as Node];
        const resolved = sources.map((n) => (isAlias(n) ? (n as Alias).resolve(this.doc) : n));
        for (const src of resolved.reverse()) merged.push(...this.flatten(src as Node, pointer));
        continue;
      }
      const flow = node.flow === true;
      const key = this.convert(keyNode, pointer, flow);
      const childPointer = `${pointer}/${escapePointer(key)}`;
      const value = this.convert(valueNode, childPointer, flow);
      own.push([keyNode, key, value, this.where(keyNode ?? valueNode, childPointer)]);
    }
    return [...merged, ...own];
  }
}

/**
 * loadNetworkYaml parses `text` as `yaml.safe_load` would. Text PyYAML would refuse throws a
 * UserError naming the line, column and what was wrong.
 */
export function loadNetworkYaml(text: string, fileLabel = 'the network config'): LoadedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'yaml-1.1',
    customTags,
    resolveKnownTags: false,
    merge: true,
    uniqueKeys: false,
    keepSourceTokens: false,
    lineCounter: lines,
    prettyErrors: true,
  });
  const fail = (message: string, offset: number): never => {
    const pos = lines.linePos(offset);
    throw new UserError(
      `${fileLabel} is not YAML the ESXi script can load: ${message} at line ${pos.line}, column ${pos.col}; fix that line and run the preview again.`,
      'esxi-yaml',
    );
  };
  const problems = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  const first = problems[0];
  if (first) {
    const firstLine = (first.message.split('\n')[0] ?? first.message).replace(/:$/, '');
    const hasPos = /at line \d+/.test(firstLine);
    fail(firstLine.replace(/ at line \d+, column \d+$/, ''), hasPos ? first.pos[0] : 0);
  }
  const converter = new Converter(doc, lines, fail);
  let value: PyValue;
  try {
    value = converter.convert((doc.contents as Node | null) ?? null, '');
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UserError(
      `${fileLabel} is nested too deeply to load (PyYAML would stop with a RecursionError); flatten it and run the preview again.`,
      'esxi-yaml',
    );
  }
  return {
    value,
    locate: (container) => converter.containers.get(container),
    locateKey: (dict, key) => converter.keys.get(dict)?.get(key),
    locateItem: (list, index) => converter.items.get(list)?.[index],
  };
}
