/**
 * The configuration backup: one versioned JSON document (`{ "labboot-config": 1, … }`) holding what
 * an admin sets up by hand — sources with their keyrings, selections, boot choices, SSH keys,
 * settings, full-DHCP reservations and per-machine kernel options — and never images (a mirror carries those). The same schemas
 * check the document in `labboot config import` and in the `config.import` call. Pure.
 *
 * Version 1 grew the `reservations` section after its first writers, so the section is optional:
 * a document without it leaves the reservations as they are, one with it (even empty) replaces
 * them. Readers that know the section accept both, so the version stays 1. The per-machine
 * `kernelOptions` section came later still and is optional the same way; the global kernel options
 * travel in `settings` (key `boot.kernelOptions`), checked like the per-machine ones.
 */
import { z } from 'zod';
import { UserError } from '../errors';
import { normalizeMac } from '../boot/mac';
import { sshKeyProblem } from '../boot/ssh-keys';
import { defaultKeyArch } from '../boot/choices';
import {
  KERNEL_OPTIONS_SETTING,
  kernelOptionsProblem,
  normalizeKernelOptions,
} from '../boot/kernel-options';

/** The document version this LabBoot writes and reads. */
export const CONFIG_DOCUMENT_VERSION = 1;

/** The key that marks a LabBoot configuration backup and carries its version. */
export const CONFIG_DOCUMENT_MARK = 'labboot-config';

/** One boot source; a custom keyring travels as base64 of its binary OpenPGP keys. */
export const backupSourceSchema = z
  .object({
    name: z.string().min(1).max(200),
    url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http or https URL'),
    keyring: z.enum(['custom', 'default', 'none']),
    keyringBase64: z
      .string()
      .max(3_000_000)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
      .nullable(),
    fingerprints: z.array(z.string().regex(/^[0-9a-f]{16,64}$/i)).max(100),
  })
  .strict()
  .refine((s) => (s.keyring === 'custom') === (s.keyringBase64 !== null), {
    message: 'keyringBase64 is given exactly when the keyring is custom',
  });
export type BackupSource = z.infer<typeof backupSourceSchema>;

const namePart = z.string().regex(/^[a-z0-9._-]+$/, 'must be lower-case letters, digits, . _ -');

export const backupSelectionSchema = z
  .object({ os: namePart, release: namePart, arch: namePart })
  .strict();
export type BackupSelection = z.infer<typeof backupSelectionSchema>;

export const backupChoiceSchema = z
  .object({
    mac: z
      .string()
      .refine(
        (m) => defaultKeyArch(m) !== undefined || normalizeMac(m) === m,
        'must be aa:bb:cc:dd:ee:ff, default or default-<arch>',
      ),
    action: z.enum(['image', 'local']),
    image: z.string().min(1).max(200).nullable(),
    hostname: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'must be a hostname')
      .nullable(),
  })
  .strict()
  .refine((c) => (c.action === 'image') === (c.image !== null), {
    message: 'image is given exactly when the action is image',
  });
export type BackupChoice = z.infer<typeof backupChoiceSchema>;

export const backupSshKeysSchema = z
  .array(z.string().max(16_384))
  .max(100)
  .superRefine((keys, ctx) => {
    const problem = sshKeyProblem(keys);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A dotted quad without leading zeros (0127 would be octal to some tools). */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** One full-DHCP reservation: the machine with this MAC always gets this address. */
export const backupReservationSchema = z
  .object({
    mac: z
      .string()
      .refine((m) => normalizeMac(m) === m, 'must be a MAC written like 52:54:00:12:34:56')
      // The low bit of the first octet marks group addresses; no network card has one.
      .refine(
        (m) => (parseInt(m.slice(0, 2), 16) & 1) === 0,
        'must be the MAC of a network card, not a multicast or broadcast MAC',
      ),
    ip: z.string().regex(IPV4, 'must be an IPv4 address written like 10.0.0.50'),
  })
  .strict();
export type BackupReservation = z.infer<typeof backupReservationSchema>;

/** Reservations; like the store, one address per MAC and one MAC per address. */
export const backupReservationsSchema = z
  .array(backupReservationSchema)
  .max(10_000)
  .superRefine((list, ctx) => {
    const macs = new Set<string>();
    const ips = new Set<string>();
    list.forEach((r, i) => {
      if (macs.has(r.mac)) {
        ctx.addIssue({ code: 'custom', path: [i, 'mac'], message: `lists ${r.mac} twice` });
      }
      if (ips.has(r.ip)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'ip'],
          message: `reserves ${r.ip} for two MACs`,
        });
      }
      macs.add(r.mac);
      ips.add(r.ip);
    });
  });

