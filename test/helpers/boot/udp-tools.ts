/**
 * Small UDP helpers for boot-server tests: a scripted raw TFTP client that records every packet,
 * and a lossy relay that drops a seeded fraction of datagrams in both directions (used because
 * this kernel has no sch_netem, so `tc netem` is unavailable).
 */
import { createSocket, type Socket, type RemoteInfo } from 'node:dgram';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodePacket, encodePacket, type TftpPacket } from '../../../src-main/boot/tftp/codec';

/** run executes a peer binary and resolves with its output; rejects on a non-zero exit or timeout. */
export function run(
  cmd: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** requireBinaries fails (never skips) when a peer program is missing. */
export async function requireBinaries(names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await run('sh', ['-c', `command -v ${name}`]);
    } catch {
      throw new Error(
        `the interop peer "${name}" is not installed; install it (apt-get install tftp-hpa atftp curl) — interop tests never skip`,
      );
    }
  }
}

/** sha256File hashes a file. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A received packet with where it came from. */
export interface Received {
  readonly packet: TftpPacket;
  readonly from: RemoteInfo;
}

/** RawClient sends hand-made TFTP packets and records everything that comes back. */
export class RawClient {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('message', (msg, from) => {
      try {
        this.received.push({ packet: decodePacket(msg), from });
      } catch {
        return;
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(address = '127.0.0.1'): Promise<RawClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, resolve));
    return new RawClient(socket);
  }

  send(packet: TftpPacket | Uint8Array, port: number, address = '127.0.0.1'): void {
    this.socket.send(packet instanceof Uint8Array ? packet : encodePacket(packet), port, address);
  }

  /** Waits until `count` packets have arrived in total, or rejects after `ms`. */
  async waitFor(count: number, ms = 3000): Promise<Received> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} packets, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const last = this.received[count - 1];
    if (last === undefined) throw new Error('no packet');
    return last;
  }

  close(): void {
    this.socket.close();
  }
}

/** mulberry32 is a tiny seeded PRNG so loss patterns repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * LossyRelay sits between one TFTP client and a server on 127.0.0.1. It mirrors the server's
 * transfer ports (TIDs) with ports of its own so the client sees the same port pattern as with the
 * real server, and drops `loss` of the datagrams in each direction.
 */
export class LossyRelay {
  dropped = 0;
  forwarded = 0;
  /** DATA packets the server sent towards the client, dropped or not (retransmissions included). */
  serverData = 0;
  /** When the client's first datagram (its request) reached the relay (`performance.now()`). */
  firstClientAt: number | undefined;
  private readonly sockets: Socket[] = [];
  /** Relay socket facing the server, per client port. */
  private readonly upstream = new Map<number, Promise<Socket>>();
  /** Relay socket facing the client, per server transfer port. */
  private readonly mirrors = new Map<number, Promise<Socket>>();
  private clientPort = 0;

  private constructor(
    private readonly listen: Socket,
    serverPort: number,
    private readonly loss: number,
    private readonly random: () => number,
  ) {
    listen.on('message', (msg, from) => void this.fromClient(msg, from, serverPort));
  }

  static async open(serverPort: number, loss: number, seed: number): Promise<LossyRelay> {
    const s = await LossyRelay.bound();
    const relay = new LossyRelay(s, serverPort, loss, seededRandom(seed));
    relay.sockets.push(s);
    return relay;
  }

  private static async bound(): Promise<Socket> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind({ address: '127.0.0.1', port: 0 }, resolve));
    return s;
  }

  get port(): number {
    return this.listen.address().port;
  }

  private drop(): boolean {
    if (this.random() < this.loss) {
      this.dropped += 1;
      return true;
    }
    this.forwarded += 1;
    return false;
  }

  private async fromClient(msg: Buffer, from: RemoteInfo, toPort: number): Promise<void> {
    this.firstClientAt ??= performance.now();
    this.clientPort = from.port;
    if (this.drop()) return;
    let up = this.upstream.get(from.port);
    if (up === undefined) {
      up = LossyRelay.bound().then((s) => {
        this.sockets.push(s);
        s.on('message', (m, server) => void this.fromServer(m, server));
        return s;
      });
      this.upstream.set(from.port, up);
    }
    (await up).send(msg, toPort, '127.0.0.1');
  }

  private async fromServer(msg: Buffer, server: RemoteInfo): Promise<void> {
    if (msg.length >= 4 && msg[0] === 0 && msg[1] === 3) this.serverData += 1;
    let mirror = this.mirrors.get(server.port);
    if (mirror === undefined) {
      mirror = LossyRelay.bound().then((s) => {
        this.sockets.push(s);
        s.on('message', (m, client) => void this.fromClient(m, client, server.port));
        return s;
      });
      this.mirrors.set(server.port, mirror);
    }
    if (this.drop()) return;
    (await mirror).send(msg, this.clientPort, '127.0.0.1');
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}
