/**
 * DiskImageProbe watches the decompressed bytes of an image as they stream past and tells, at the
 * end, whether they are a whole-disk image (MBR or GPT at the start) or a tar archive, and then
 * what the archive holds. Nothing is buffered beyond the first sectors and one tar header, so a
 * multi-GB image costs no memory.
 */
import { diskLabel, looksLikeTar } from '../../src-shared/deploy/image-kinds';

/** HEAD_BYTES covers LBA 0 and the GPT header at LBA 1. */
const HEAD_BYTES = 1024;
const BLOCK = 512;

/** One regular file of a tar archive. */
export interface TarMember {
  readonly name: string;
  readonly size: number;
  readonly label: 'gpt' | 'mbr' | undefined;
}

/** What the probe saw. */
export interface ProbeResult {
  /** Bytes seen (the decompressed size). */
  readonly bytes: number;
  readonly archive: boolean;
  /** The partition table at the start of the stream (not an archive). */
  readonly label: 'gpt' | 'mbr' | undefined;
  /** Regular files of the archive, in order. */
  readonly members: readonly TarMember[];
  /** Directories, links and other non-file entries of the archive. */
  readonly otherEntries: number;
  /** The archive stopped in the middle of a member or header. */
  readonly archiveTruncated: boolean;
}

/** Reads a tar number field: octal text, or GNU base-256 when the high bit is set. */
function tarNumber(field: Uint8Array): number {
  if ((field[0] ?? 0) & 0x80) {
    let n = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] ?? 0);
    return n;
  }
  const text = Buffer.from(field).toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function tarName(header: Uint8Array): string {
  const raw = (from: number, to: number): string =>
    Buffer.from(header.subarray(from, to)).toString('utf8').replace(/\0.*$/s, '');
  const prefix = looksLikeTar(header) ? raw(345, 500) : '';
  const name = raw(0, 100);
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** DiskImageProbe is fed with `push` and read with `result`. */
export class DiskImageProbe {
  private bytes = 0;
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLength = 0;
  private archive: boolean | undefined;
  // Tar state: the header being assembled, bytes of member data still to skip.
  private readonly header = Buffer.alloc(BLOCK);
  private headerLength = 0;
  private skip = 0;
  private ended = false;
  private longName: string | undefined;
  private collectingLongName: Buffer[] | undefined;
  private current: { name: string; size: number; head: Buffer; headLength: number } | undefined;
  private readonly members: TarMember[] = [];
  private otherEntries = 0;

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      const n = Math.min(HEAD_BYTES - this.headLength, chunk.length);
      this.head.set(chunk.subarray(0, n), this.headLength);
      this.headLength += n;
    }
    if (this.archive === undefined) {
      // Under one block so far: keep it until the tar header (or its absence) can be seen.
      this.pending.push(Buffer.from(chunk));
      if (this.headLength < BLOCK) return;
      this.archive = looksLikeTar(this.head.subarray(0, BLOCK));
      const earlier = this.pending;
      this.pending = [];
      if (this.archive) for (const c of earlier) this.tar(c);
      return;
    }
    if (this.archive) this.tar(chunk);
  }

  private pending: Buffer[] = [];

  result(): ProbeResult {
    this.finishMember();
    const archive = this.archive ?? false;
    return {
      bytes: this.bytes,
      archive,
      label: archive ? undefined : diskLabel(this.head.subarray(0, this.headLength)),
      members: this.members,
      otherEntries: this.otherEntries,
      archiveTruncated: archive && !this.ended && (this.skip > 0 || this.headerLength > 0),
    };
  }

  private tar(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.memberBytes(chunk.subarray(at, at + n));
        this.skip -= n;
        at += n;
        if (this.skip === 0) this.finishMember();
        continue;
      }
      const n = Math.min(BLOCK - this.headerLength, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerLength);
      this.headerLength += n;
      at += n;
      if (this.headerLength === BLOCK) {
        this.headerLength = 0;
        this.onHeader();
      }
    }
  }

  private onHeader(): void {
    if (this.header.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const size = tarNumber(this.header.subarray(124, 136));
    const type = String.fromCharCode(this.header[156] ?? 0);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const name = this.longName ?? tarName(this.header);
    this.longName = undefined;
    if (type === '0' || type === '\0' || type === '7') {
      this.current = { name, size, head: Buffer.alloc(HEAD_BYTES), headLength: 0 };
    } else if (type === 'L') {
      this.collectingLongName = [];
    } else if (type !== 'x' && type !== 'g') {
      this.otherEntries++;
    }
    this.skip = padded;
    if (padded === 0) this.finishMember();
  }

  private memberBytes(bytes: Uint8Array): void {
    if (this.collectingLongName !== undefined) {
      this.collectingLongName.push(Buffer.from(bytes));
      return;
    }
    const m = this.current;
    if (m === undefined || m.headLength >= HEAD_BYTES) return;
    const n = Math.min(HEAD_BYTES - m.headLength, bytes.length);
    m.head.set(bytes.subarray(0, n), m.headLength);
    m.headLength += n;
  }

  private finishMember(): void {
    if (this.collectingLongName !== undefined && this.skip === 0) {
      this.longName = Buffer.concat(this.collectingLongName).toString('utf8').replace(/\0.*$/s, '');
      this.collectingLongName = undefined;
    }
    const m = this.current;
    if (m === undefined || this.skip > 0) return;
    this.members.push({
      name: m.name,
      size: m.size,
      label: diskLabel(m.head.subarray(0, m.headLength)),
    });
    this.current = undefined;
  }
}
