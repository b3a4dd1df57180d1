import { z } from 'zod';
import { defineCall, defineEvent } from './define';
import { configDocumentSchema, sectionChangeSchema } from '../backup/config-document';

/** How often the scheduled sync runs while the app, the console or `serve` is up. */
export const syncIntervalSchema = z.enum(['off', '6h', '12h', 'daily', 'weekly']);
export type SyncInterval = z.infer<typeof syncIntervalSchema>;

/** The interval in milliseconds (null for off). */
export const syncIntervalMs: Record<SyncInterval, number | null> = {
  off: null,
  '6h': 6 * 3600_000,
  '12h': 12 * 3600_000,
  daily: 24 * 3600_000,
  weekly: 7 * 24 * 3600_000,
};

/** What the last scheduled run did: synced, failed, or was skipped (and why). */
export const scheduledRunSchema = z.object({
  at: z.string(),
  outcome: z.enum(['done', 'failed', 'skipped']),
  message: z.string(),
});
export type ScheduledRun = z.infer<typeof scheduledRunSchema>;

/** The scheduled sync as the UI shows it. */
export const syncScheduleSchema = z.object({
  interval: syncIntervalSchema,
  lastRun: scheduledRunSchema.nullable(),
  /** When the next run is due in this process; null when off or when nothing runs the schedule. */
  nextRun: z.string().nullable(),
  /** Whether this process runs the schedule (the app, the console and `serve` do). */
  active: z.boolean(),
});
export type SyncSchedule = z.infer<typeof syncScheduleSchema>;

/** What `config import` did or would do. */
export const configImportResultSchema = z.object({
  dryRun: z.boolean(),
  /** true once the changes are in the store (never with dryRun). */
  applied: z.boolean(),
  changes: z.array(sectionChangeSchema),
  /** What the import cannot check or leaves alone, one sentence each (e.g. a reservation off the full-DHCP subnet). */
  notes: z.array(z.string()),
});
export type ConfigImportResult = z.infer<typeof configImportResultSchema>;

/** Calls for keeping an install tidy and recoverable: the log file, backups, the sync schedule. */
export const adminCalls = {
  'system.logTail': defineCall({
    summary: 'The path of the log file and its last lines (read-only).',
    input: z.object({ lines: z.number().int().min(1).max(2000).optional() }).strict(),
    output: z.object({ path: z.string(), lines: z.array(z.string()) }),
  }),
  'config.export': defineCall({
    summary:
      'The configuration backup: sources with keyrings, selections, boot choices, SSH keys, settings, DHCP reservations.',
    input: z.object({}).strict(),
    output: configDocumentSchema,
  }),
  'config.import': defineCall({
    summary:
      'Check a configuration backup and say what it changes; without dryRun, apply it in one transaction.',
    input: z.object({ document: z.unknown(), dryRun: z.boolean().default(true) }).strict(),
    output: configImportResultSchema,
  }),
  'sync.schedule': defineCall({
    summary: 'The scheduled sync: its interval, the last run and when the next is due.',
    input: z.object({}).strict(),
    output: syncScheduleSchema,
  }),
  'sync.setSchedule': defineCall({
    summary: 'Set how often the scheduled sync runs (off, 6h, 12h, daily, weekly).',
    input: z.object({ interval: syncIntervalSchema }).strict(),
    output: syncScheduleSchema,
  }),
};

/** Events of the scheduled sync. */
export const adminEvents = {
  'sync.schedule': defineEvent({
    summary: 'The scheduled sync changed: a new interval, a run finished or was skipped.',
    payload: syncScheduleSchema,
  }),
};
