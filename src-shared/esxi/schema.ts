/**
 * The shape of an ESXi network preview, as zod schemas (the contract validates with them) and the
 * TypeScript types the UI renders. `commands`, `warnings` and `exit` are the oracle contract
 * (shared/spec/esxi-contract.md); `plan` and `dropped` explain them, every element pointing back to
 * the input item it came from.
 */
import { z } from 'zod';

/** A host NIC as `esxcli network nic list` shows it. */
export const esxiNicSchema = z.object({ name: z.string(), mac: z.string() });
export type EsxiNic = z.infer<typeof esxiNicSchema>;

/** Where an element came from in the input file. */
export const esxiSourceSchema = z.object({
  /** JSON pointer into the input document, e.g. `/network/config/2/subnets/0`. */
  pointer: z.string(),
  /** 1-based line and column in the input text. */
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
  /** Index of the entry in `network.config`; null for the document or its envelope. */
  entry: z.number().int().nullable(),
  /** Short label for people: `bond0`, `eth0 subnet 1`, `nameserver`. */
  label: z.string(),
});
export type EsxiSource = z.infer<typeof esxiSourceSchema>;

export const esxiUplinkSchema = z.object({
  vmnic: z.string(),
  /** The config interface the uplink stands for (`id` of a physical entry). */
  nic: z.string(),
  source: esxiSourceSchema,
});

export const esxiTeamingSchema = z.object({
  /** ESXi load-balancing policy: `-l` of `policy failover set`. */
  policy: z.enum(['portid', 'explicit', 'iphash']),
  bondMode: z.string(),
  /** The `-a` list in order; with `explicit` the first is the active NIC. */
  activeUplinks: z.array(z.string()),
  source: esxiSourceSchema,
});

export const esxiVswitchSchema = z.object({
  name: z.string(),
  /** `-m` of `vswitch standard set`, as the script formats it; null when not set. */
  mtu: z.string().nullable(),
  uplinks: z.array(esxiUplinkSchema),
  /** NIC teaming; null for a physical NIC's or VLAN's vSwitch and for unsupported bond modes. */
  teaming: esxiTeamingSchema.nullable(),
  createdBy: z.enum(['physical', 'bond', 'vlan']),
  source: esxiSourceSchema,
});
export type EsxiVswitch = z.infer<typeof esxiVswitchSchema>;

export const esxiPortGroupSchema = z.object({
  name: z.string(),
  vswitch: z.string(),
  /** VLAN id set on the port group (as the script formats it); null when untagged. */
  vlanId: z.string().nullable(),
  /** 0 for the interface's first subnet, n for the alias `<name>:n`. */
  aliasIndex: z.number().int(),
  source: esxiSourceSchema,
});
export type EsxiPortGroup = z.infer<typeof esxiPortGroupSchema>;

export const esxiIpv4Schema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('static'),
    address: z.string(),
    netmask: z.string(),
    prefixLength: z.number().int(),
  }),
  z.object({ mode: z.literal('dhcp'), gateway: z.string().nullable() }),
]);

export const esxiIpv6Schema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('static'),
    address: z.string(),
    /** The prefix the config asked for; the script does not pass it to ESXi. */
    prefixLength: z.number().int(),
    gateway: z.string().nullable(),
  }),
  z.object({ mode: z.literal('dhcp'), gateway: z.string().nullable() }),
]);

export const esxiVmkSchema = z.object({
  name: z.string(),
  portGroup: z.string(),
  vswitch: z.string(),
  mtu: z.string(),
  /** `-M` MAC; null on VLAN interfaces (their entries carry none). */
  mac: z.string().nullable(),
  ipv4: esxiIpv4Schema.nullable(),
  ipv6: esxiIpv6Schema.nullable(),
  /** The subnet `type` that produced this vmk (`static`, `dhcp4`, `manual`, …). */
  subnetType: z.string(),
  source: esxiSourceSchema,
});
export type EsxiVmk = z.infer<typeof esxiVmkSchema>;

