/**
 * Python's `str()` and `repr()` for loaded YAML values. The script formats MTUs, VLAN ids, bond
 * modes and subnet types with `str()` / `"%s"`, so `mtu: 9000.0` becomes `-m 9000.0` and a missing
 * bond mode prints `None`; the preview must print the same text.
 */
import { UserError } from '../errors';
import { PyBytes, PyDate, isList, type PyValue } from './py-value';

/** pyFloatRepr is CPython's `repr(float)`: shortest round-trip digits, exponent past 1e16 / below 1e-4. */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '0', expText = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exp < 0 ? '-' : '+';
    return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

const nonPrintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** pyStrRepr is CPython's `repr(str)`, including its choice of quote. */
export function pyStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && nonPrintable.test(ch)) out += escapeChar(ch);
    else out += ch;
  }
  return out + quote;
}

function bytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Longest text the preview will build from one value (YAML aliases can nest exponentially). */
export const MAX_REPR_CHARS = 1_000_000;

/** pyRepr is Python's `repr(value)`; recursive containers print as `[...]` / `{...}`. */
export function pyRepr(
  value: PyValue,
  active = new Set<object>(),
  budget = { left: MAX_REPR_CHARS },
): string {
  const text = reprInner(value, active, budget);
  budget.left -= text.length;
  if (budget.left < 0) {
    throw new UserError(
      'the config holds a value (built from YAML aliases) too large to print; remove the nested aliases and run the preview again.',
      'esxi-too-large',
    );
  }
  return text;
}

function reprInner(value: PyValue, active: Set<object>, budget: { left: number }): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pyFloatRepr(value);
  if (typeof value === 'string') return pyStrRepr(value);
  if (value instanceof PyBytes) return bytesRepr(value.bytes);
  if (value instanceof PyDate) return value.repr;
  if (active.has(value)) return isList(value) ? '[...]' : '{...}';
  active.add(value);
  try {
    if (isList(value)) return `[${value.map((item) => pyRepr(item, active, budget)).join(', ')}]`;
    const pairs = [...value].map(
      ([k, v]) => `${pyRepr(k, active, budget)}: ${pyRepr(v, active, budget)}`,
    );
    return `{${pairs.join(', ')}}`;
  } finally {
    active.delete(value);
  }
}

/** pyStr is Python's `str(value)` (and `"%s" % value`). */
export function pyStr(value: PyValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof PyDate) return value.str;
  return pyRepr(value);
}
