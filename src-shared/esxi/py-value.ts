/**
 * The values PyYAML's `safe_load` hands the ESXi script, and the few Python operations the script
 * applies to them (`.get`, `in`, iteration, truthiness, `==`, dict keys).
 *
 * The preview must behave like the script on any parsable input, including input MAAS never
 * writes, so these helpers follow CPython's rules and raise PyException where CPython would raise.
 */

/** PyBytes is a `!!binary` value (Python `bytes`). */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
}

/** PyDate is a YAML timestamp (Python `date`/`datetime`); only its text forms matter here. */
export class PyDate {
  constructor(
    readonly str: string,
    readonly repr: string,
  ) {}
}

/** PyDict is a Python dict: insertion-ordered, keys are the loaded YAML keys. */
export type PyDict = Map<PyValue, PyValue>;

/** PyValue is what `yaml.safe_load` can return: int is bigint, float is number. */
export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyBytes
  | PyDate
  | PyList
  | PyDict;
export type PyList = PyValue[];

/** The Python exception classes the script can die with. */
export type PyErrorType = 'TypeError' | 'KeyError' | 'ValueError' | 'AttributeError';

/** PyException stands for an uncaught Python exception: the script stops and exits 1. */
export class PyException extends Error {
  constructor(
    readonly pyType: PyErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PyException';
  }
}

/** isDict tells a Python dict from every other value. */
export function isDict(value: PyValue): value is PyDict {
  return value instanceof Map;
}

/** isList tells a Python list from every other value. */
export function isList(value: PyValue): value is PyList {
  return Array.isArray(value);
}

/** pyTypeName is `type(value).__name__`, used in error messages. */
export function pyTypeName(value: PyValue): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof PyBytes) return 'bytes';
  if (value instanceof PyDate) return 'datetime';
  return isList(value) ? 'list' : 'dict';
}

/** pyTruthy is Python's `bool(value)`. */
export function pyTruthy(value: PyValue): boolean {
  if (value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof PyBytes) return value.bytes.length > 0;
  if (value instanceof PyDate) return true;
  return isList(value) ? value.length > 0 : value.size > 0;
}

function numericValue(value: PyValue): bigint | number | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'bigint' || typeof value === 'number') return value;
  return undefined;
}

function numbersEqual(a: bigint | number, b: bigint | number): boolean {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  const [int, float] = typeof a === 'bigint' ? [a, b as number] : [b as bigint, a];
  return Number.isInteger(float) && BigInt(float) === int;
}

/** pyEquals is Python's `a == b` for loaded YAML values. */
export function pyEquals(a: PyValue, b: PyValue, seen = new Set<object>()): boolean {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined || nb !== undefined) {
    return na !== undefined && nb !== undefined && numbersEqual(na, nb);
  }
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return a === b;
  if (a instanceof PyBytes || b instanceof PyBytes) {
    return (
      a instanceof PyBytes &&
      b instanceof PyBytes &&
      a.bytes.length === b.bytes.length &&
      a.bytes.every((byte, i) => byte === b.bytes[i])
    );
  }
  if (a instanceof PyDate || b instanceof PyDate) {
    return a instanceof PyDate && b instanceof PyDate && a.repr === b.repr;
  }
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (seen.has(a)) return false;
  seen.add(a);
  if (isList(a) && isList(b)) {
    return a.length === b.length && a.every((item, i) => pyEquals(item, b[i] ?? null, seen));
  }
  if (isDict(a) && isDict(b)) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      const other = dictLookup(b, key);
      if (other === undefined || !pyEquals(value, other, seen)) return false;
    }
    return true;
  }
  return false;
}

/**
 * pyHashKey gives equal Python keys the same string (1 == 1.0 == True), and raises TypeError for
 * unhashable values, as `dict.get(list)` does.
 */
export function pyHashKey(value: PyValue): string {
  const n = numericValue(value);
  if (n !== undefined) {
    if (typeof n === 'bigint') return `n:${n}`;
    if (Number.isInteger(n)) return `n:${BigInt(n)}`;
    return `f:${n}`;
  }
  if (value === null) return 'None';
  if (typeof value === 'string') return `s:${value}`;
  if (value instanceof PyBytes) return `b:${Array.from(value.bytes).join(',')}`;
  if (value instanceof PyDate) return `d:${value.repr}`;
  throw new PyException('TypeError', `unhashable type: '${pyTypeName(value)}'`);
}

/** dictLookup finds a key by Python equality (undefined when absent). */
export function dictLookup(dict: PyDict, key: PyValue): PyValue | undefined {
  if (typeof key === 'string') return dict.get(key);
  const wanted = pyHashKey(key);
  for (const [k, v] of dict) {
    if (!isList(k) && !isDict(k) && pyHashKey(k) === wanted) return v;
  }
  return undefined;
}

/** PyKeyedMap is a Python dict built by the script itself (vmnic map, vSwitch registry). */
export class PyKeyedMap<V> {
  private readonly entries = new Map<string, V>();

  get(key: PyValue): V | undefined {
    return this.entries.get(pyHashKey(key));
  }

  set(key: PyValue, value: V): void {
    this.entries.set(pyHashKey(key), value);
  }
}

/** pyGet is `obj.get(key, fallback)`; anything but a dict raises AttributeError. */
export function pyGet(obj: PyValue, key: string, fallback: PyValue = null): PyValue {
  if (!isDict(obj)) {
    throw new PyException('AttributeError', `'${pyTypeName(obj)}' object has no attribute 'get'`);
  }
  const value = obj.get(key);
  return value === undefined ? fallback : value;
}

/** pyIndex is `obj[key]` with a string key (KeyError when missing, TypeError on non-dicts). */
export function pyIndex(obj: PyValue, key: string): PyValue {
  if (isDict(obj)) {
    const value = obj.get(key);
    if (value === undefined) throw new PyException('KeyError', `'${key}'`);
    return value;
  }
  if (isList(obj)) {
    throw new PyException('TypeError', 'list indices must be integers or slices, not str');
  }
  if (typeof obj === 'string') {
    throw new PyException('TypeError', "string indices must be integers, not 'str'");
  }
  throw new PyException('TypeError', `'${pyTypeName(obj)}' object is not subscriptable`);
}

/** pyIter is `for x in value`: lists yield items, dicts keys, strings characters, bytes ints. */
export function pyIter(value: PyValue): PyValue[] {
  if (isList(value)) return [...value];
  if (isDict(value)) return [...value.keys()];
  if (typeof value === 'string') return [...value];
  if (value instanceof PyBytes) return Array.from(value.bytes, (b) => BigInt(b));
  throw new PyException('TypeError', `'${pyTypeName(value)}' object is not iterable`);
}

/** pyContains is `item in container`. */
export function pyContains(container: PyValue, item: PyValue): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      throw new PyException(
        'TypeError',
        `'in <string>' requires string as left operand, not ${pyTypeName(item)}`,
      );
    }
    return container.includes(item);
  }
  if (isDict(container)) return dictLookup(container, item) !== undefined;
  if (isList(container)) return container.some((el) => pyEquals(el, item));
  if (container instanceof PyBytes) {
    throw new PyException(
      'TypeError',
      `a bytes-like object is required, not '${pyTypeName(item)}'`,
    );
  }
  throw new PyException('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}
