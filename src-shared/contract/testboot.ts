/**
 * Test boots: a synced image booted in a throwaway local QEMU VM through LabBoot's own HTTP server
 * and configs, judged from the VM's serial console. One test boot runs at a time per process.
 */
import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { TEST_BOOT_MILESTONES } from '../testboot/milestones';

/** The firmware a test boot VM starts with. */
export const TEST_BOOT_FIRMWARES = ['bios', 'uefi'] as const;
export type TestBootFirmware = (typeof TEST_BOOT_FIRMWARES)[number];

/** Where a test boot is: running, or how it ended. */
export const TEST_BOOT_STATES = ['running', 'succeeded', 'failed', 'timed-out', 'stopped'] as const;
export type TestBootState = (typeof TEST_BOOT_STATES)[number];

/** What starts a test boot. */
export const testBootInputSchema = z
  .object({
    /**
     * `os/release/arch` of a stored image; omitted means the amd64 default image. `custom/NAME`
     * is a deploy test boot: the VM gets a throwaway raw disk and LabBoot deploys NAME to it.
     */
    image: z.string().min(1).max(200).optional(),
    firmware: z.enum(TEST_BOOT_FIRMWARES).default('bios'),
    memoryMiB: z.number().int().min(256).max(65_536).default(2048),
    timeoutSeconds: z.number().int().min(10).max(7200).default(300),
    /** Keep the VM's folder (console log, firmware variables, a deploy's disk) after the boot. */
    keep: z.boolean().default(false),
    /** A deploy test boot's disk size; omitted means the image's size plus a margin. */
    diskSizeMiB: z.number().int().min(1).max(4_194_304).optional(),
  })
  .strict();
export type TestBootInput = z.infer<typeof testBootInputSchema>;

/** One milestone reached, with the seconds from VM start at which the console showed it. */
export const testBootMilestoneSchema = z.object({
  id: z.enum(TEST_BOOT_MILESTONES),
  label: z.string(),
  atMs: z.number().int().min(0),
});
export type TestBootMilestoneView = z.infer<typeof testBootMilestoneSchema>;

/** A test boot as every front door shows it. */
export const testBootViewSchema = z.object({
  id: z.string(),
  image: z.string(),
  firmware: z.enum(TEST_BOOT_FIRMWARES),
  /** QEMU's accelerator: kvm, hvf, whpx or tcg. */
  accel: z.string(),
  /** The accelerator in words (TCG says it is slow). */
  accelNote: z.string(),
  /** The iPXE script URL the VM boots from, as the VM reaches it. */
  bootUrl: z.string(),
  /** How LabBoot serves it: the running boot server, or one on loopback just for this test. */
  serverNote: z.string(),
  mac: z.string(),
  state: z.enum(TEST_BOOT_STATES),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  milestones: z.array(testBootMilestoneSchema),
  /** The outcome in one sentence, once it ended. */
  message: z.string().nullable(),
  /** The VM's folder when kept. */
  folder: z.string().nullable(),
});
export type TestBootView = z.infer<typeof testBootViewSchema>;

export const testbootCalls = {
  'testboot.start': defineCall({
    summary:
      'Boot an image in a throwaway local QEMU VM (user-mode networking) through LabBoot’s HTTP server.',
    input: testBootInputSchema,
    output: testBootViewSchema,
  }),
  'testboot.stop': defineCall({
    summary: 'Stop the running test boot VM (no-op when none runs).',
    input: z.object({}).strict(),
    output: testBootViewSchema.nullable(),
  }),
  'testboot.status': defineCall({
    summary: 'The current or last test boot, and the tail of its serial console.',
    input: z.object({}).strict(),
    output: z.object({ current: testBootViewSchema.nullable(), console: z.string() }),
  }),
};

export const testbootEvents = {
  'testboot.changed': defineEvent({
    summary: 'A test boot started, reached a milestone or ended.',
    payload: testBootViewSchema,
  }),
  'testboot.console': defineEvent({
    summary: 'Serial console text of the running test boot, batched a few times a second.',
    payload: z.object({ id: z.string(), text: z.string() }),
  }),
};
