/**
 * Printable text for log lines and terminals. Strings a network client chose (TFTP file names and
 * modes, HTTP paths, DHCP host names and classes) must not start a new log line, move the cursor,
 * set a window title (ESC/OSC) or reorder what a reader sees (bidi overrides). Pure.
 */

/**
 * Characters a terminal or log reader acts on instead of showing: C0 controls, DEL, C1 controls
 * (8-bit CSI/OSC), the Arabic letter mark, LRM/RLM, the Unicode line and paragraph separators and the
 * bidi embeddings, overrides and isolates.
 */
const UNSAFE_CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE = new RegExp(`[${UNSAFE_CLASS}]`, 'g');
const UNSAFE_OR_BACKSLASH = new RegExp(`[${UNSAFE_CLASS}\\\\]`, 'g');

const SHORT: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\\': '\\\\',
};

const hex = (code: number, width: number): string => code.toString(16).padStart(width, '0');

/** escapeChar is the visible form of one unsafe character (or of a backslash). */
function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

/**
 * printable returns `text` with every control, line-separator and bidi character written as a
 * visible escape (`\n`, `\x1b`, `\u202e`) and backslashes doubled, so the line stays one line, a
 * terminal shows it verbatim, and nothing the client sent is lost or ambiguous.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE_OR_BACKSLASH, escapeChar);
}

/**
 * printableJson makes `JSON.stringify` output safe for a terminal while keeping it the same JSON:
 * JSON already escapes C0 controls, but not DEL, C1 controls, U+2028/2029 or bidi characters.
 * Those can only occur inside strings, where `\uXXXX` means the same character.
 */
export function printableJson(json: string): string {
  return json.replace(UNSAFE, (ch) => `\\u${hex(ch.charCodeAt(0), 4)}`);
}