/** Kernel options as stored: tidied, and passing the same check as when they are set. */
const kernelOptionsText = z.string().superRefine((text, ctx) => {
  const problem = kernelOptionsProblem(text);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  else if (normalizeKernelOptions(text) !== text)
    ctx.addIssue({ code: 'custom', message: 'must be options separated by single spaces' });
});

/** One machine's extra kernel options (the global ones are the `boot.kernelOptions` setting). */
export const backupKernelOptionsSchema = z
  .object({
    mac: z
      .string()
      .refine((m) => normalizeMac(m) === m, 'must be a MAC written like 52:54:00:12:34:56'),
    options: kernelOptionsText.refine((o) => o !== '', 'must not be empty'),
  })
  .strict();
export type BackupKernelOptions = z.infer<typeof backupKernelOptionsSchema>;

/** Per-machine kernel options, one entry per MAC. */
export const backupKernelOptionsListSchema = z
  .array(backupKernelOptionsSchema)
  .max(100_000)
  .superRefine((list, ctx) => {
    const macs = new Set<string>();
    list.forEach((k, i) => {
      if (macs.has(k.mac))
        ctx.addIssue({ code: 'custom', path: [i, 'mac'], message: `lists ${k.mac} twice` });
      macs.add(k.mac);
    });
  });

/** Settings by key; values are whatever JSON the setting holds. */
export const backupSettingsSchema = z
  .record(z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, 'must be a setting name'), z.json())
  .superRefine((settings, ctx) => {
    if (!Object.hasOwn(settings, KERNEL_OPTIONS_SETTING)) return;
    const checked = kernelOptionsText.safeParse(settings[KERNEL_OPTIONS_SETTING]);
    const [issue] = checked.error?.issues ?? [];
    if (issue !== undefined)
      ctx.addIssue({ code: 'custom', path: [KERNEL_OPTIONS_SETTING], message: issue.message });
  });

/** configDocumentSchema is version 1 of the backup document. */
export const configDocumentSchema = z
  .object({
    [CONFIG_DOCUMENT_MARK]: z.literal(CONFIG_DOCUMENT_VERSION),
    exportedAt: z.string(),
    labbootVersion: z.string(),
    sources: z.array(backupSourceSchema).max(100),
    selections: z.array(backupSelectionSchema).max(1000),
    bootChoices: z.array(backupChoiceSchema).max(100_000),
    sshKeys: backupSshKeysSchema,
    settings: backupSettingsSchema,
    /** Absent in documents written before reservations were backed up: leave them as they are. */
    reservations: backupReservationsSchema.optional(),
    /** Absent in documents written before kernel options were backed up: leave them as they are. */
    kernelOptions: backupKernelOptionsListSchema.optional(),
  })
  .strict();
export type ConfigDocument = z.infer<typeof configDocumentSchema>;

/** The sections of the document, in the order changes are shown. */
export const configSections = [
  'sources',
  'selections',
  'bootChoices',
  'sshKeys',
  'settings',
  'reservations',
  'kernelOptions',
] as const;
export type ConfigSection = (typeof configSections)[number];

/** What an import changes in one section, each item named as a person reads it. */
export const sectionChangeSchema = z.object({
  section: z.enum(configSections),
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
});
export type SectionChange = z.infer<typeof sectionChangeSchema>;

/**
 * parseConfigDocument checks untrusted JSON text (or an already parsed value) and returns the
 * document, or throws one UserError sentence: not JSON, not a backup, another version, or the first
 * field that is wrong.
 */
