/**
 * A storm of simulated PXE clients for UI tests: each client has its own loopback address and, in
 * a paced loop, reads a file over TFTP and fetches files over HTTP from a running boot server.
 *
 * HTTP goes through curl bound with `--interface`. Neither tftp-hpa's `tftp` nor atftp can bind a
 * source address, so TFTP uses `tftpRead` below: an RFC 1350 read (RRQ, DATA/ACK lock-step,
 * retransmission, TID check) written against the RFC, not against the server's own codec.
 */
import { execFile } from 'node:child_process';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { formatBootEvent, type BootServeEvent } from '../../../src-shared/boot/events';

const opRrq = 1;
const opData = 3;
const opAck = 4;
const opError = 5;
const blockSize = 512;

function rrq(file: string): Buffer {
  return Buffer.concat([Buffer.from([0, opRrq]), Buffer.from(`${file}\0octet\0`, 'latin1')]);
}

function ack(block: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(opAck, 0);
  b.writeUInt16BE(block, 2);
  return b;
}

function unknownTid(): Buffer {
  return Buffer.concat([Buffer.from([0, opError, 0, 5]), Buffer.from('unknown TID\0', 'latin1')]);
}

/**
 * tftpRead reads `file` from the TFTP server at `server:port` with a socket bound to `local`,
 * resending the last packet after 2 s of silence (at most 4 times in a row; patient like tftp-hpa
 * and atftp, so a loaded machine does not start duplicate transfers), and resolves with the number
 * of bytes received once it has dallied `dallyMs` after the final ACK, acknowledging a resent final
 * block again (RFC 1350 section 6). Rejects on an ERROR packet or after `timeoutMs`.
 */
export function tftpRead(
  local: string,
  server: string,
  port: number,
  file: string,
  timeoutMs = 12_000,
  dallyMs = 500,
): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise<number>((resolve, reject) => {
    let tid: number | undefined;
    let expected = 1;
    let bytes = 0;
    let last = rrq(file);
    let lastPort = port;
    let retries = 0;
    let resend: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: Error | undefined): void => {
      clearTimeout(resend);
      clearTimeout(deadline);
      socket.close();
      if (error === undefined) resolve(bytes);
      else reject(error);
    };
    const deadline = setTimeout(
      () => finish(new Error(`TFTP read of ${file} from ${local} took over ${timeoutMs} ms`)),
      timeoutMs,
    );
    const send = (packet: Buffer, toPort: number): void => {
      last = packet;
      lastPort = toPort;
      socket.send(packet, toPort, server);
      clearTimeout(resend);
      resend = setTimeout(() => {
        if (++retries > 4) finish(new Error(`TFTP read of ${file} from ${local}: no answer`));
        else send(last, lastPort);
      }, 2000);
    };
    socket.on('error', (e) => finish(e));
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (from.address !== server) return;
      tid ??= from.port;
      if (from.port !== tid) {
        socket.send(unknownTid(), from.port, server);
        return;
      }
      const op = msg.length >= 4 ? msg.readUInt16BE(0) : 0;
      if (op === opError) {
        const text = msg.subarray(4).toString('latin1').replace(/\0.*$/s, '');
        finish(new Error(`TFTP read of ${file} from ${local}: ${text}`));
        return;
      }
      if (op !== opData) return;
      const block = msg.readUInt16BE(2);
      if (block === ((expected - 1) & 0xffff)) {
        socket.send(ack(block), tid, server); // our ACK was lost: say it again
        return;
      }
      if (block !== expected) return;
      retries = 0;
      bytes += msg.length - 4;
      expected = (expected + 1) & 0xffff;
      if (msg.length - 4 < blockSize) {
        clearTimeout(resend);
        socket.send(ack(block), tid, server);
        resend = setTimeout(() => finish(undefined), dallyMs);
      } else send(ack(block), tid);
    });
    socket.bind({ address: local, port: 0 }, () => send(last, port));
  });
}

