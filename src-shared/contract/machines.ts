import { z } from 'zod';
import { defineCall, defineEvent } from './define';

/** One full-DHCP lease row: who holds which address until when. */
export const leaseViewSchema = z.object({
  mac: z.string(),
  ip: z.string(),
  hostname: z.string().nullable(),
  /** offered: answered a DISCOVER, held briefly; bound: acknowledged; declined: in use elsewhere. */
  state: z.enum(['offered', 'bound', 'declined']),
  /** ISO 8601. */
  expiresAt: z.string(),
  expired: z.boolean(),
  interfaceName: z.string(),
  /** The MAC holds this address through a reservation. */
  reserved: z.boolean(),
});
export type LeaseView = z.infer<typeof leaseViewSchema>;

/** One static reservation: this MAC always gets this address in full DHCP. */
export const reservationViewSchema = z.object({
  mac: z.string(),
  ip: z.string(),
  /** ISO 8601. */
  createdAt: z.string(),
  /** Inside the full-DHCP range (taken out of the pool); null when no full-DHCP setup is known. */
  inPool: z.boolean().nullable(),
  /** Not on the subnet full DHCP serves now, so the DHCP server ignores it. */
  unused: z.boolean(),
});
export type ReservationView = z.infer<typeof reservationViewSchema>;

/** The full-DHCP setup reservations are checked against: the current or last full-DHCP start. */
export const fullDhcpSetupSchema = z.object({
  interfaceName: z.string(),
  /** LabBoot's own address on it. */
  address: z.string(),
  /** e.g. `10.0.0.0/24`. */
  subnet: z.string(),
  /** e.g. `10.0.0.100-10.0.0.199`. */
  range: z.string(),
});
export type FullDhcpSetupView = z.infer<typeof fullDhcpSetupSchema>;

/** Leases, reservations and the setup they belong to. */
export const machinesViewSchema = z.object({
  setup: fullDhcpSetupSchema.nullable(),
  /** Why there is no setup, in words (null when there is one). */
  setupProblem: z.string().nullable(),
  leases: z.array(leaseViewSchema),
  reservations: z.array(reservationViewSchema),
});
export type MachinesView = z.infer<typeof machinesViewSchema>;

/** Calls about the machines full DHCP serves: leases and static reservations. */
export const machinesCalls = {
  'machines.list': defineCall({
    summary: 'Full-DHCP leases (MAC, IP, hostname, expiry) and static MAC → IP reservations.',
    input: z.object({}).strict(),
    output: machinesViewSchema,
  }),
  'machines.reserve': defineCall({
    summary:
      'Reserve an address for a MAC, checked against the full-DHCP subnet and range; replaces its previous reservation.',
    input: z.object({ mac: z.string().min(1).max(64), ip: z.string().min(1).max(64) }).strict(),
    output: reservationViewSchema,
  }),
  'machines.unreserve': defineCall({
    summary: "Remove a MAC's reservation; its address goes back to the pool.",
    input: z.object({ mac: z.string().min(1).max(64) }).strict(),
    output: z.object({ mac: z.string(), removed: z.literal(true) }),
  }),
};

/** Events about leases and reservations. */
export const machinesEvents = {
  'machines.changed': defineEvent({
    summary:
      'A lease was acknowledged, released or declined, or a reservation was added or removed.',
    payload: z.object({
      cause: z.enum(['lease', 'reserved', 'unreserved']),
      mac: z.string(),
    }),
  }),
};