export function parseConfigDocument(input: unknown, what = 'The backup'): ConfigDocument {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch {
      throw new UserError(
        `${what} is not JSON, so it is not a LabBoot configuration backup; pass a file written by "labboot config export".`,
        'bad-backup',
      );
    }
  }
  if (typeof value !== 'object' || value === null || !(CONFIG_DOCUMENT_MARK in value)) {
    throw new UserError(
      `${what} is not a LabBoot configuration backup (it has no "${CONFIG_DOCUMENT_MARK}" version); pass a file written by "labboot config export".`,
      'bad-backup',
    );
  }
  const version = (value as Record<string, unknown>)[CONFIG_DOCUMENT_MARK];
  if (version !== CONFIG_DOCUMENT_VERSION) {
    throw new UserError(
      `${what} is a LabBoot configuration backup of version ${JSON.stringify(version)}, but this LabBoot reads version ${CONFIG_DOCUMENT_VERSION} only; import it with the LabBoot that wrote it, or a newer one.`,
      'backup-version',
    );
  }
  const parsed = configDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where =
      issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw new UserError(
      `${what} is a damaged LabBoot configuration backup (${issue?.message ?? 'invalid'}${where}); nothing was imported, export the configuration again.`,
      'bad-backup',
    );
  }
  return parsed.data;
}

const sourceKey = (s: BackupSource): string => s.url;
const selectionKey = (s: BackupSelection): string => `${s.os}/${s.release}/${s.arch}`;
const choiceKey = (c: BackupChoice): string => c.mac;
const reservationLabel = (r: BackupReservation): string => `${r.mac} → ${r.ip}`;

/**
 * keyedDiff compares two lists by key; an item is changed when its JSON differs. A changed item is
 * named by `changedLabel` (old and new) when given, else by its new label.
 */
function keyedDiff<T>(
  section: ConfigSection,
  current: readonly T[],
  incoming: readonly T[],
  key: (t: T) => string,
  label: (t: T) => string = key,
  changedLabel: (old: T, t: T) => string = (_old, t) => label(t),
): SectionChange {
  const before = new Map(current.map((t) => [key(t), t]));
  const after = new Map(incoming.map((t) => [key(t), t]));
  const change: SectionChange = { section, added: [], removed: [], changed: [] };
  for (const [k, t] of after) {
    const old = before.get(k);
    if (old === undefined) change.added.push(label(t));
    else if (JSON.stringify(old) !== JSON.stringify(t)) change.changed.push(changedLabel(old, t));
  }
  for (const [k, t] of before) if (!after.has(k)) change.removed.push(label(t));
  return change;
}

/** describeKey shortens an SSH key line to its type and comment (or the end of its body). */
function describeKey(line: string): string {
  const [type = '', body = '', ...comment] = line.split(' ');
  return comment.length > 0 ? `${type} ${comment.join(' ')}` : `${type} …${body.slice(-12)}`;
}

/** diffConfig says what importing `incoming` over `current` adds, removes and changes. */
export function diffConfig(current: ConfigDocument, incoming: ConfigDocument): SectionChange[] {
  const settingKeys = (d: ConfigDocument): { key: string; value: string }[] =>
    Object.entries(d.settings).map(([key, value]) => ({ key, value: JSON.stringify(value) }));
  return [
    keyedDiff(
      'sources',
      current.sources,
      incoming.sources,
      sourceKey,
      (s) => `${s.name} (${s.url})`,
    ),
    keyedDiff('selections', current.selections, incoming.selections, selectionKey),
    keyedDiff('bootChoices', current.bootChoices, incoming.bootChoices, choiceKey),
    keyedDiff('sshKeys', current.sshKeys, incoming.sshKeys, (k) => k, describeKey),
    keyedDiff('settings', settingKeys(current), settingKeys(incoming), (s) => s.key),
    keyedDiff(
      'reservations',
      current.reservations ?? [],
      // Without the section an import keeps the reservations, so nothing changes there.
      incoming.reservations ?? current.reservations ?? [],
      (r) => r.mac,
      reservationLabel,
      (old, r) => `${reservationLabel(r)} (was ${old.ip})`,
    ),
    keyedDiff(
      'kernelOptions',
      current.kernelOptions ?? [],
      incoming.kernelOptions ?? current.kernelOptions ?? [],
      (k) => k.mac,
      (k) => `${k.mac}: ${k.options}`,
      (old, k) => `${k.mac}: ${k.options} (was ${old.options})`,
    ),
  ];
}

/** hasChanges tells whether a diff changes anything at all. */
export function hasChanges(changes: readonly SectionChange[]): boolean {
  return changes.some((c) => c.added.length + c.removed.length + c.changed.length > 0);
}
