/**
 * Twenty machines booting at once through the real recording path: a BootService in full DHCP
 * mode on loopback, each client's DISCOVER/REQUEST, TFTP read and HTTP GET sent from its own
 * leased address (127.0.0.0/8 is all local), in a seeded random interleaving. Half of them see a
 * stranger ask for their address in between (a machine remembering it from an earlier boot, which
 * DHCP refuses). Every MAC's timeline must hold exactly its own steps, and the boot log must have
 * written them in far fewer transactions than events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { request } from 'node:http';
import { join } from 'node:path';
import { BootService } from '../../../src-main/boot/boot-service';
import { encodeDhcp } from '../../../src-main/boot/dhcp/codec';
import { MessageType } from '../../../src-main/boot/dhcp/options';
import { buildRequest } from '../../../src-main/boot/dhcp/request';
import { encodePacket } from '../../../src-main/boot/tftp/codec';
import type { Logger } from '../../../src-main/logger';
import { listInterfaces } from '../../../src-main/net/interfaces';
import { BootResources } from '../../../src-main/store/boot-resources';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import type { BootServeEvent } from '../../../src-shared/boot/events';
import { seededRandom } from '../../helpers/boot/udp-tools';
import { makeTempDir } from '../../helpers/temp-dir';

const CLIENTS = 20;
const DHCP_PORT = 16_717;
const SEED = 17;

/** Loopback with a MAC: DHCP names its server by the NIC's MAC, and loopback is ours alone. */
const interfaces = () =>
  listInterfaces().map((n) => (n.name === 'lo' ? { ...n, mac: '00:00:00:00:00:00' } : n));

const hex = (n: number): string => n.toString(16).padStart(2, '0');
const macOf = (i: number): string => `52:54:00:17:00:${hex(i)}`;
const strangerOf = (i: number): string => `52:54:00:5e:00:${hex(i)}`;

const tmp = makeTempDir();
let db: Database;
let boot: BootService;
const seen: BootServeEvent[] = [];
const problems: string[] = [];
const sockets: Socket[] = [];
let tftpPort = 0;
let httpPort = 0;

const quiet: Logger = {
  info: () => {},
  warn: (c, m) => {
    // Serving on loopback is the point here, and replies broadcast on it may fail to send.
    if (!/^lo: Loopback|reply to .* failed/.test(m)) problems.push(`[${c}] ${m}`);
  },
  error: (c, m) => problems.push(`[${c}] ${m}`),
};

beforeAll(async () => {
  db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  boot = new BootService({
    db,
    bootResources: new BootResources(db, tmp.path),
    settings: new SettingsStore(db),
    interfaces,
    log: quiet,
  });
  boot.onEvent((e) => seen.push(e));
  const status = await boot.start({
    interfaceName: 'lo',
    dhcp: 'full',
    range: '127.0.0.100-127.0.0.149',
    dhcpPort: DHCP_PORT,
    tftpPort: 0,
    httpPort: 0,
  });
  tftpPort = status.parts.find((p) => p.name === 'tftp')?.port ?? 0;
  httpPort = status.parts.find((p) => p.name === 'http')?.port ?? 0;
}, 20_000);

afterAll(async () => {
  for (const s of sockets.splice(0)) s.close();
  await boot?.dispose();
  db?.close();
  tmp.remove();
});

/** waitFor resolves with the first event `match` accepts, within 5 s. */
async function waitFor(
  match: (e: BootServeEvent) => boolean,
  what: string,
): Promise<BootServeEvent> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const hit = seen.find(match);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no ${what} within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function udpFrom(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => resolve());
  });
  return socket;
}

async function dhcpSend(socket: Socket, spec: Parameters<typeof buildRequest>[0]): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    socket.send(encodeDhcp(buildRequest(spec)), DHCP_PORT, '127.0.0.1', (e) =>
      e ? reject(e) : resolve(),
    ),
  );
}

