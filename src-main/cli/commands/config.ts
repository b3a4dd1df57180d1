import { readFile, stat, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import type { ConfigImportResult } from '../../../src-shared/contract/admin';
import type { SectionChange } from '../../../src-shared/backup/config-document';
import { hasChanges } from '../../../src-shared/backup/config-document';
import { UserError } from '../../../src-shared/errors';

/** A backup is a few keyrings and lists; anything this big is not one. */
const maxBackupBytes = 16 * 1024 * 1024;

const sectionNames: Record<SectionChange['section'], string> = {
  sources: 'sources',
  selections: 'selections',
  bootChoices: 'boot choices',
  sshKeys: 'SSH keys',
  settings: 'settings',
  reservations: 'DHCP reservations',
  kernelOptions: 'kernel options per machine',
};

/** changeLines renders a diff: one line per section with `+ added`, `- removed`, `~ changed`. */
export function changeLines(changes: readonly SectionChange[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    const items = [
      ...c.added.map((x) => `+ ${x}`),
      ...c.removed.map((x) => `- ${x}`),
      ...c.changed.map((x) => `~ ${x}`),
    ];
    if (items.length === 0) continue;
    lines.push(`${sectionNames[c.section]}:`);
    for (const item of items) lines.push(`  ${item}`);
  }
  return lines;
}

function importText(result: ConfigImportResult): string {
  const notes = result.notes.map((n) => `Note: ${n}`);
  if (!hasChanges(result.changes))
    return ['The backup matches this configuration; nothing to change.', ...notes].join('\n');
  const lines = changeLines(result.changes);
  return result.dryRun
    ? ['Importing would change:', ...lines, ...notes, 'Nothing was changed (dry run).'].join('\n')
    : ['Imported the configuration:', ...lines, ...notes].join('\n');
}

async function readBackup(file: string): Promise<string> {
  try {
    const s = await stat(file);
    if (!s.isFile() || s.size > maxBackupBytes) {
      throw new UserError(
        `${file} is not a LabBoot configuration backup (${s.isFile() ? 'over 16 MB' : 'not a file'}); pass a file written by "labboot config export".`,
        'bad-backup',
      );
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `Cannot read the backup file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path.`,
      'bad-backup',
    );
  }
}

/** registerConfig adds `labboot config export FILE` and `labboot config import FILE [--dry-run]`. */
export function registerConfig(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description(
      'back up and restore sources, selections, boot choices, SSH keys, settings and DHCP reservations',
    );
  config
    .command('export')
    .description('write the configuration (not the images) to a JSON file')
    .argument('<FILE>')
    .action((file: string) =>
      ctx.withServices(async (services) => {
        const doc = services.configBackup.export();
        try {
          await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
        } catch (error) {
          throw new UserError(
            `Cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); choose a writable path.`,
            'export-failed',
          );
        }
        const counts = {
          sources: doc.sources.length,
          selections: doc.selections.length,
          bootChoices: doc.bootChoices.length,
          sshKeys: doc.sshKeys.length,
          settings: Object.keys(doc.settings).length,
          reservations: doc.reservations?.length ?? 0,
        };
        ctx.output(
          `Exported ${counts.sources} source(s), ${counts.selections} selection(s), ${counts.bootChoices} boot choice(s), ${counts.sshKeys} SSH key(s), ${counts.settings} setting(s) and ${counts.reservations} DHCP reservation(s) to ${file}.`,
          { file, ...counts },
        );
      }),
    );
  config
    .command('import')
    .description('make the configuration equal to a backup, in one step (all or nothing)')
    .argument('<FILE>')
    .option('--dry-run', 'only show what would be added, removed and changed')
    .action((file: string, opts: { dryRun?: boolean }) =>
      ctx.withServices(async (services) => {
        const text = await readBackup(file);
        const result = await services.configBackup.import(text, {
          dryRun: opts.dryRun === true,
          what: `The file ${file}`,
        });
        ctx.output(importText(result), result);
      }),
    );
}
