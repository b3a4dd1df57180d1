import { z } from 'zod';
import { defineCall, defineEvent } from './define';

/** The kind of a network interface, as a person would tell them apart. */
export const interfaceKindSchema = z.enum(['wired', 'wireless', 'virtual', 'vpn', 'loopback']);
export type InterfaceKind = z.infer<typeof interfaceKindSchema>;

export const interfaceAddressSchema = z.object({
  family: z.enum(['IPv4', 'IPv6']),
  address: z.string(),
  prefixLength: z.number().int().min(0).max(128),
});
export type InterfaceAddress = z.infer<typeof interfaceAddressSchema>;

/** One NIC as `labboot interfaces` and the boot-server picker show it. */
export const networkInterfaceSchema = z.object({
  name: z.string(),
  kind: interfaceKindSchema,
  /** Why the kind was chosen, e.g. "wireless (phy80211)" or "bridge". */
  kindReason: z.string(),
  mac: z.string().nullable(),
  mtu: z.number().int().nullable(),
  up: z.boolean(),
  addresses: z.array(interfaceAddressSchema),
  /** A warning a person should read before serving PXE here (e.g. Wi-Fi cannot PXE boot clients). */
  warning: z.string().nullable(),
});
export type NetworkInterface = z.infer<typeof networkInterfaceSchema>;

export const systemInfoSchema = z.object({
  version: z.string(),
  dataDir: z.string(),
  databasePath: z.string(),
  platform: z.string(),
  frontDoor: z.enum(['electron', 'console', 'cli']),
  startedAt: z.string(),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

/** Calls about the app itself and the machine it runs on. */
export const systemCalls = {
  'system.info': defineCall({
    summary: 'Version, data folder and front door of this LabBoot process.',
    input: z.object({}).strict(),
    output: systemInfoSchema,
  }),
  'system.interfaces': defineCall({
    summary: 'Network interfaces with addresses, MAC, MTU and a kind hint.',
    input: z.object({}).strict(),
    output: z.array(networkInterfaceSchema),
  }),
};

/** Events about the app itself. */
export const systemEvents = {
  'system.log': defineEvent({
    summary: 'A log line from a service, for the live log.',
    payload: z.object({
      at: z.string(),
      level: z.enum(['info', 'warn', 'error']),
      component: z.string(),
      message: z.string(),
    }),
  }),
};
