import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { bootChoiceSchema } from '../boot/choices';
import { bootServeEventSchema, bootStepSchema } from '../boot/events';

/** DHCP modes: proxy answers only PXE clients beside a router; full owns a range; off leaves DHCP to the router. */
export const dhcpModeSchema = z.enum(['proxy', 'full', 'off']);
export type DhcpModeName = z.infer<typeof dhcpModeSchema>;

/** What the last successful start used, remembered in SQLite so the screen preselects it. */
export const bootLastStartSchema = z.object({
  interfaceName: z.string().nullable(),
  address: z.string().nullable(),
  dhcp: dhcpModeSchema,
  range: z.string().nullable(),
});
export type BootLastStart = z.infer<typeof bootLastStartSchema>;

/** One serving part (HTTP, TFTP, later DHCP) and its state. */
export const bootPartSchema = z.object({
  name: z.string(),
  state: z.enum(['running', 'off', 'failed']),
  address: z.string(),
  port: z.number().int().nullable(),
  detail: z.string().nullable(),
});
export type BootPartView = z.infer<typeof bootPartSchema>;

/** Whether LabBoot is serving, where, and each part's state. */
export const bootStatusSchema = z.object({
  running: z.boolean(),
  address: z.string().nullable(),
  interfaceName: z.string().nullable(),
  mtu: z.number().int().nullable(),
  warnings: z.array(z.string()),
  parts: z.array(bootPartSchema),
  /** The DHCP mode while running (null when stopped). */
  dhcp: dhcpModeSchema.nullable(),
  /** What will not work in that mode, in plain words. */
  limitations: z.array(z.string()),
  /** What the last successful start used, for the picker. */
  lastStart: bootLastStartSchema.nullable(),
});
export type BootStatus = z.infer<typeof bootStatusSchema>;

/** Where and how to serve: exactly one of interfaceName or address. */
export const bootStartInputSchema = z
  .object({
    interfaceName: z.string().min(1).optional(),
    address: z.string().min(1).optional(),
    tftpPort: z.number().int().min(0).max(65535).optional(),
    httpPort: z.number().int().min(0).max(65535).optional(),
    /** DHCP mode; omitted means no DHCP part (TFTP and HTTP only). */
    dhcp: dhcpModeSchema.optional(),
    /** Full mode's pool, `FIRST-LAST` on the interface's subnet. */
    range: z.string().min(1).optional(),
    /** DHCP server port (clients answer on the next one); high ports are for tests on loopback. */
    dhcpPort: z.number().int().min(1).max(65534).optional(),
  })
  .strict();
export type BootStartInput = z.infer<typeof bootStartInputSchema>;

/** The admin's extra kernel options: global ones, then each machine's own (by MAC). */
export const kernelOptionsViewSchema = z.object({
  global: z.string(),
  machines: z.array(z.object({ mac: z.string(), options: z.string() })),
});
export type KernelOptionsView = z.infer<typeof kernelOptionsViewSchema>;

/** Calls about the boot server and per-machine boot choices. */
export const bootCalls = {
  'boot.status': defineCall({
    summary: 'Whether the boot server runs, on which address, and the state of each part.',
    input: z.object({}).strict(),
    output: bootStatusSchema,
  }),
  'boot.start': defineCall({
    summary: 'Start serving DHCP (proxy, full or off), TFTP and HTTP as one unit on an interface.',
    input: bootStartInputSchema,
    output: bootStatusSchema,
  }),
  'boot.stop': defineCall({
    summary: 'Stop serving.',
    input: z.object({}).strict(),
    output: bootStatusSchema,
  }),
  'boot.limitations': defineCall({
    summary: 'What cannot boot in a DHCP mode (e.g. Secure Boot + proxyDHCP), in plain words.',
    input: z.object({ dhcp: dhcpModeSchema }).strict(),
    output: z.array(z.object({ id: z.string(), message: z.string() })),
  }),
  'boot.sshKeys': defineCall({
    summary: "The admin's SSH public keys handed to booted machines.",
    input: z.object({}).strict(),
    output: z.object({ keys: z.array(z.string()) }),
  }),
  'boot.setSshKeys': defineCall({
    summary:
      "Replace the admin's SSH public keys (OpenSSH .pub lines; blanks and # comments dropped).",
    input: z.object({ keys: z.array(z.string().max(16_384)).max(100) }).strict(),
    output: z.object({ keys: z.array(z.string()) }),
  }),
  'boot.log': defineCall({
    summary:
      "The stored boot log, oldest first: every step, or one MAC's DHCP → TFTP → HTTP timeline.",
    input: z
      .object({
        mac: z.string().min(1).optional(),
        limit: z.number().int().min(1).max(20_000).optional(),
      })
      .strict(),
    output: z.array(bootStepSchema),
  }),
  'boot.choices': defineCall({
    summary: 'Per-MAC boot choices, and the default for unknown machines (mac "default").',
    input: z.object({}).strict(),
    output: z.array(bootChoiceSchema),
  }),
  'boot.setChoice': defineCall({
    summary: 'Set what a machine (or "default") boots: an image or its local disk.',
    input: z
      .object({
        mac: z.string().min(1),
        action: z.enum(['image', 'local']),
        image: z.string().min(1).optional(),
        hostname: z.string().min(1).max(63).optional(),
      })
      .strict(),
    output: bootChoiceSchema,
  }),
  'boot.kernelOptions': defineCall({
    summary:
      "Extra kernel options added to every machine's command line, and each machine's own (after them).",
    input: z.object({}).strict(),
    output: kernelOptionsViewSchema,
  }),
  'boot.setKernelOptions': defineCall({
    summary:
      'Set the extra kernel options of a machine, or the global ones (mac "default"); empty text removes them.',
    input: z.object({ mac: z.string().min(1), options: z.string().max(4096) }).strict(),
    output: kernelOptionsViewSchema,
  }),
  'boot.removeChoice': defineCall({
    summary: "Remove a machine's own choice so it falls back to the default.",
    input: z.object({ mac: z.string().min(1) }).strict(),
    output: z.object({ removed: z.boolean() }),
  }),
};

/** Events from the boot server. */
export const bootEvents = {
  'boot.serve': defineEvent({
    summary:
      'One DHCP step, TFTP transfer or HTTP request served (or refused), with the MAC when known.',
    payload: bootServeEventSchema,
  }),
};
