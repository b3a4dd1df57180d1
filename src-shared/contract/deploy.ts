/**
 * Deploying disk images: custom images uploaded into the store (`custom/NAME`), and the deploy
 * cycle of each machine — marked, installer running, deployed (local boot from then on), failed,
 * released.
 */
import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { IMAGE_ARCHES, IMAGE_FIRMWARES, IMAGE_KINDS } from '../deploy/image-kinds';

/** One uploaded disk image. */
export const customImageViewSchema = z.object({
  /** `custom/NAME`. */
  name: z.string(),
  kind: z.enum(IMAGE_KINDS),
  arch: z.enum(IMAGE_ARCHES),
  firmware: z.enum(IMAGE_FIRMWARES),
  sha256: z.string(),
  /** Bytes of the stored (compressed) file. */
  size: z.number(),
  /** Bytes of the disk image it holds: the smallest disk it fits. */
  diskBytes: z.number(),
  /** ISO 8601. */
  createdAt: z.string(),
  /** The MAC a deploy under way writes it to, if any (the image cannot be deleted then). */
  inUseBy: z.string().nullable(),
});
export type CustomImageView = z.infer<typeof customImageViewSchema>;

/** The deploy states of a machine, as MAAS shows them. */
export const MACHINE_STATES = [
  'new',
  'ephemeral',
  'deploying',
  'deployed',
  'failed',
  'released',
] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

/** One machine LabBoot has seen or was told about. */
export const machineViewSchema = z.object({
  mac: z.string(),
  state: z.enum(MACHINE_STATES),
  /** `custom/NAME` of the image deployed or being deployed. */
  image: z.string().nullable(),
  /** Where a deploy is: marked, started, writing, verifying, rebooting (null when none runs). */
  phase: z.string().nullable(),
  /** Bytes written and to write, as the installer last reported. */
  bytes: z.number(),
  total: z.number(),
  /** 0–100 while deploying, else null. */
  percent: z.number().nullable(),
  /** Why the last deploy failed, in the installer's own words. */
  error: z.string().nullable(),
  /** `auto` or `/dev/NAME`. */
  disk: z.string().nullable(),
  /** Released with `--erase` and the installer has not erased the disk yet. */
  erasePending: z.boolean(),
  /** ISO 8601 of the successful deploy. */
  deployedAt: z.string().nullable(),
  /** ISO 8601 of the last state change. */
  updatedAt: z.string().nullable(),
  /** ISO 8601 of the last boot-log step. */
  lastSeenAt: z.string().nullable(),
  lastAddress: z.string().nullable(),
  /** The last file it fetched over TFTP or HTTP, as the boot log shows it. */
  lastPath: z.string().nullable(),
});
export type MachineView = z.infer<typeof machineViewSchema>;

const mac = z.string().min(1).max(64);

/** What a custom image is imported as (`deploy.importImage` and the console's upload). */
export const imageImportSettingsSchema = z
  .object({
    name: z.string().min(1).max(80),
    kind: z.enum(['auto', ...IMAGE_KINDS]).default('auto'),
    arch: z.enum(IMAGE_ARCHES).default('amd64'),
    firmware: z.enum(IMAGE_FIRMWARES).default('any'),
  })
  .strict();
export type ImageImportSettings = z.input<typeof imageImportSettingsSchema>;

/**
 * The browser console's upload of a custom image: `POST` the file's bytes as
 * application/octet-stream with the settings as query parameters; the answer is a CallResult of
 * the stored image, as from `deploy.importImage`.
 */
export const IMAGE_UPLOAD_PATH = '/api/upload/custom-image';

/** Calls about custom images and deploys. */
export const deployCalls = {
  'deploy.images': defineCall({
    summary: 'Custom disk images in the store (uploaded, beside the synced ones).',
    input: z.object({}).strict(),
    output: z.array(customImageViewSchema),
  }),
  'deploy.importImage': defineCall({
    summary:
      'Import a disk image file from this computer as custom/NAME: kind detected from its bytes, sha256 computed while it streams into the store.',
    input: imageImportSettingsSchema.extend({ path: z.string().min(1).max(4096) }).strict(),
    output: customImageViewSchema,
  }),
  'deploy.deleteImage': defineCall({
    summary: 'Delete a custom image; refused while a deploy writes it.',
    input: z.object({ name: z.string().min(1).max(80) }).strict(),
    output: z.object({ name: z.string(), removed: z.literal(true) }),
  }),
  'deploy.machines': defineCall({
    summary: 'Every MAC LabBoot has seen or deployed, with its deploy state and last boot step.',
    input: z.object({}).strict(),
    output: z.array(machineViewSchema),
  }),
  'deploy.start': defineCall({
    summary:
      'Mark a MAC for deploy: its next network boot runs the installer, which overwrites its disk with the image.',
    input: z
      .object({
        mac,
        image: z.string().min(1).max(80),
        disk: z.string().min(1).max(64).default('auto'),
      })
      .strict(),
    output: machineViewSchema,
  }),
  'deploy.release': defineCall({
    summary:
      'Return a MAC to ephemeral boots; with erase, the installer first zeroes the start and end of its disk.',
    input: z.object({ mac, erase: z.boolean().default(false) }).strict(),
    output: machineViewSchema,
  }),
};

/** Events about custom images and deploys. */
export const deployEvents = {
  'deploy.importProgress': defineEvent({
    summary: 'Bytes of a custom image read into the store so far.',
    payload: z.object({ name: z.string(), bytes: z.number(), total: z.number() }),
  }),
  'deploy.changed': defineEvent({
    summary:
      "A machine's deploy state or progress changed, or a custom image was added or removed.",
    payload: z.object({
      mac: z.string().nullable(),
      state: z.enum(MACHINE_STATES).nullable(),
      phase: z.string().nullable(),
      percent: z.number().nullable(),
    }),
  }),
};
