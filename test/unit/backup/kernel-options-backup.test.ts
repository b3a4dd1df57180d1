/**
 * Kernel options in the configuration backup: the global ones travel as the `boot.kernelOptions`
 * setting, each machine's own in the optional `kernelOptions` section of version 1. Import checks
 * both as `boot.setKernelOptions` does, shows them in the dry run, and a file without the section
 * (written before it existed) leaves the machines' options as they are.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ConfigBackupService } from '../../../src-main/backup/config-backup';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { KernelOptionsStore } from '../../../src-main/boot/config/kernel-options-store';
import type { ConfigDocument } from '../../../src-shared/backup/config-document';
import { isUserError } from '../../../src-shared/errors';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';

function store(): { backup: ConfigBackupService; options: KernelOptionsStore } {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return {
    backup: new ConfigBackupService(db, () => new Date('2026-02-03T04:05:06.000Z')),
    options: new KernelOptionsStore(db, new SettingsStore(db)),
  };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (isUserError(error)) return error.message;
    throw error;
  }
  throw new Error('the import was not refused');
}

describe('kernel options in the configuration backup', () => {
  it('exports the global options as a setting and each machine’s in their own section', () => {
    const a = store();
    a.options.set('default', 'console=ttyS0,115200');
    a.options.set(B, 'quiet');
    a.options.set(A, 'nvme_core.multipath=N');
    const doc = a.backup.export();
    expect(doc.settings).toEqual({ 'boot.kernelOptions': 'console=ttyS0,115200' });
    expect(doc.kernelOptions).toEqual([
      { mac: A, options: 'nvme_core.multipath=N' },
      { mac: B, options: 'quiet' },
    ]);
  });

  it('imports them into another store, showing them in the dry run first', async () => {
    const a = store();
    a.options.set('default', 'console=ttyS0,115200');
    a.options.set(A, 'nvme_core.multipath=N');
    const b = store();
    b.options.set(A, 'quiet');
    b.options.set(B, 'nomodeset');
    const doc = a.backup.export();
    const dry = await b.backup.import(doc, { dryRun: true });
    expect(dry.changes.find((c) => c.section === 'kernelOptions')).toEqual({
      section: 'kernelOptions',
      added: [],
      removed: [`${B}: nomodeset`],
      changed: [`${A}: nvme_core.multipath=N (was quiet)`],
    });
    expect(dry.changes.find((c) => c.section === 'settings')?.added).toEqual([
      'boot.kernelOptions',
    ]);
    expect(b.options.view()).toEqual({
      global: '',
      machines: [
        { mac: A, options: 'quiet' },
        { mac: B, options: 'nomodeset' },
      ],
    });
    await b.backup.import(JSON.stringify(doc), { dryRun: false });
    expect(b.options.view()).toEqual(a.options.view());
    expect(b.options.effective(A)).toEqual(['console=ttyS0,115200', 'nvme_core.multipath=N']);
  });

  it('leaves the machines’ options alone when the backup has no such section', async () => {
    const a = store();
    a.options.set(A, 'quiet');
    const { kernelOptions: _none, ...older } = a.backup.export();
    const result = await a.backup.import({ ...older, bootChoices: [] }, { dryRun: false });
    expect(result.changes.find((c) => c.section === 'kernelOptions')).toMatchObject({
      added: [],
      removed: [],
      changed: [],
    });
    expect(a.options.forMac(A)).toBe('quiet');
  });

  it('refuses options a machine could not boot with, in one sentence, importing nothing', async () => {
    const a = store();
    a.options.set(A, 'quiet');
    const doc: ConfigDocument = a.backup.export();
    const damaged = (change: Partial<ConfigDocument>): Promise<unknown> =>
      a.backup.import({ ...doc, ...change }, { dryRun: false });
    expect(
      await refusal(damaged({ settings: { 'boot.kernelOptions': 'quiet\ninit=/bin/sh' } })),
    ).toBe(
      'The backup is a damaged LabBoot configuration backup (Kernel options must be one line of options separated by spaces, but these contain a line break; remove it. at settings.boot.kernelOptions); nothing was imported, export the configuration again.',
    );
    expect(await refusal(damaged({ settings: { 'boot.kernelOptions': 7 } }))).toMatch(
      /damaged .* at settings\.boot\.kernelOptions\)/,
    );
    expect(await refusal(damaged({ kernelOptions: [{ mac: B, options: 'a=${x}' }] }))).toMatch(
      /damaged LabBoot configuration backup \(Kernel options cannot contain "\$".* at kernelOptions\.0\.options\)/,
    );
    expect(await refusal(damaged({ kernelOptions: [{ mac: B, options: 'a  b' }] }))).toMatch(
      /\(must be options separated by single spaces at kernelOptions\.0\.options\)/,
    );
    expect(
      await refusal(
        damaged({
          kernelOptions: [
            { mac: B, options: 'a' },
            { mac: B, options: 'b' },
          ],
        }),
      ),
    ).toMatch(/\(lists 52:54:00:00:00:0b twice at kernelOptions\.1\.mac\)/);
    expect(await refusal(damaged({ kernelOptions: [{ mac: 'default', options: 'a' }] }))).toMatch(
      /must be a MAC written like 52:54:00:12:34:56 at kernelOptions\.0\.mac/,
    );
    expect(a.options.view()).toEqual({ global: '', machines: [{ mac: A, options: 'quiet' }] });
  });
});