/** curlGet fetches every URL with one curl process bound to `local`; rejects on any failure. */
export function curlGet(local: string, urls: readonly string[], timeoutMs = 5000): Promise<void> {
  const args = ['-sS', '--fail', '--max-time', String(timeoutMs / 1000), '--interface', local];
  for (const url of urls) args.push('-o', '/dev/null', url);
  return new Promise((resolve, reject) => {
    execFile('curl', args, { timeout: timeoutMs + 1000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`curl from ${local} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

/** StormOptions says who the clients are, what they fetch from where, how fast, and for how long. */
export interface StormOptions {
  /** One client per address. */
  readonly addresses: readonly string[];
  readonly server: string;
  readonly tftpPort: number;
  readonly tftpFile: string;
  /** Fetched by one curl process per round. */
  readonly httpUrls: readonly string[];
  /** Each client waits this long between rounds (its start is staggered within one pace). */
  readonly paceMs: number;
  /** The storm ends at the first of: `stop()`, this many ms, or this many rounds per client. */
  readonly maxMs: number;
  readonly maxRounds: number;
}

/** StormResult counts what the clients completed and lists every failure they met. */
export interface StormResult {
  readonly rounds: number;
  readonly tftpReads: number;
  readonly httpFetches: number;
  readonly failures: readonly string[];
}

/** A running storm: `stop()` asks every client to finish its round; `done` resolves after. */
export interface Storm {
  stop: () => void;
  readonly done: Promise<StormResult>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** startStorm starts one paced client loop per address; every loop is bounded in time and count. */
export function startStorm(o: StormOptions): Storm {
  let stopped = false;
  const end = Date.now() + o.maxMs;
  let rounds = 0;
  let tftpReads = 0;
  let httpFetches = 0;
  const failures: string[] = [];
  const client = async (address: string, index: number): Promise<void> => {
    await sleep((o.paceMs * index) / o.addresses.length);
    for (let round = 0; round < o.maxRounds && !stopped && Date.now() < end; round++) {
      try {
        await tftpRead(address, o.server, o.tftpPort, o.tftpFile);
        tftpReads++;
        await curlGet(address, o.httpUrls);
        httpFetches += o.httpUrls.length;
      } catch (error) {
        failures.push(String(error));
      }
      rounds++;
      await sleep(o.paceMs);
    }
  };
  const done = Promise.all(o.addresses.map(client)).then(() => ({
    rounds,
    tftpReads,
    httpFetches,
    failures,
  }));
  return {
    stop: () => {
      stopped = true;
    },
    done,
  };
}

/** A `boot.serve` event as it arrived on the console's event stream. */
export interface TappedEvent {
  /** performance.now() in this process when the event's frame was read. */
  readonly receivedAt: number;
  readonly client: string;
  /** The line `labboot serve` prints for it. */
  readonly line: string;
  /** A TFTP transfer that completed or an HTTP answer below 400. */
  readonly ok: boolean;
}

/** An open event-stream reader: what arrived so far, and `close()`. */
export interface EventTap {
  readonly events: readonly TappedEvent[];
  close: () => void;
}

/**
 * tapBootEvents reads the console's event stream (`GET /api/events`, as the UI's bridge does) and
 * records each `boot.serve` event with its arrival time, so a test can tell how many events the
 * bridge delivered while it measured something else.
 */
export async function tapBootEvents(origin: string, token: string): Promise<EventTap> {
  const abort = new AbortController();
  const events: TappedEvent[] = [];
  const res = await fetch(`${origin}/api/events`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (!res.ok || res.body === null) throw new Error(`event stream: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.split('\n').includes('event: boot.serve')) continue;
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          const e = JSON.parse(data) as BootServeEvent;
          const ok =
            e.protocol === 'tftp'
              ? e.outcome === 'complete'
              : e.protocol === 'http'
                ? e.status < 400
                : true;
          events.push({
            receivedAt: performance.now(),
            client: e.client,
            line: formatBootEvent(e),
            ok,
          });
        }
      }
    } catch {
      // Aborted by close(), or the console went away: the events so far stay readable.
    }
  })();
  return { events, close: () => abort.abort() };
}
