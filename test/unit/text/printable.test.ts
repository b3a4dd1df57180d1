import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { printable, printableJson } from '../../../src-shared/text/printable';

/** Characters that must never reach a log line or terminal raw. */
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- finding raw control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Strings dense in controls, separators, bidi marks and escape-like text, plus any code point. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0, max: 0xa0 }).map((n) => String.fromCharCode(n)),
    fc.constantFrom('\u061c', '\u200f', '\u2028', '\u2029', '\u202e', '\u2067', '\\', 'x', 'u'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 200,
});

/** unescape reverses `printable`, to prove that nothing a client sent is lost. */
function unescape(text: string): string {
  return text.replace(/\\(n|r|t|\\|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, e: string) => {
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    if (e === '\\') return '\\';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

describe('printable', () => {
  it('keeps a forged log line on the line it came in', () => {
    const name =
      'x\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 1.0 MiB in 3 ms';
    const out = printable(name);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toBe(
      'x\\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 1.0 MiB in 3 ms',
    );
  });

  it('shows ESC, OSC, 8-bit CSI, DEL, separators and bidi overrides as visible escapes', () => {
    expect(printable('\u001b]0;owned\u0007')).toBe('\\x1b]0;owned\\x07');
    expect(printable('\u001b[2J\u009b31m\u007f')).toBe('\\x1b[2J\\x9b31m\\x7f');
    expect(printable('a\rb\tc\u0000')).toBe('a\\rb\\tc\\x00');
    expect(printable('evil\u202egpj.exe')).toBe('evil\\u202egpj.exe');
    expect(printable('l\u2028m\u2029n\u2066o\u2069')).toBe('l\\u2028m\\u2029n\\u2066o\\u2069');
    expect(printable('C:\\x1b')).toBe('C:\\\\x1b');
  });

  it('leaves ordinary text, including non-ASCII letters, as it is', () => {
    expect(printable('grubx64.efi — 1.2 MiB, Zürich, 東京')).toBe(
      'grubx64.efi — 1.2 MiB, Zürich, 東京',
    );
  });

  it('never lets an unsafe character through and loses nothing (any string)', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = printable(s);
        expect(out).not.toMatch(UNSAFE);
        expect(unescape(out)).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('printableJson', () => {
  it('escapes what JSON.stringify lets through and still parses to the same value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), hostile), (value) => {
        const out = printableJson(JSON.stringify(value));
        expect(out).not.toMatch(UNSAFE);
        expect(JSON.parse(out)).toEqual(value);
      }),
      { numRuns: 1000 },
    );
    expect(printableJson(JSON.stringify({ file: 'a\u009b2J\u202e' }))).toBe(
      '{"file":"a\\u009b2J\\u202e"}',
    );
  });
});
