/**
 * Full DHCP with more machines than addresses: 20 real DHCP clients (BusyBox udhcpc, each in its
 * own namespace behind one bridge) start together against the bundled `labboot serve --dhcp full`
 * with a pool of 10. Exactly 10 get distinct addresses from the range; the rest get none, and serve
 * says "pool exhausted" once per waiting client, not once per DISCOVER. serve is then stopped and
 * started again on the same data folder while the clients renew and the rest keep discovering: every
 * leased machine keeps its address (renewing or discovering afresh), `labboot leases` shows one
 * row per machine, and no address is ever offered or acknowledged to two MACs. A released address
 * goes to one waiting client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, ip, type LabProcess } from '../../../helpers/netns/netns-lab';
import {
  addressOf,
  leaseLines,
  startUdhcpc,
  writeLeaseScript,
} from '../../../helpers/netns/udhcpc';
import { startServe } from '../../../e2e/pxe/serve-process';
import { runBundledCli } from '../../../helpers/run-bundled-cli';
import { makeTempDir } from '../../../helpers/temp-dir';
import { until } from '../../../helpers/until';
import type { MachinesView } from '../../../../src-shared/contract/machines';

if (!canUseNetns())
  throw new Error('This test needs root for network namespaces (run CI as root).');

const CLIENTS = 20;
const SUBNET = '10.217.0';
const FIRST = 100;
const LAST = 109; // a pool of ten
const RANGE = `${SUBNET}.${FIRST}-${SUBNET}.${LAST}`;
/** Seconds between a waiting client's DISCOVERs. */
const RETRY_S = 2;
const macOfClient = (i: number): string =>
  `52:54:00:17:00:${(i + 1).toString(16).padStart(2, '0')}`;
const inRange = (addr: string): boolean => {
  const [a, b, c, d] = addr.split('.');
  const last = Number(d);
  return `${a}.${b}.${c}` === SUBNET && last >= FIRST && last <= LAST;
};

/** A DHCP line of serve's output: `<at> dhcp <mac> <stage> <detail>`. */
interface DhcpLine {
  readonly mac: string;
  readonly stage: string;
  readonly detail: string;
}

function dhcpLines(out: string): DhcpLine[] {
  return out.split('\n').flatMap((line) => {
    const m = /^\S+ dhcp (\S+) (\S+) (.*)$/.exec(line);
    return m?.[1] && m[2] && m[3] !== undefined ? [{ mac: m[1], stage: m[2], detail: m[3] }] : [];
  });
}

/** holders maps every address offered or acknowledged to the MACs it went to. */
function holders(
  steps: readonly { mac: string; stage: string; ip: string }[],
): Map<string, Set<string>> {
  const byIp = new Map<string, Set<string>>();
  for (const s of steps) {
    if (s.stage !== 'dhcp-offer' && s.stage !== 'dhcp-ack') continue;
    byIp.set(s.ip, (byIp.get(s.ip) ?? new Set()).add(s.mac));
  }
  return byIp;
}

const fromLines = (lines: readonly DhcpLine[]) =>
  lines.map((l) => ({ mac: l.mac, stage: l.stage, ip: l.detail.split(/[ ,]/)[0] ?? '' }));