async function httpGet(from: string, path: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path, localAddress: from }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the boot log under twenty clients at once', () => {
  it("keeps every MAC's own timeline, a stranger refused an address included", async () => {
    const random = seededRandom(SEED);
    const pause = (): Promise<void> => new Promise((r) => setTimeout(r, Math.floor(random() * 30)));
    const dhcpSocket = await udpFrom('127.0.0.1');
    const isDhcp = (mac: string, stage: string) => (e: BootServeEvent) =>
      e.protocol === 'dhcp' && e.mac === mac && e.stage === stage;

    const client = async (i: number): Promise<string> => {
      const mac = macOf(i);
      await pause();
      await dhcpSend(dhcpSocket, { type: MessageType.Discover, mac, xid: 1000 + i, arch: 0 });
      const ip = (await waitFor(isDhcp(mac, 'dhcp-offer'), `offer for ${mac}`)).client;
      await pause();
      await dhcpSend(dhcpSocket, {
        type: MessageType.Request,
        mac,
        xid: 1000 + i,
        arch: 0,
        requestedIp: ip,
        serverId: '127.0.0.1',
      });
      await waitFor(isDhcp(mac, 'dhcp-ack'), `ack for ${mac}`);
      if (i % 2 === 0) {
        // A machine that had this address in an earlier boot asks for it again: refused.
        const stranger = strangerOf(i);
        await dhcpSend(dhcpSocket, {
          type: MessageType.Request,
          mac: stranger,
          xid: 2000 + i,
          arch: 0,
          requestedIp: ip,
        });
        await waitFor(isDhcp(stranger, 'dhcp-nak'), `nak for ${stranger}`);
      }
      await pause();
      const tftp = await udpFrom(ip);
      const file = `client-${i}.0`;
      tftp.send(
        encodePacket({ op: 'rrq', filename: file, mode: 'octet', options: [] }),
        tftpPort,
        '127.0.0.1',
      );
      await waitFor((e) => e.protocol === 'tftp' && e.file === file, `tftp ${file}`);
      await pause();
      await httpGet(ip, `/client-${i}.cfg`);
      await waitFor(
        (e) => e.protocol === 'http' && e.path === `/client-${i}.cfg`,
        `http for client ${i}`,
      );
      return ip;
    };

    const ips = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    expect(new Set(ips).size).toBe(CLIENTS);

    for (let i = 0; i < CLIENTS; i++) {
      const steps = boot.log({ mac: macOf(i) });
      expect(
        steps.map(
          (s) => `${s.mac} ${s.clientIp} ${s.protocol} ${s.stage} ${s.detail.split(' ')[0]}`,
        ),
        `timeline of client ${i}`,
      ).toEqual([
        `${macOf(i)} ${ips[i]} dhcp dhcp-offer ${ips[i]}`,
        `${macOf(i)} ${ips[i]} dhcp dhcp-ack ${ips[i]}`,
        `${macOf(i)} ${ips[i]} tftp tftp-failed client-${i}.0`,
        `${macOf(i)} ${ips[i]} http http-failed GET`,
      ]);
      expect(steps[3]?.detail).toContain(`/client-${i}.cfg`);
      if (i % 2 === 0) {
        expect(
          boot.log({ mac: strangerOf(i) }).map((s) => `${s.stage} ${s.clientIp}`),
          `timeline of the stranger asking for client ${i}'s address`,
        ).toEqual([`dhcp-nak ${ips[i]}`]);
      }
    }
    const events = CLIENTS * 4 + CLIENTS / 2;
    expect(db.prepare('SELECT COUNT(*) FROM boot_events').pluck().get()).toBe(events);
    const written = boot.bootLogWrites();
    expect(written).toMatchObject({ events, dropped: 0 });
    // Batched: many events per transaction (one per event before).
    expect(written.writes).toBeLessThan(events / 3);
    expect(problems).toEqual([]);
  }, 30_000);
});
