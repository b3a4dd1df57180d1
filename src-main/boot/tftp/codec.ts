/**
 * TFTP packet codec (RFC 1350, RFC 2347 option extension). Pure: no I/O, no clock, no `node:`
 * imports. `decodePacket` throws only `CodecError`; `encodePacket(decodePacket(x))` round-trips.
 */

/** Opcodes from RFC 1350 §5 plus OACK from RFC 2347. */
export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** Error codes from RFC 1350 §5 and RFC 2347 (8 = option negotiation refused). */
export const TftpErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTransferId: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionRefused: 8,
} as const;

/** Largest request we accept; RFC 1350 names no limit but real requests fit one 512-byte block. */
export const MAX_REQUEST_BYTES = 512;

/** An RRQ or WRQ: file name, transfer mode and the RFC 2347 options in the order sent. */
export interface RequestPacket {
  readonly op: 'rrq' | 'wrq';
  readonly filename: string;
  readonly mode: string;
  /** Option names lower-cased (RFC 2347: case-insensitive), values as sent. */
  readonly options: ReadonlyArray<readonly [string, string]>;
}

/** A DATA packet; `block` is the 16-bit wire number. */
export interface DataPacket {
  readonly op: 'data';
  readonly block: number;
  readonly data: Uint8Array;
}

/** An ACK; `block` is the 16-bit wire number. */
export interface AckPacket {
  readonly op: 'ack';
  readonly block: number;
}

/** An ERROR packet. */
export interface ErrorPacket {
  readonly op: 'error';
  readonly code: number;
  readonly message: string;
}

/** An option acknowledgement (RFC 2347). */
export interface OackPacket {
  readonly op: 'oack';
  readonly options: ReadonlyArray<readonly [string, string]>;
}

/** Any TFTP packet. */
export type TftpPacket = RequestPacket | DataPacket | AckPacket | ErrorPacket | OackPacket;

/** CodecError is the only error `decodePacket` throws: the bytes are not a valid TFTP packet. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}

const latin1 = new TextDecoder('latin1');

function readU16(buf: Uint8Array, at: number): number {
  const hi = buf[at];
  const lo = buf[at + 1];
  if (hi === undefined || lo === undefined) throw new CodecError('packet truncated');
  return (hi << 8) | lo;
}

/** Splits the NUL-terminated strings after the opcode; every string must be terminated. */
function readStrings(buf: Uint8Array, from: number): string[] {
  const out: string[] = [];
  let start = from;
  for (let i = from; i < buf.length; i++) {
    if (buf[i] === 0) {
      // latin1 keeps every byte as one code unit, so names round-trip byte for byte.
      out.push(latin1.decode(buf.subarray(start, i)));
      start = i + 1;
    }
  }
  if (start !== buf.length) throw new CodecError('string not NUL-terminated');
  return out;
}

function readOptions(strings: readonly string[]): Array<readonly [string, string]> {
  if (strings.length % 2 !== 0) throw new CodecError('option without a value');
  const options: Array<readonly [string, string]> = [];
  for (let i = 0; i < strings.length; i += 2) {
    const name = strings[i] ?? '';
    const value = strings[i + 1] ?? '';
    if (name === '') throw new CodecError('empty option name');
    options.push([name.toLowerCase(), value]);
  }
  return options;
}

/** Decodes one datagram. Throws `CodecError` for anything that is not a well-formed packet. */
export function decodePacket(buf: Uint8Array): TftpPacket {
  const opcode = readU16(buf, 0);
  switch (opcode) {
    case Opcode.RRQ:
    case Opcode.WRQ: {
      if (buf.length > MAX_REQUEST_BYTES) throw new CodecError('request longer than 512 bytes');
      const strings = readStrings(buf, 2);
      const [filename, mode, ...rest] = strings;
      if (filename === undefined || mode === undefined)
        throw new CodecError('request without file name or mode');
      return {
        op: opcode === Opcode.RRQ ? 'rrq' : 'wrq',
        filename,
        mode: mode.toLowerCase(),
        options: readOptions(rest),
      };
    }
    case Opcode.DATA:
      return { op: 'data', block: readU16(buf, 2), data: buf.subarray(4) };
    case Opcode.ACK:
      if (buf.length < 4) throw new CodecError('packet truncated');
      // Some clients pad ACKs; the trailing bytes carry no meaning (RFC 1350 §5 fixes 4 bytes).
      return { op: 'ack', block: readU16(buf, 2) };
    case Opcode.ERROR: {
      const code = readU16(buf, 2);
      const strings = readStrings(buf, 4);
      if (strings.length !== 1) throw new CodecError('error packet must carry one message');
      return { op: 'error', code, message: strings[0] ?? '' };
    }
    case Opcode.OACK:
      return { op: 'oack', options: readOptions(readStrings(buf, 2)) };
    default:
      throw new CodecError(`unknown opcode ${opcode}`);
  }
}

function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function encodeStrings(
  opcode: number,
  prefix: readonly number[],
  strings: readonly string[],
): Uint8Array {
  const parts = strings.map(latin1Bytes);
  const length = 2 + prefix.length + parts.reduce((n, p) => n + p.length + 1, 0);
  const out = new Uint8Array(length);
  out[0] = opcode >> 8;
  out[1] = opcode & 0xff;
  let at = 2;
  for (const b of prefix) out[at++] = b;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1; // the NUL is already zero
  }
  return out;
}

/** Writes a DATA header into the first 4 bytes of `packet` (used to build DATA in place). */
export function writeDataHeader(packet: Uint8Array, block: number): void {
  packet[0] = 0;
  packet[1] = Opcode.DATA;
  packet[2] = (block >> 8) & 0xff;
  packet[3] = block & 0xff;
}

/** Encodes a packet to wire bytes. */
export function encodePacket(p: TftpPacket): Uint8Array {
  switch (p.op) {
    case 'rrq':
    case 'wrq':
      return encodeStrings(
        p.op === 'rrq' ? Opcode.RRQ : Opcode.WRQ,
        [],
        [p.filename, p.mode, ...p.options.flat()],
      );
    case 'data': {
      const out = new Uint8Array(4 + p.data.length);
      writeDataHeader(out, p.block);
      out.set(p.data, 4);
      return out;
    }
    case 'ack':
      return Uint8Array.of(0, Opcode.ACK, (p.block >> 8) & 0xff, p.block & 0xff);
    case 'error':
      return encodeStrings(Opcode.ERROR, [(p.code >> 8) & 0xff, p.code & 0xff], [p.message]);
    case 'oack':
      return encodeStrings(Opcode.OACK, [], p.options.flat());
  }
}

/** Describes a packet in one line, for logs and golden tests. */
export function describePacket(p: TftpPacket): string {
  switch (p.op) {
    case 'rrq':
    case 'wrq': {
      const opts = p.options.map(([k, v]) => ` ${k}=${v}`).join('');
      return `${p.op.toUpperCase()} ${JSON.stringify(p.filename)} ${p.mode}${opts}`;
    }
    case 'data':
      return `DATA ${p.block} (${p.data.length} bytes)`;
    case 'ack':
      return `ACK ${p.block}`;
    case 'error':
      return `ERROR ${p.code} ${JSON.stringify(p.message)}`;
    case 'oack':
      return `OACK${p.options.map(([k, v]) => ` ${k}=${v}`).join('')}`;
  }
}