describe('full DHCP: 20 clients, a pool of 10, and a restart mid-storm', () => {
  const lab = new NetnsLab('ps');
  const tmp = makeTempDir('labboot-pool-storm-');
  let srv = '';
  const clientNs: string[] = [];
  const clients: LabProcess[] = [];
  let script = '';

  const startServeOn = (dataDir: string): Promise<LabProcess> =>
    startServe(
      lab,
      srv,
      dataDir,
      [
        ...['--interface', 'br0', '--dhcp', 'full'],
        ...['--range', RANGE, '--tftp-port', '1069', '--http-port', '15252'],
      ],
      { timeoutMs: 25_000 },
    );

  beforeAll(() => {
    srv = lab.ns('srv');
    lab.disableIpv6(srv);
    lab.bridge(srv, 'br0');
    lab.addr(srv, 'br0', `${SUBNET}.1/24`);
    for (let i = 0; i < CLIENTS; i++) {
      const ns = lab.ns(`c${i}`);
      lab.disableIpv6(ns);
      lab.veth(srv, `p${i}`, ns, 'eth0');
      lab.attach(srv, `p${i}`, 'br0');
      ip('-n', ns, 'link', 'set', 'eth0', 'address', macOfClient(i));
      clientNs.push(ns);
    }
    script = writeLeaseScript(tmp.path);
  });

  afterAll(async () => {
    await lab.dispose();
    tmp.remove();
  });

  it('leases 10 distinct addresses, says "pool exhausted" once per waiting client, and keeps every lease across a restart', async () => {
    const data = join(tmp.path, 'steady');
    let serve = await startServeOn(data);
    const started = Date.now();
    for (const ns of clientNs) clients.push(startUdhcpc(lab, ns, 'eth0', script, RETRY_S));
    expect(Date.now() - started).toBeLessThan(1000);

    const address = (i: number): string | null => {
      const c = clients[i];
      return c ? addressOf(leaseLines(c)) : null;
    };
    const leased = (): number[] => clients.flatMap((_, i) => (address(i) === null ? [] : [i]));
    await until('ten clients to get an address', 20_000, () => leased().length >= 10);
    // The others go on discovering; give each of them a few more DISCOVERs.
    await new Promise((r) => setTimeout(r, RETRY_S * 2_500));

    const bound = leased();
    const waiting = clients.flatMap((_, i) => (bound.includes(i) ? [] : [i]));
    const boundIp = new Map(bound.map((i) => [macOfClient(i), address(i) ?? '']));
    expect(bound).toHaveLength(10);
    expect(new Set(boundIp.values()).size).toBe(10);
    for (const addr of boundIp.values()) expect(inRange(addr), addr).toBe(true);
    for (const i of waiting) {
      expect(leaseLines(clients[i] as LabProcess).some((l) => l.ip !== null)).toBe(false);
      // udhcpc says so on stderr for every DISCOVER it sends.
      const discovers = (clients[i]?.stderr() ?? '').split('broadcasting discover').length - 1;
      expect(discovers).toBeGreaterThanOrEqual(3);
    }

    const exhausted = (out: string): Map<string, string[]> => {
      const byMac = new Map<string, string[]>();
      for (const l of dhcpLines(out).filter((d) => d.detail.includes('pool exhausted')))
        byMac.set(l.mac, [...(byMac.get(l.mac) ?? []), l.detail]);
      return byMac;
    };
    const firstRun = exhausted(serve.stdout());
    expect([...firstRun.keys()].sort()).toEqual(waiting.map(macOfClient).sort());
    for (const [mac, details] of firstRun) {
      expect(details, mac).toHaveLength(1); // once per client, not per DISCOVER
      expect(details[0]).toMatch(new RegExp(`${RANGE}.*--range`));
    }
    const offersBefore = fromLines(dhcpLines(serve.stdout()));
    for (const [addr, macs] of holders(offersBefore)) expect([...macs], addr).toHaveLength(1);

    // Restart mid-storm: the leased clients renew, the rest go on discovering.
    for (const i of bound) clients[i]?.child.kill('SIGUSR1');
    await lab.stop(serve);
    expect(serve.child.exitCode).toBe(0);
    const firstOut = serve.stdout();
    serve = await startServeOn(data);
    // Only the new serve can answer from here on.
    const mark = bound.map((i) => leaseLines(clients[i] as LabProcess).length);
    // Three of them start afresh (a reboot: DISCOVER without an address), the rest renew.
    const rebooted = bound.slice(0, 3);
    for (const i of rebooted) {
      await lab.stop(clients[i] as LabProcess);
      clients[i] = startUdhcpc(lab, clientNs[i] as string, 'eth0', script, RETRY_S);
      mark[bound.indexOf(i)] = 0;
    }
    for (const i of bound) if (!rebooted.includes(i)) clients[i]?.child.kill('SIGUSR1');
    const renewed = (k: number, i: number): string | null =>
      leaseLines(clients[i] as LabProcess)
        .slice(mark[k])
        .filter((l) => l.event === 'bound' || l.event === 'renew')
        .at(-1)?.ip ?? null;
    await until('every leased client to renew or re-lease after the restart', 20_000, () =>
      bound.every((i, k) => renewed(k, i) !== null),
    );
    for (const [k, i] of bound.entries()) expect(renewed(k, i), macOfClient(i)).toBe(address(i));
    const acked = dhcpLines(serve.stdout()).filter((l) => l.stage === 'dhcp-ack');
    for (const [mac, addr] of boundIp)
      expect(
        acked.some((l) => l.mac === mac && l.detail.startsWith(addr)),
        mac,
      ).toBe(true);
    expect(bound.map((i) => address(i))).toEqual([...boundIp.values()]);
    await new Promise((r) => setTimeout(r, RETRY_S * 1_500));
    for (const i of waiting) expect(address(i), macOfClient(i)).toBeNull();
    const secondRun = exhausted(serve.stdout());
    for (const [mac, details] of secondRun) {
      expect(waiting.map(macOfClient)).toContain(mac);
      expect(details, mac).toHaveLength(1);
    }

    const table = await runBundledCli(['--data', data, '--json', 'leases']);
    expect(table.status, table.stderr).toBe(0);
    const view = JSON.parse(table.stdout) as MachinesView;
    const live = view.leases.filter((l) => l.state === 'bound' && !l.expired);
    expect(new Map(live.map((l) => [l.mac, l.ip]))).toEqual(boundIp);
    expect(live).toHaveLength(10);
    expect(new Set(view.leases.map((l) => l.mac)).size).toBe(view.leases.length);
    expect(new Set(view.leases.map((l) => l.ip)).size).toBe(view.leases.length);

    // The stored boot log of both runs: no address went to two MACs.
    const log = await runBundledCli(['--data', data, '--json', 'log', '--limit', '10000']);
    expect(log.status, log.stderr).toBe(0);
    const steps = log.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { mac: string | null; stage: string; clientIp: string | null })
      .filter((s) => s.mac !== null && s.clientIp !== null)
      .map((s) => ({ mac: s.mac ?? '', stage: s.stage, ip: s.clientIp ?? '' }));
    expect(steps.filter((s) => s.stage === 'dhcp-ack').length).toBeGreaterThanOrEqual(20);
    for (const [addr, macs] of holders(steps)) expect([...macs], addr).toHaveLength(1);
    for (const [addr, macs] of holders(fromLines(dhcpLines(firstOut + serve.stdout()))))
      expect([...macs], addr).toHaveLength(1);

    // A machine lets its address go: exactly one waiting client gets it.
    const leaver = bound[bound.length - 1] as number;
    const freed = address(leaver);
    clients[leaver]?.child.kill('SIGUSR2');
    await until('a waiting client to get the released address', 15_000, () =>
      waiting.some((i) => address(i) !== null),
    );
    await new Promise((r) => setTimeout(r, RETRY_S * 1_500));
    const newcomers = waiting.filter((i) => address(i) !== null);
    expect(newcomers).toHaveLength(1);
    expect(address(newcomers[0] as number)).toBe(freed);
    for (const [addr, macs] of holders(fromLines(dhcpLines(serve.stdout()))))
      expect(
        [...macs].filter((m) => m !== macOfClient(leaver)),
        addr,
      ).toHaveLength(1);
    await lab.stop(serve);
    await Promise.all(clients.splice(0).map((c) => lab.stop(c)));
  }, 90_000);
});