export const esxiRouteSchema = z.object({
  family: z.enum(['ipv4', 'ipv6']),
  /** `default` or the destination exactly as written in the config. */
  destination: z.string(),
  gateway: z.string(),
  source: esxiSourceSchema,
});
export type EsxiRoute = z.infer<typeof esxiRouteSchema>;

export const esxiDnsSchema = z.object({
  servers: z.array(z.object({ address: z.string(), source: esxiSourceSchema })),
  search: z.array(z.object({ domain: z.string(), source: esxiSourceSchema })),
});

export const esxiStepSchema = z.object({ command: z.string(), source: esxiSourceSchema });
export const esxiWarningSchema = z.object({ text: z.string(), source: esxiSourceSchema });

export const esxiNoteCodeSchema = z.enum([
  'ipv6-prefix-not-applied',
  'vmk-without-ip',
  'bond-ip-lost',
  'vswitch-without-uplink',
  'host-unreachable',
  'lacp-needs-etherchannel',
  'uplink-missing-from-teaming',
  'auto-ip-unassigned',
]);
export type EsxiNoteCode = z.infer<typeof esxiNoteCodeSchema>;

/** A consequence worth knowing that the script itself does not print. */
export const esxiNoteSchema = z.object({
  code: esxiNoteCodeSchema,
  message: z.string(),
  source: esxiSourceSchema,
});
export type EsxiNote = z.infer<typeof esxiNoteSchema>;

export const esxiDroppedCodeSchema = z.enum([
  'unknown-type',
  'no-ip-config',
  'unmapped-bond',
  'unsupported-bond-mode',
  'bond-option-ignored',
  'subnet-without-ip',
  'per-subnet-dns-ignored',
  'route-metric-ignored',
  'route-already-listed',
  'ignored-key',
  'no-name',
  'not-applied',
]);
export type EsxiDroppedCode = z.infer<typeof esxiDroppedCodeSchema>;

/** An input item (or key) the script ignores or loses, with the reason. */
export const esxiDroppedSchema = z.object({
  code: esxiDroppedCodeSchema,
  item: z.string(),
  reason: z.string(),
  source: esxiSourceSchema,
});
export type EsxiDropped = z.infer<typeof esxiDroppedSchema>;

/** Why the script would stop early with exit 1 (a Python exception). */
export const esxiAbortSchema = z.object({
  exception: z.enum(['TypeError', 'KeyError', 'ValueError', 'AttributeError']),
  message: z.string(),
  source: esxiSourceSchema,
});
export type EsxiAbort = z.infer<typeof esxiAbortSchema>;

export const esxiModelSchema = z.object({
  repository: z.string(),
  path: z.string(),
  commit: z.string(),
  sha256: z.string(),
});

export const esxiPlanSchema = z.object({
  model: esxiModelSchema,
  nics: z.array(esxiNicSchema),
  nicsFrom: z.enum(['inventory', 'config']),
  vswitches: z.array(esxiVswitchSchema),
  portGroups: z.array(esxiPortGroupSchema),
  vmks: z.array(esxiVmkSchema),
  routes: z.array(esxiRouteSchema),
  dns: esxiDnsSchema,
  /** `commands` again, each with the input item that caused it. */
  steps: z.array(esxiStepSchema),
  /** `warnings` again, each with the input item that caused it. */
  warnings: z.array(esxiWarningSchema),
  notes: z.array(esxiNoteSchema),
  abort: esxiAbortSchema.nullable(),
});
export type EsxiPlan = z.infer<typeof esxiPlanSchema>;

export const esxiPreviewSchema = z.object({
  commands: z.array(z.string()),
  warnings: z.array(z.string()),
  exit: z.number().int(),
  plan: esxiPlanSchema,
  dropped: z.array(esxiDroppedSchema),
});
export type EsxiPreview = z.infer<typeof esxiPreviewSchema>;
