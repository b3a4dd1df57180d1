/**
 * MachinesService is what LabBoot knows about the machines full DHCP serves: their leases and the
 * static MAC → IP reservations an admin makes. Reservations are checked against the full-DHCP setup
 * of the current or last start (interface, subnet, range) and stored in SQLite, where the DHCP
 * responder reads them on every request, also from another process.
 */
import type { Database } from '../store/database';
import type { SettingsStore } from '../store/settings-store';
import type { EventBus } from '../event-bus';
import type { Disposable } from '../lifecycle';
import type { NetworkInterface } from '../../src-shared/contract/system';
import type { BootLastStart } from '../../src-shared/contract/boot';
import type { LeaseView, MachinesView, ReservationView } from '../../src-shared/contract/machines';
import { UserError, isUserError } from '../../src-shared/errors';
import { LAST_START_SETTING } from './boot-service';
import { fullDhcpSetup } from './dhcp/full-dhcp-setup';
import { ipToInt, isHostOn, subnetText } from './dhcp/ipv4';
import { LeaseStore, allLeases } from './dhcp/lease-store';
import { checkReservation, parseMac, type FullDhcpSetup } from './dhcp/reservation-check';
import { ReservationStore, ipOrder, type Reservation } from './dhcp/reservation-store';

/** DHCP steps that change a lease; each is announced as `machines.changed`. */
const LEASE_STAGES = new Set(['dhcp-ack', 'dhcp-release', 'dhcp-decline']);

/** What MachinesService is built from. */
export interface MachinesServiceDeps {
  readonly db: Database;
  readonly settings: SettingsStore;
  /** The interface list (`listInterfaces`), injectable for tests. */
  readonly interfaces: () => NetworkInterface[];
  readonly events?: EventBus;
  readonly now?: () => number;
}

/** MachinesService lists leases and keeps reservations. */
export class MachinesService implements Disposable {
  private readonly reservations: ReservationStore;
  private readonly subscription: Disposable | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: MachinesServiceDeps) {
    this.reservations = new ReservationStore(deps.db);
    this.now = deps.now ?? Date.now;
    this.subscription = deps.events?.subscribe((name, payload) => {
      if (name !== 'boot.serve') return;
      const e = payload as { protocol: string; stage?: string; mac?: string | null };
      if (e.protocol === 'dhcp' && LEASE_STAGES.has(e.stage ?? '') && e.mac) {
        deps.events?.emit('machines.changed', { cause: 'lease', mac: e.mac });
      }
    });
  }

  /** Leases of every interface and every reservation, with the setup they are checked against. */
  list(): MachinesView {
    const now = this.now();
    let setup: FullDhcpSetup | undefined;
    let setupProblem: string | null = null;
    try {
      setup = this.setup();
    } catch (error) {
      if (!isUserError(error)) throw error;
      setupProblem = error.message;
    }
    const reservations = this.reservations.list();
    const reservedIp = new Map(reservations.map((r) => [r.mac, r.ip]));
    const leases: LeaseView[] = allLeases(this.deps.db)
      .sort(
        (a, b) => a.interfaceName.localeCompare(b.interfaceName) || ipOrder(a.ip) - ipOrder(b.ip),
      )
      .map((l) => ({
        mac: l.mac,
        ip: l.ip,
        hostname: l.hostname,
        state: l.state,
        expiresAt: new Date(l.expiresAt).toISOString(),
        expired: l.expiresAt <= now,
        interfaceName: l.interfaceName,
        reserved: reservedIp.get(l.mac) === l.ip,
      }));
    return {
      setup:
        setup === undefined
          ? null
          : {
              interfaceName: setup.interfaceName,
              address: setup.subnet.address,
              subnet: subnetText(setup.subnet),
              range: `${setup.range.first}-${setup.range.last}`,
            },
      setupProblem,
      leases,
      reservations: reservations.map((r) => this.view(r, setup)),
    };
  }

  /** Reserves `ip` for `mac` after checking it against the full-DHCP setup; throws UserError. */
  reserve(macText: string, ipText: string): ReservationView {
    const setup = this.setup();
    const leases = new LeaseStore(this.deps.db, setup.interfaceName);
    const checked = checkReservation(macText, ipText, {
      setup,
      reservedFor: (ip) => this.reservations.macFor(ip),
      leaseOf: (ip) => leases.byIp(ip),
      now: this.now(),
    });
    const saved = this.reservations.set(checked.mac, checked.ip, this.now());
    this.deps.events?.emit('machines.changed', { cause: 'reserved', mac: checked.mac });
    return this.view(saved, setup);
  }

  /** Removes the MAC's reservation; throws UserError when it has none. */
  unreserve(macText: string): { mac: string; removed: true } {
    const mac = parseMac(macText);
    if (!this.reservations.remove(mac)) {
      throw new UserError(
        `${mac} has no reservation, so there is nothing to remove; labboot leases lists the reservations.`,
        'reservation-missing',
      );
    }
    this.deps.events?.emit('machines.changed', { cause: 'unreserved', mac });
    return { mac, removed: true };
  }

  /**
   * setup is the full-DHCP configuration reservations are checked against: the interface, its
   * IPv4 subnet now, and the range of the current or last full-DHCP start (a start is remembered
   * as soon as it succeeds, so while full DHCP runs this is the running one).
   */
  setup(): FullDhcpSetup {
    return fullDhcpSetup(
      this.deps.settings.get<BootLastStart>(LAST_START_SETTING),
      this.deps.interfaces(),
    );
  }

  dispose(): Promise<void> {
    this.subscription?.dispose();
    return Promise.resolve();
  }

  private view(r: Reservation, setup: FullDhcpSetup | undefined): ReservationView {
    const n = ipToInt(r.ip);
    return {
      mac: r.mac,
      ip: r.ip,
      createdAt: new Date(r.createdAt).toISOString(),
      inPool:
        setup === undefined
          ? null
          : n >= ipToInt(setup.range.first) && n <= ipToInt(setup.range.last),
      unused:
        setup !== undefined && (!isHostOn(r.ip, setup.subnet) || r.ip === setup.subnet.address),
    };
  }
}
