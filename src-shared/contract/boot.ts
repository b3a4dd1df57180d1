import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { bootChoiceSchema } from '../boot/choices';
import { bootServeEventSchema } from '../boot/events';

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
});
export type BootStatus = z.infer<typeof bootStatusSchema>;

/** Where and how to serve: exactly one of interfaceName or address. */
export const bootStartInputSchema = z
  .object({
    interfaceName: z.string().min(1).optional(),
    address: z.string().min(1).optional(),
    tftpPort: z.number().int().min(0).max(65535).optional(),
    httpPort: z.number().int().min(0).max(65535).optional(),
  })
  .strict();
export type BootStartInput = z.infer<typeof bootStartInputSchema>;

/** Calls about the boot server and per-machine boot choices. */
export const bootCalls = {
  'boot.status': defineCall({
    summary: 'Whether the boot server runs, on which address, and the state of each part.',
    input: z.object({}).strict(),
    output: bootStatusSchema,
  }),
  'boot.start': defineCall({
    summary: 'Start serving TFTP and HTTP on one interface or address.',
    input: bootStartInputSchema,
    output: bootStatusSchema,
  }),
  'boot.stop': defineCall({
    summary: 'Stop serving.',
    input: z.object({}).strict(),
    output: bootStatusSchema,
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
  'boot.removeChoice': defineCall({
    summary: "Remove a machine's own choice so it falls back to the default.",
    input: z.object({ mac: z.string().min(1) }).strict(),
    output: z.object({ removed: z.boolean() }),
  }),
};

/** Events from the boot server. */
export const bootEvents = {
  'boot.serve': defineEvent({
    summary: 'One TFTP transfer or HTTP request served (or refused).',
    payload: bootServeEventSchema,
  }),
};
