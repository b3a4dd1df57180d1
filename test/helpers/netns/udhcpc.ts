/**
 * A real DHCP client for namespace tests: BusyBox `udhcpc` (Debian's busybox-static) in the
 * foreground, with a lease script that puts the address on the interface (so renewals go out
 * unicast from it, as on a real machine) and prints one `LEASE <event> [ip]` line per script call.
 * Signals: SIGUSR1 renews, SIGUSR2 releases, SIGTERM ends the client without a RELEASE.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProcess, NetnsLab } from './netns-lab';

/** One call of the lease script: `bound` or `renew` with the address, `deconfig`, `nak`, `leasefail`. */
export interface LeaseLine {
  readonly event: string;
  readonly ip: string | null;
}

const SCRIPT = `#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    echo "LEASE $1 $ip" ;;
  deconfig)
    ip addr flush dev "$interface"
    echo "LEASE deconfig" ;;
  *) echo "LEASE $1" ;;
esac
`;

/** writeLeaseScript writes the lease script into `dir` and returns its path. */
export function writeLeaseScript(dir: string): string {
  const path = join(dir, 'udhcpc-lease.sh');
  writeFileSync(path, SCRIPT);
  chmodSync(path, 0o755);
  return path;
}

/**
 * startUdhcpc runs `busybox udhcpc` on `ns:ifname` until stopped: it sends a DISCOVER every
 * `retrySeconds` while it has no lease (and never gives up), and keeps its lease without -q.
 */
export function startUdhcpc(
  lab: NetnsLab,
  ns: string,
  ifname: string,
  script: string,
  retrySeconds: number,
): LabProcess {
  return lab.run(ns, 'busybox', [
    'udhcpc',
    '-f',
    '-i',
    ifname,
    '-s',
    script,
    '-t',
    '1000',
    '-T',
    String(retrySeconds),
  ]);
}

/** leaseLines are the lease script's calls so far, oldest first. */
export function leaseLines(proc: LabProcess): LeaseLine[] {
  return proc
    .stdout()
    .split('\n')
    .flatMap((line) => {
      const m = /^LEASE (\S+)(?: (\S+))?$/.exec(line.trim());
      return m?.[1] ? [{ event: m[1], ip: m[2] ?? null }] : [];
    });
}

/** addressOf is the address of the client's latest `bound` or `renew`, unless deconfigured since. */
export function addressOf(lines: readonly LeaseLine[]): string | null {
  const last = lines
    .filter((l) => l.event === 'bound' || l.event === 'renew' || l.event === 'deconfig')
    .at(-1);
  return last?.ip ?? null;
}
